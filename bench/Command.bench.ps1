<#
.SYNOPSIS
    Benchmarks of Invoke-DaytonaCommand, not timed tests. Medians of interleaved rounds.
    1. Per-call cost of Invoke-DaytonaCommand 'true' against Daytona's TypeScript SDK
       sandbox.process.executeCommand('true') on the same emulator in one run (goal <= 1.0x), with the
       pieces that tell where the time goes: the SDK's own session exec, raw POSTs from Node to
       /process/execute and to a session's exec (plain 'true' and DaytonaPS's wrapper line), and the
       same wrapper line POSTed by a bare .NET HttpClient from this process.
       Needs `npm ci` in tests/contract (the SDK); the Node side is bench/sdk-exec.mjs.
    2. Fan-out of a 1-second command over 32 sandboxes (goal < 6 s wall).
    3. -ClientOnly: the client's own cost per call, against bench/instant-toolbox.mjs (a toolbox that
       answers at once: no sandbox, no bash): Invoke-DaytonaCommand against a bare .NET HttpClient POST.
    4. -Memory: peak memory of a fresh pwsh that runs a command printing 100 MB, with the default
       -MaximumOutputSize, with 0 (keep everything) and with -OutFile; -BeforeModulePath measures an
       older build the same way.
.EXAMPLE
    dotnet pwsh ./bench/Command.bench.ps1 -ModulePath ./out/DaytonaPS
.EXAMPLE
    dotnet pwsh ./bench/Command.bench.ps1 -Memory -BeforeModulePath /tmp/before/out/DaytonaPS
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DaytonaPS'),
    [int] $Calls = 40,
    [int] $Rounds = 7,
    [int] $FanOut = 32,
    [switch] $SkipFanOut,
    [switch] $Memory,
    [string] $BeforeModulePath,
    [int] $MemoryMB = 100,
    [switch] $ClientOnly
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../tests/pester/TestHelpers.psm1') -Force
$ModulePath = (Resolve-Path $ModulePath).Path
function Median([double[]] $v) { $s = $v | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }

# A bare .NET HttpClient POSTing a session line: the floor for any .NET client of this route.
Add-Type -TypeDefinition @'
using System; using System.Diagnostics; using System.Net.Http; using System.Text; using System.Text.Json;
public static class BenchRawExec {
static readonly HttpClient Http = new HttpClient();
public static double MeanMs(string url, string key, string line, int calls) {
    var body = JsonSerializer.Serialize(new { command = line });
    var w = Stopwatch.StartNew();
    for (var i = 0; i < calls; i++) {
        using var req = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        req.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
        req.Headers.TryAddWithoutValidation("X-Daytona-SDK-Version", "0.218.0");
        using var res = Http.Send(req);
        res.EnsureSuccessStatusCode();
        res.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
    }
    return w.Elapsed.TotalMilliseconds / calls;
}
}
'@

$emuArgs = '--transition-ms', '0', '--rate-limit', 'sandbox-create=0', '--rate-limit', 'sandbox-lifecycle=0', '--rate-limit', 'authenticated=0'

if ($Memory) {
    # Each case in a fresh pwsh, so the peak (VmHWM) is that command's alone.
    $emu = Start-TestEmulator -ArgumentList $emuArgs
    try {
        $cases = [ordered]@{ 'default (10 MB)' = ''; 'keep everything (0)' = '-MaximumOutputSize 0'; '-OutFile' = "-OutFile '$([IO.Path]::GetTempFileName())'" }
        $modules = [ordered]@{ after = $ModulePath }
        if ($BeforeModulePath) { $modules = [ordered]@{ before = (Resolve-Path $BeforeModulePath).Path; after = $ModulePath } }
        $rows = foreach ($m in $modules.GetEnumerator()) {
            foreach ($c in $cases.GetEnumerator()) {
                if ($m.Key -eq 'before' -and $c.Value) { continue } # the old module has neither parameter
                $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($m.Value)/DaytonaPS.psd1'
Connect-Daytona -ApiKey (ConvertTo-SecureString `$env:BENCH_API_KEY -AsPlainText -Force) -ApiUrl '$($emu.ApiUrl)' -SkipValidation
`$sb = New-DaytonaSandbox
`$null = `$sb | Invoke-DaytonaCommand 'true'
[GC]::Collect()
`$base = (Get-Content /proc/self/status | Where-Object { `$_ -like 'VmRSS:*' }) -replace '\D', ''
`$w = [Diagnostics.Stopwatch]::StartNew()
`$r = `$sb | Invoke-DaytonaCommand 'head -c $($MemoryMB * 1000000) /dev/zero | tr "\0" x' $($c.Value) -WarningAction SilentlyContinue
`$secs = `$w.Elapsed.TotalSeconds
`$peak = (Get-Content /proc/self/status | Where-Object { `$_ -like 'VmHWM:*' }) -replace '\D', ''
`$sb | Remove-DaytonaSandbox -Force
'{0} {1} {2} {3} {4}' -f `$base, `$peak, `$r.Stdout.Length, `$r.Truncated, `$secs
"@
                $out = Invoke-FreshPwsh -Script $script -Environment @{ BENCH_API_KEY = $emu.ApiKey } | Select-Object -Last 1
                $f = ("$out" -split ' ')
                if ($f.Count -ne 5) { throw "memory case '$($c.Key)' of $($m.Key): $out" }
                [pscustomobject]@{
                    Module = $m.Key; Case = $c.Key
                    RssBeforeMiB = [math]::Round([double]$f[0] / 1024); PeakMiB = [math]::Round([double]$f[1] / 1024)
                    StdoutChars = [long]$f[2]; Truncated = $f[3]; Seconds = [math]::Round([double]$f[4], 1)
                }
            }
        }
        $rows | Format-Table -AutoSize | Out-String -Width 200
    }
    finally { $emu | Stop-TestEmulator }
    return
}

if ($ClientOnly) {
    Import-Module (Join-Path $ModulePath 'DaytonaPS.psd1') -Force
    $psi = [Diagnostics.ProcessStartInfo]::new('node', (Join-Path $PSScriptRoot 'instant-toolbox.mjs'))
    $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.UseShellExecute = $false
    $fake = [Diagnostics.Process]::Start($psi)
    try {
        $url = $fake.StandardOutput.ReadLine()
        Connect-Daytona -ApiKey (ConvertTo-SecureString 'dtn_bench_client' -AsPlainText -Force) -ApiUrl "$url/api" -SkipValidation
        $sb = Get-DaytonaSandbox -Id sb-bench
        $line = [DaytonaPS.CommandResult].Assembly.GetType('DaytonaPS.Api.CommandScript').GetMethod('Build').Invoke($null, @('true', $null, $null, $false, $null, 0))
        1..20 | ForEach-Object { $null = $sb | Invoke-DaytonaCommand 'true' }
        $null = [BenchRawExec]::MeanMs("$url/toolbox/sb-bench/process/session/raw/exec", 'dtn_bench_client', $line, 20)
        $cmdlet = @(); $raw = @()
        for ($r = 0; $r -lt $Rounds; $r++) {
            $w = [Diagnostics.Stopwatch]::StartNew()
            for ($i = 0; $i -lt $Calls; $i++) { $null = $sb | Invoke-DaytonaCommand 'true' }
            $cmdlet += $w.Elapsed.TotalMilliseconds / $Calls
            $raw += [BenchRawExec]::MeanMs("$url/toolbox/sb-bench/process/session/raw/exec", 'dtn_bench_client', $line, $Calls)
        }
        [pscustomobject]@{ CmdletMs = [math]::Round((Median $cmdlet), 2); DotnetRawMs = [math]::Round((Median $raw), 2); ClientOverheadMs = [math]::Round((Median $cmdlet) - (Median $raw), 2) } | Format-List | Out-String
    }
    finally { $fake.StandardInput.Close(); if (-not $fake.WaitForExit(5000)) { $fake.Kill() } }
    return
}

Import-Module (Join-Path $ModulePath 'DaytonaPS.psd1') -Force
$emu = Start-TestEmulator -ArgumentList $emuArgs
$node = $null
try {
    Connect-Daytona -ApiKey (ConvertTo-SecureString $emu.ApiKey -AsPlainText -Force) -ApiUrl $emu.ApiUrl
    $sb = New-DaytonaSandbox
    $base = "$($sb.ToolboxProxyUrl.TrimEnd('/'))/$($sb.Id)"
    # The exact session line the module sends for 'true' (internal, hence reflection: a bench, not a test).
    $script = [DaytonaPS.CommandResult].Assembly.GetType('DaytonaPS.Api.CommandScript')
    $line = $script.GetMethod('Build').Invoke($null, @('true', $null, $null, $false, $null, 0))

    $hdr = @{ Authorization = "Bearer $($emu.ApiKey)" }
    Invoke-RestMethod -Method Post -Uri "$base/process/session" -Headers $hdr -ContentType 'application/json' -Body '{"sessionId":"bench-dotnet"}' | Out-Null

    $psi = [Diagnostics.ProcessStartInfo]::new('node', (Join-Path $PSScriptRoot 'sdk-exec.mjs'))
    $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.UseShellExecute = $false
    $psi.Environment['BENCH_API_URL'] = $emu.ApiUrl; $psi.Environment['BENCH_API_KEY'] = $emu.ApiKey
    $psi.Environment['BENCH_SANDBOX_ID'] = $sb.Id; $psi.Environment['BENCH_LINE'] = $line
    $node = [Diagnostics.Process]::Start($psi)
    if ($node.StandardOutput.ReadLine() -ne 'ready') { throw 'bench/sdk-exec.mjs did not start (npm ci in tests/contract?)' }
    function Node([string] $case, [int] $n) { $node.StandardInput.WriteLine("$case $n"); [double]$node.StandardOutput.ReadLine() }

    1..5 | ForEach-Object { $null = $sb | Invoke-DaytonaCommand 'true' } # warm-up: JIT, connections, the exec session
    $null = [BenchRawExec]::MeanMs("$base/process/session/bench-dotnet/exec", $emu.ApiKey, $line, 5)
    $cases = 'Cmdlet', 'sdkExecuteCommand', 'sdkExecuteSessionCommand', 'rawExecute', 'rawSessionExecPlain', 'rawSessionExecDaytonaPSLine', 'dotnetSessionExecDaytonaPSLine'
    $samples = @{}; foreach ($c in $cases) { $samples[$c] = @() }
    $ratios = @()
    for ($r = 0; $r -lt $Rounds; $r++) {
        # Interleaved, so both sides see the same load (the machine is shared).
        $w = [Diagnostics.Stopwatch]::StartNew()
        for ($i = 0; $i -lt $Calls; $i++) { $null = $sb | Invoke-DaytonaCommand 'true' }
        $cmdlet = $w.Elapsed.TotalMilliseconds / $Calls
        $sdk = Node 'sdkExecuteCommand' $Calls
        $samples.Cmdlet += $cmdlet; $samples.sdkExecuteCommand += $sdk; $ratios += $cmdlet / $sdk
        foreach ($c in 'sdkExecuteSessionCommand', 'rawExecute', 'rawSessionExecPlain', 'rawSessionExecDaytonaPSLine') { $samples[$c] += Node $c $Calls }
        $samples.dotnetSessionExecDaytonaPSLine += [BenchRawExec]::MeanMs("$base/process/session/bench-dotnet/exec", $emu.ApiKey, $line, $Calls)
    }
    $perCall = [ordered]@{}
    foreach ($c in $cases) { $perCall[$c] = [math]::Round((Median $samples[$c]), 1) }
    $perCall['RatioCmdletToSdk'] = [math]::Round((Median $ratios), 2)
    [pscustomobject]$perCall | Format-List | Out-String

    if (-not $SkipFanOut) {
        $boxes = 1..$FanOut | ForEach-Object { New-DaytonaSandbox }
        $fan = @(); $fan8 = @()
        for ($r = 0; $r -lt 3; $r++) {
            $w = [Diagnostics.Stopwatch]::StartNew()
            $results = $boxes | Invoke-DaytonaCommand 'sleep 1' -ThrottleLimit 32
            $fan += $w.Elapsed.TotalSeconds
            if (@($results | Where-Object ExitCode -eq 0).Count -ne $FanOut) { throw "fan-out: not all $FanOut commands succeeded" }
            $w = [Diagnostics.Stopwatch]::StartNew()
            $null = $boxes | Invoke-DaytonaCommand 'sleep 1'
            $fan8 += $w.Elapsed.TotalSeconds
        }
        [pscustomobject]@{ FanOut32Throttle32Sec = [math]::Round((Median $fan), 2); FanOut32Throttle8Sec = [math]::Round((Median $fan8), 2) } | Format-List | Out-String
        $boxes | Remove-DaytonaSandbox -Force
    }
    $sb | Remove-DaytonaSandbox -Force
}
finally {
    if ($node -and -not $node.HasExited) { try { $node.StandardInput.WriteLine('quit') } catch { }; if (-not $node.WaitForExit(5000)) { $node.Kill() } }
    $emu | Stop-TestEmulator
}
