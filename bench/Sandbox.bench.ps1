<#
.SYNOPSIS
    Benchmarks of the sandbox cmdlets (issue 4), not timed tests. Medians of -Runs runs.
    1. Get-DaytonaSandbox over 2,000 sandboxes vs an Invoke-RestMethod cursor loop in the same process (goal <= 1.2x).
    2. Removing 200 sandboxes through the pipeline at --latency-ms 50 vs a sequential Invoke-RestMethod loop (goal >= 6x faster).
    3. Import-Module of the built module in a fresh pwsh (goal < 150 ms), against a bare pwsh start
       and against the first Import-Module of an empty module (a psd1 + psm1 pair), which costs
       what any first module import costs. Also measured inside the process: Import-Module DaytonaPS
       right after the empty module, i.e. what DaytonaPS itself adds.
       pwsh keeps a multicore-JIT startup profile (StartupProfileData-NonInteractive in
       $XDG_CACHE_HOME/powershell) written by the previous pwsh run and replayed by the next, so
       every scenario runs with its own cache folder and two unmeasured warm-up runs: the numbers
       are those of a user who runs the same thing again, not of whatever ran last on the machine.
.EXAMPLE
    dotnet pwsh ./bench/Sandbox.bench.ps1 -ModulePath ./out/DaytonaPS
.EXAMPLE
    dotnet pwsh ./bench/Sandbox.bench.ps1 -ImportOnly -ImportRuns 21
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DaytonaPS'),
    [int] $Runs = 5,
    [int] $ListCount = 2000,
    [int] $RemoveCount = 200,
    # Runs per import scenario (process starts are cheap but noisy, so more than -Runs).
    [int] $ImportRuns = 15,
    # Only the import measurements (3).
    [switch] $ImportOnly
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../tests/pester/TestHelpers.psm1') -Force
Import-Module (Join-Path $ModulePath 'DaytonaPS.psd1') -Force
function Median([double[]] $v) { $s = $v | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }
function Time([scriptblock] $sb) { $w = [Diagnostics.Stopwatch]::StartNew(); & $sb | Out-Null; $w.Elapsed.TotalMilliseconds }

$list = $null; $remove = $null
if (-not $ImportOnly) {
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
}

# 3. Import time. Each scenario is a fresh pwsh; wall time of the whole process from here, and
# for the last one the child's own Stopwatch around Import-Module DaytonaPS.
$pwsh = foreach ($n in 'pwsh', 'pwsh.exe') { $c = Join-Path $PSHOME $n; if (Test-Path $c) { $c; break } }
$scratch = Join-Path ([IO.Path]::GetTempPath()) "daytonaps-bench-import-$PID"
$empty = New-Item -ItemType Directory -Force -Path (Join-Path $scratch 'BenchEmpty')
Set-Content (Join-Path $empty 'BenchEmpty.psm1') 'function Get-BenchNothing { }'
Set-Content (Join-Path $empty 'BenchEmpty.psd1') "@{ RootModule = 'BenchEmpty.psm1'; ModuleVersion = '1.0.0'; GUID = '0d7e1f52-8f3a-4c41-9b0e-5a2f6c1d3e47'; FunctionsToExport = 'Get-BenchNothing'; CmdletsToExport = @(); VariablesToExport = @(); AliasesToExport = @() }"
$manifest = Join-Path (Resolve-Path $ModulePath) 'DaytonaPS.psd1'
$scenarios = [ordered]@{
    Bare       = 'exit 0'
    Empty      = "Import-Module '$empty/BenchEmpty.psd1'; exit 0"
    Daytona    = "Import-Module '$manifest'; exit 0"
    # Printed by the child: Import-Module DaytonaPS after the empty module, in ms.
    InProcess  = "Import-Module '$empty/BenchEmpty.psd1'; `$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$manifest'; `$w.Elapsed.TotalMilliseconds; exit 0"
    # The same after a bare .psm1 (no manifest): DaytonaPS then also pays pwsh's first-manifest cost.
    InProcessAfterPsm1 = "Import-Module '$empty/BenchEmpty.psm1'; `$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$manifest'; `$w.Elapsed.TotalMilliseconds; exit 0"
    # As InProcess, but the startup profile is deleted before every run: a pwsh whose last run
    # did something else entirely (a CI agent, a first run), so nothing is pre-compiled for us.
    InProcessNoProfile = "Import-Module '$empty/BenchEmpty.psd1'; `$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$manifest'; `$w.Elapsed.TotalMilliseconds; exit 0"
}
$importResults = [ordered]@{}
$savedCache = $env:XDG_CACHE_HOME
try {
    foreach ($name in $scenarios.Keys) {
        $env:XDG_CACHE_HOME = New-Item -ItemType Directory -Force -Path (Join-Path $scratch "cache-$name") | ForEach-Object FullName
        $wall = @(); $inner = @()
        for ($i = -2; $i -lt $ImportRuns; $i++) {
            if ($name -eq 'InProcessNoProfile') { Remove-Item (Join-Path $env:XDG_CACHE_HOME 'powershell/StartupProfileData-*') -ErrorAction SilentlyContinue }
            $w = [Diagnostics.Stopwatch]::StartNew()
            $out = & $pwsh -NoProfile -NonInteractive -Command $scenarios[$name]
            $ms = $w.Elapsed.TotalMilliseconds
            if ($LASTEXITCODE -ne 0) { throw "Import scenario '$name' failed: $out" }
            if ($i -lt 0) { continue }   # warm-up runs train this scenario's startup profile
            $wall += $ms
            if ($name -like 'InProcess*') { $inner += [double]($out | Select-Object -Last 1) }
        }
        $importResults[$name] = if ($name -like 'InProcess*') { Median $inner } else { Median $wall }
    }
}
finally {
    $env:XDG_CACHE_HOME = $savedCache
    Remove-Item -Recurse -Force $scratch -ErrorAction SilentlyContinue
}

$result = [ordered]@{}
if ($list) {
    $result.ListCmdletMs = [math]::Round($list.Cmdlet)
    $result.ListIrmMs = [math]::Round($list.Irm)
    $result.ListRatio = [math]::Round($list.Cmdlet / $list.Irm, 2)
    $result.RemovePipelineMs = [math]::Round($remove.Pipeline)
    $result.RemoveSequentialMs = [math]::Round($remove.Sequential)
    $result.RemoveSpeedup = [math]::Round($remove.Sequential / $remove.Pipeline, 1)
}
$result.BarePwshStartMs = [math]::Round($importResults.Bare)
$result.PwshImportEmptyModuleMs = [math]::Round($importResults.Empty)
$result.PwshImportDaytonaPSMs = [math]::Round($importResults.Daytona)
# What DaytonaPS adds over an empty module (process medians) and measured inside the process.
$result.DaytonaPSOverEmptyModuleMs = [math]::Round($importResults.Daytona - $importResults.Empty)
$result.ImportDaytonaPSInProcessMs = [math]::Round($importResults.InProcess)
$result.ImportDaytonaPSInProcessAfterPsm1Ms = [math]::Round($importResults.InProcessAfterPsm1)
$result.ImportDaytonaPSInProcessNoProfileMs = [math]::Round($importResults.InProcessNoProfile)
[pscustomobject]$result
