<#
.SYNOPSIS
    Benchmarks of Invoke-DaytonaCommand (issue 5), not timed tests. Medians.
    1. Per-call cost of Invoke-DaytonaCommand 'true' vs a raw HTTP POST (Invoke-RestMethod) to the same
       emulator endpoint (POST {toolbox}/{id}/process/session/{sid}/exec) from the same process (goal <= 1.3x).
       Also shown: a raw POST to /process/execute, the one-shot endpoint a user might call instead.
    2. Fan-out of a 1-second command over 32 sandboxes (goal < 6 s wall).
.EXAMPLE
    dotnet pwsh ./bench/Command.bench.ps1 -ModulePath ./out/DaytonaPS
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DaytonaPS'),
    [int] $Calls = 40,
    [int] $Runs = 5,
    [int] $FanOut = 32
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../tests/pester/TestHelpers.psm1') -Force
Import-Module (Join-Path $ModulePath 'DaytonaPS.psd1') -Force
function Median([double[]] $v) { $s = $v | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }

$emu = Start-TestEmulator -ArgumentList '--transition-ms', '0', '--rate-limit', 'sandbox-create=0', '--rate-limit', 'sandbox-lifecycle=0', '--rate-limit', 'authenticated=0'
try {
    $headers = @{ Authorization = "Bearer $($emu.ApiKey)"; 'X-Daytona-SDK-Version' = '0.218.0' }
    Connect-Daytona -ApiKey (ConvertTo-SecureString $emu.ApiKey -AsPlainText -Force) -ApiUrl $emu.ApiUrl
    $sb = New-DaytonaSandbox
    $base = "$($sb.ToolboxProxyUrl.TrimEnd('/'))/$($sb.Id)"
    Invoke-RestMethod -Method Post -Uri "$base/process/session" -Headers $headers -ContentType 'application/json' -Body '{"sessionId":"bench-raw"}' | Out-Null
    $body = '{"command":"true"}'
    # warm up both paths (JIT, connection pool, the module's exec session)
    1..5 | ForEach-Object {
        $sb | Invoke-DaytonaCommand 'true' | Out-Null
        Invoke-RestMethod -Method Post -Uri "$base/process/session/bench-raw/exec" -Headers $headers -ContentType 'application/json' -Body $body | Out-Null
        Invoke-RestMethod -Method Post -Uri "$base/process/execute" -Headers $headers -ContentType 'application/json' -Body $body | Out-Null
    }
    $cmdlet = @(); $raw = @(); $exec = @()
    for ($r = 0; $r -lt $Runs; $r++) {
        $w = [Diagnostics.Stopwatch]::StartNew()
        for ($i = 0; $i -lt $Calls; $i++) { $null = $sb | Invoke-DaytonaCommand 'true' }
        $cmdlet += $w.Elapsed.TotalMilliseconds / $Calls
        $w = [Diagnostics.Stopwatch]::StartNew()
        for ($i = 0; $i -lt $Calls; $i++) { $null = Invoke-RestMethod -Method Post -Uri "$base/process/session/bench-raw/exec" -Headers $headers -ContentType 'application/json' -Body $body }
        $raw += $w.Elapsed.TotalMilliseconds / $Calls
        $w = [Diagnostics.Stopwatch]::StartNew()
        for ($i = 0; $i -lt $Calls; $i++) { $null = Invoke-RestMethod -Method Post -Uri "$base/process/execute" -Headers $headers -ContentType 'application/json' -Body $body }
        $exec += $w.Elapsed.TotalMilliseconds / $Calls
    }
    $perCall = [pscustomobject]@{ CmdletMs = Median $cmdlet; RawSessionExecMs = Median $raw; RawExecuteMs = Median $exec }

    $boxes = 1..$FanOut | ForEach-Object { New-DaytonaSandbox }
    $fan = @(); $fan8 = @()
    for ($r = 0; $r -lt [math]::Min($Runs, 3); $r++) {
        $w = [Diagnostics.Stopwatch]::StartNew()
        $results = $boxes | Invoke-DaytonaCommand 'sleep 1' -ThrottleLimit 32
        $fan += $w.Elapsed.TotalSeconds
        if (@($results | Where-Object ExitCode -eq 0).Count -ne $FanOut) { throw "fan-out: not all $FanOut commands succeeded" }
        $w = [Diagnostics.Stopwatch]::StartNew()
        $null = $boxes | Invoke-DaytonaCommand 'sleep 1'
        $fan8 += $w.Elapsed.TotalSeconds
    }
    $fanRes = [pscustomobject]@{ Throttle32Sec = Median $fan; Throttle8Sec = Median $fan8 }
    $boxes + $sb | Remove-DaytonaSandbox -Force
}
finally { $emu | Stop-TestEmulator }

[pscustomobject]@{
    PerCallCmdletMs        = [math]::Round($perCall.CmdletMs, 1)
    PerCallRawSessionExecMs = [math]::Round($perCall.RawSessionExecMs, 1)
    Ratio                  = [math]::Round($perCall.CmdletMs / $perCall.RawSessionExecMs, 2)
    PerCallRawExecuteMs    = [math]::Round($perCall.RawExecuteMs, 1)
    FanOut32Throttle32Sec  = [math]::Round($fanRes.Throttle32Sec, 2)
    FanOut32Throttle8Sec   = [math]::Round($fanRes.Throttle8Sec, 2)
}
