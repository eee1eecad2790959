<#
.SYNOPSIS
    Benchmark of Get-DaytonaSnapshot (issue 12), not a timed test: every snapshot of an organization
    with 500 of them, against Daytona's TypeScript SDK paging through snapshot.list on the same
    emulator (goal: faster), and against an Invoke-RestMethod page loop in this process. Medians of
    -Runs runs, each side warmed up once first (first call, connection, JIT).
.EXAMPLE
    dotnet pwsh ./bench/Snapshot.bench.ps1 -ModulePath ./out/DaytonaPS
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DaytonaPS'),
    [int] $Runs = 7,
    [int] $Count = 500
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../tests/pester/TestHelpers.psm1') -Force
Import-Module (Join-Path $ModulePath 'DaytonaPS.psd1') -Force
function Median([double[]] $v) { $s = $v | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }
function Time([scriptblock] $sb) { $w = [Diagnostics.Stopwatch]::StartNew(); & $sb | Out-Null; $w.Elapsed.TotalMilliseconds }

$emu = Start-TestEmulator -ArgumentList '--transition-ms', '0', '--rate-limit', 'authenticated=0'
try {
    $headers = @{ Authorization = "Bearer $($emu.ApiKey)" }
    Connect-Daytona -ApiKey (ConvertTo-SecureString $emu.ApiKey -AsPlainText -Force) -ApiUrl $emu.ApiUrl -InformationAction Ignore
    1..$Count | ForEach-Object -ThrottleLimit 16 -Parallel {
        Invoke-RestMethod -Method Post -Uri "$($using:emu.ApiUrl)/snapshots" -Headers $using:headers -ContentType 'application/json' `
            -Body (@{ name = "bench-snap-$_"; imageName = "python:3.$($_ % 13)" } | ConvertTo-Json)
    } | Out-Null
    $total = @(Get-DaytonaSnapshot).Count
    Write-Host "snapshots listed: $total (seeded $Count plus the emulator's default)"

    Get-DaytonaSnapshot | Out-Null   # warm-up
    $cmdlet = @(); $irm = @()
    for ($i = 0; $i -lt $Runs; $i++) {
        $cmdlet += Time { Get-DaytonaSnapshot }
        $irm += Time {
            for ($page = 1; ; $page++) {
                $reply = Invoke-RestMethod -Uri "$($emu.ApiUrl)/snapshots?page=$page&limit=200" -Headers $headers
                $reply.items
                if ($page -ge $reply.totalPages) { break }
            }
        }
    }
    $env:DAYTONA_API_KEY = $emu.ApiKey; $env:DAYTONA_API_URL = $emu.ApiUrl
    try { $sdk = node (Join-Path $PSScriptRoot 'snapshot-list-sdk.mjs') $Runs | ConvertFrom-Json }
    finally { Remove-Item Env:DAYTONA_API_KEY, Env:DAYTONA_API_URL }
    if ($sdk.count -ne $total) { throw "The SDK listed $($sdk.count) snapshots, Get-DaytonaSnapshot $total." }
    $sdkMs = Median ($sdk.seconds | ForEach-Object { $_ * 1000 })
    [pscustomobject]@{
        Snapshots          = $total
        GetDaytonaSnapshot = [math]::Round((Median $cmdlet), 1)
        InvokeRestMethod   = [math]::Round((Median $irm), 1)
        TypeScriptSdk      = [math]::Round($sdkMs, 1)
        SdkOverCmdlet      = [math]::Round($sdkMs / (Median $cmdlet), 2)
        Load               = (Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -join ''
    } | Format-List
}
finally { $emu | Stop-TestEmulator }
