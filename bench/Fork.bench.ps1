<#
.SYNOPSIS
    Benchmark of Copy-DaytonaSandbox (issue 14), not a timed test. Medians of -Runs runs.
    A prepared linux-vm sandbox (its home holds -Files small files and a -MegaBytes MB file, made by a
    command that also sleeps -PrepareSec seconds, standing for an install step) is forked, against the
    plain alternative a user would write without fork: a new sandbox from the same snapshot that runs
    the same preparation again. Both end with a started sandbox that has the files.
.EXAMPLE
    dotnet pwsh ./bench/Fork.bench.ps1 -Runs 5
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DaytonaPS'),
    [int] $Runs = 5,
    [int] $Files = 2000,
    [int] $MegaBytes = 50,
    [int] $PrepareSec = 2
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../tests/pester/TestHelpers.psm1') -Force
Import-Module (Join-Path $ModulePath 'DaytonaPS.psd1') -Force
function Median([double[]] $v) { $s = $v | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }
function Time([scriptblock] $sb) { $w = [Diagnostics.Stopwatch]::StartNew(); & $sb | Out-Null; $w.Elapsed.TotalMilliseconds }

$emu = Start-TestEmulator -ArgumentList '--transition-ms', '0', '--rate-limit', 'sandbox-create=0', '--rate-limit', 'authenticated=0'
try {
    Connect-Daytona -ApiKey (ConvertTo-SecureString $emu.ApiKey -AsPlainText -Force) -ApiUrl $emu.ApiUrl -InformationAction Ignore
    $null = New-DaytonaSnapshot -Name bench-vm -Image ubuntu:22.04 -SandboxClass linux-vm
    $prepare = "mkdir -p ~/deps && for i in `$(seq 1 $Files); do echo dep `$i > ~/deps/f`$i.txt; done && head -c $($MegaBytes)M /dev/zero > ~/deps/blob && sleep $PrepareSec"
    $base = New-DaytonaSandbox -Name bench-base -Snapshot bench-vm
    $null = Invoke-DaytonaCommand -InputObject $base -Command $prepare -TimeoutSec 600
    $fork = @(); $fresh = @()
    for ($i = 0; $i -lt $Runs; $i++) {
        $fork += Time { $f = Copy-DaytonaSandbox -InputObject $base -NewName "bench-fork-$i"; $f }
        $fresh += Time { $s = New-DaytonaSandbox -Name "bench-fresh-$i" -Snapshot bench-vm; Invoke-DaytonaCommand -InputObject $s -Command $prepare -TimeoutSec 600 }
    }
    $check = (Invoke-DaytonaCommand -Id bench-fork-0 -Command 'ls ~/deps | wc -l').Output.Trim()
    [pscustomobject]@{
        Load = (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' '
        ForkMs = [math]::Round((Median $fork), 0)
        NewAndPrepareMs = [math]::Round((Median $fresh), 0)
        Ratio = [math]::Round((Median $fresh) / (Median $fork), 2)
        ForkRuns = ($fork | ForEach-Object { [math]::Round($_) }) -join ' '
        FreshRuns = ($fresh | ForEach-Object { [math]::Round($_) }) -join ' '
        FilesInFork = $check
    } | Format-List
}
finally {
    $emu | Stop-TestEmulator
}
