<#
.SYNOPSIS
    Benchmarks of the sandbox cmdlets (issue 4), not timed tests. Medians of -Runs runs.
    1. Get-DaytonaSandbox over 2,000 sandboxes vs an Invoke-RestMethod cursor loop in the same process (goal <= 1.2x).
    2. Removing 200 sandboxes through the pipeline at --latency-ms 50 vs a sequential Invoke-RestMethod loop (goal >= 6x faster).
    3. Import-Module of the built module in a fresh pwsh, minus pwsh's own start (goal < 150 ms).
.EXAMPLE
    dotnet pwsh ./bench/Sandbox.bench.ps1 -ModulePath ./out/DaytonaPS
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DaytonaPS'),
    [int] $Runs = 5,
    [int] $ListCount = 2000,
    [int] $RemoveCount = 200
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../tests/pester/TestHelpers.psm1') -Force
Import-Module (Join-Path $ModulePath 'DaytonaPS.psd1') -Force
function Median([double[]] $v) { $s = $v | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }
function Time([scriptblock] $sb) { $w = [Diagnostics.Stopwatch]::StartNew(); & $sb | Out-Null; $w.Elapsed.TotalMilliseconds }

$emu = Start-TestEmulator -ArgumentList '--transition-ms', '0', '--rate-limit', 'sandbox-create=0', '--rate-limit', 'sandbox-lifecycle=0', '--rate-limit', 'authenticated=0'
try {
    $headers = @{ Authorization = "Bearer $($emu.ApiKey)" }
    Connect-Daytona -ApiKey (ConvertTo-SecureString $emu.ApiKey -AsPlainText -Force) -ApiUrl $emu.ApiUrl
    # Seed sandboxes quickly and in parallel through the REST API.
    1..$ListCount | ForEach-Object -ThrottleLimit 16 -Parallel {
        Invoke-RestMethod -Method Post -Uri "$($using:emu.ApiUrl)/sandbox" -Headers $using:headers -ContentType 'application/json' -Body (@{ name = "bench-$_"; labels = @{ bench = 'list' } } | ConvertTo-Json)
    } | Out-Null

    $cmdlet = @(); $irm = @()
    for ($i = 0; $i -lt $Runs; $i++) {
        $cmdlet += Time { Get-DaytonaSandbox }
        $irm += Time {
            $cursor = $null
            do {
                $uri = "$($emu.ApiUrl)/sandbox?limit=200" + $(if ($cursor) { "&cursor=$([uri]::EscapeDataString($cursor))" } else { '' })
                $page = Invoke-RestMethod -Uri $uri -Headers $headers
                $page.items
                $cursor = $page.nextCursor
            } while ($cursor)
        }
    }
    $list = [pscustomobject]@{ Cmdlet = Median $cmdlet; Irm = Median $irm }

    Set-TestEmulatorFault $emu @{ latencyMs = 50 }
    $pipe = @(); $seq = @()
    for ($i = 0; $i -lt [math]::Min($Runs, 3); $i++) {
        $ids = 1..$RemoveCount | ForEach-Object { (Invoke-RestMethod -Method Post -Uri "$($emu.ApiUrl)/sandbox" -Headers $headers -ContentType 'application/json' -Body (@{ labels = @{ bench = "rm$i" } } | ConvertTo-Json)).id }
        $pipe += Time { Get-DaytonaSandbox -Label @{ bench = "rm$i" } | Remove-DaytonaSandbox -Force -ThrottleLimit 16 }
        $ids2 = 1..$RemoveCount | ForEach-Object { (Invoke-RestMethod -Method Post -Uri "$($emu.ApiUrl)/sandbox" -Headers $headers -ContentType 'application/json' -Body (@{ labels = @{ bench = "rs$i" } } | ConvertTo-Json)).id }
        $seq += Time { foreach ($id in $ids2) { Invoke-RestMethod -Method Delete -Uri "$($emu.ApiUrl)/sandbox/$id" -Headers $headers } }
    }
    $remove = [pscustomobject]@{ Pipeline = Median $pipe; Sequential = Median $seq }
    Set-TestEmulatorFault $emu @{ latencyMs = 0 }
}
finally { $emu | Stop-TestEmulator }

$pwsh = foreach ($n in 'pwsh', 'pwsh.exe') { $c = Join-Path $PSHOME $n; if (Test-Path $c) { $c; break } }
$bare = @(); $imp = @()
for ($i = 0; $i -lt $Runs; $i++) {
    $bare += Time { & $pwsh -NoProfile -NonInteractive -Command 'exit 0' }
    $imp += Time { & $pwsh -NoProfile -NonInteractive -Command "Import-Module '$ModulePath/DaytonaPS.psd1'; exit 0" }
}
$import = [pscustomobject]@{ Bare = Median $bare; WithImport = Median $imp }

[pscustomobject]@{
    ListCmdletMs        = [math]::Round($list.Cmdlet)
    ListIrmMs           = [math]::Round($list.Irm)
    ListRatio           = [math]::Round($list.Cmdlet / $list.Irm, 2)
    RemovePipelineMs    = [math]::Round($remove.Pipeline)
    RemoveSequentialMs  = [math]::Round($remove.Sequential)
    RemoveSpeedup       = [math]::Round($remove.Sequential / $remove.Pipeline, 1)
    ImportMs            = [math]::Round($import.WithImport - $import.Bare)
}
