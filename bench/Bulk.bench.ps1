<#
.SYNOPSIS
    Piped bulk work against the latency limit (issue 8), not timed tests. Medians of -Runs runs.
.DESCRIPTION
    For each operation and -ThrottleLimit, -Count sandboxes piped as DaytonaPS.Sandbox objects
    (from Get-DaytonaSandbox) to the cmdlet, with the emulator adding -LatencyMs to every request.
    The limit is LatencyMs x ceil(Count / ThrottleLimit): one round trip per sandbox, ThrottleLimit
    at a time. Each row also shows a yardstick measured the same way right after: a bare HttpClient
    sending the same one request per sandbox, ThrottleLimit at a time (SemaphoreSlim), in this
    process. On a loaded machine both drift together, so cmdlet / yardstick is the client's own cost.

    Operations: Remove (-Force), StopNoWait, StartNoWait, Stop and Start (waiting for the state:
    their floor is two round trips, the POST and the poll that sees the state), Command
    (Invoke-DaytonaCommand 'true' over -CommandCount sandboxes whose exec sessions exist already;
    the yardstick posts to the same session exec endpoint) and CommandCold (first command in fresh
    sandboxes: the exec session is created first, two calls).

    CallsPerItem: requests per sandbox, counted from the cmdlet's -Verbose lines in one extra,
    untimed run at latency 0.

    -DataDir: where the emulator keeps its sandboxes; by default a folder on /dev/shm (tmpfs) where
    there is one. Deleting a sandbox deletes its directory, which on a disk mounted with 'discard'
    under load costs milliseconds that hold up the emulator, and that would be measured here as
    Remove's. Pass -DataDir '' for the emulator's own default (a temp folder on disk).
.EXAMPLE
    dotnet pwsh -NoProfile ./bench/Bulk.bench.ps1
.EXAMPLE
    dotnet pwsh -NoProfile ./bench/Bulk.bench.ps1 -Operation Remove -ThrottleLimit 16 -Runs 5
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DaytonaPS'),
    [int] $Count = 200,
    [int] $CommandCount = 64,
    [int[]] $ThrottleLimit = @(8, 16, 64),
    [int] $LatencyMs = 50,
    [int] $Runs = 3,
    [ValidateSet('Remove', 'StopNoWait', 'StartNoWait', 'Stop', 'Start', 'Command', 'CommandCold')]
    [string[]] $Operation = @('Remove', 'StopNoWait', 'StartNoWait', 'Stop', 'Start', 'Command', 'CommandCold'),
    [string] $DataDir = $(if (Test-Path /dev/shm) { "/dev/shm/daytona-bench-$PID" } else { '' })
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../tests/pester/TestHelpers.psm1') -Force
Import-Module (Join-Path $ModulePath 'DaytonaPS.psd1') -Force
function Median([double[]] $v) { $s = $v | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }

Add-Type -TypeDefinition @'
using System;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

public static class BulkYardstick
{
    /// <summary>Sends one request per url, at most limit at once; returns the wall time in ms.</summary>
    public static double Run(HttpClient http, string method, string[] urls, string body, int limit)
    {
        var gate = new SemaphoreSlim(limit);
        var watch = Stopwatch.StartNew();
        Task.WaitAll(urls.Select(async url =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                using (var request = new HttpRequestMessage(new HttpMethod(method), url))
                {
                    if (body != null) request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
                    using (var response = await http.SendAsync(request).ConfigureAwait(false))
                    {
                        await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                        response.EnsureSuccessStatusCode();
                    }
                }
            }
            finally { gate.Release(); }
        }).ToArray());
        return watch.Elapsed.TotalMilliseconds;
    }
}
'@

$dataArgs = @()
if ($DataDir) { $null = New-Item -ItemType Directory -Force $DataDir; $dataArgs = '--data-dir', $DataDir }
$emu = Start-TestEmulator -ArgumentList (@('--transition-ms', '0', '--rate-limit', 'sandbox-create=0', '--rate-limit', 'sandbox-lifecycle=0', '--rate-limit', 'authenticated=0') + $dataArgs)
$http = [System.Net.Http.HttpClient]::new()
try {
    $api = $emu.ApiUrl
    $http.DefaultRequestHeaders.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $emu.ApiKey)
    $headers = @{ Authorization = "Bearer $($emu.ApiKey)" }
    Connect-Daytona -ApiKey (ConvertTo-SecureString $emu.ApiKey -AsPlainText -Force) -ApiUrl $api
    $script:tag = 0

    # N started (or stopped) sandboxes, listed as DaytonaPS.Sandbox objects; latency 0 while preparing.
    function New-Batch([int] $n, [switch] $Stopped) {
        Set-TestEmulatorFault $emu @{ latencyMs = 0 }
        $label = "b$(($script:tag++))"
        $null = [BulkYardstick]::Run($http, 'POST', [string[]]@(1..$n | ForEach-Object { "$api/sandbox" }), "{`"labels`":{`"bench`":`"$label`"}}", 16)
        $boxes = @(Get-DaytonaSandbox -Label @{ bench = $label })
        $boxes | Wait-DaytonaSandbox -State started -ThrottleLimit 64 | Out-Null
        if ($Stopped) { $boxes | Stop-DaytonaSandbox -ThrottleLimit 64 }
        @(Get-DaytonaSandbox -Label @{ bench = $label })
    }
    function Remove-Batch($boxes) {
        Set-TestEmulatorFault $emu @{ latencyMs = 0 }
        $boxes | Remove-DaytonaSandbox -Force -ThrottleLimit 64 -ErrorAction SilentlyContinue
    }
    function Time([scriptblock] $sb) { $w = [Diagnostics.Stopwatch]::StartNew(); & $sb | Out-Null; $w.Elapsed.TotalMilliseconds }

    # What each operation does to a batch: the cmdlet, and the yardstick's one request per sandbox.
    $ops = @{
        Remove      = @{ Stopped = $false; Cmdlet = { param($b, $t) $b | Remove-DaytonaSandbox -Force -ThrottleLimit $t }; Method = 'DELETE'; Url = { param($s) "$api/sandbox/$($s.Id)" }; Cleanup = $false }
        StopNoWait  = @{ Stopped = $false; Cmdlet = { param($b, $t) $b | Stop-DaytonaSandbox -NoWait -ThrottleLimit $t }; Method = 'POST'; Url = { param($s) "$api/sandbox/$($s.Id)/stop" }; Cleanup = $true }
        Stop        = @{ Stopped = $false; Cmdlet = { param($b, $t) $b | Stop-DaytonaSandbox -ThrottleLimit $t }; Method = 'POST'; Url = { param($s) "$api/sandbox/$($s.Id)/stop" }; Cleanup = $true }
        StartNoWait = @{ Stopped = $true; Cmdlet = { param($b, $t) $b | Start-DaytonaSandbox -NoWait -ThrottleLimit $t }; Method = 'POST'; Url = { param($s) "$api/sandbox/$($s.Id)/start" }; Cleanup = $true }
        Start       = @{ Stopped = $true; Cmdlet = { param($b, $t) $b | Start-DaytonaSandbox -ThrottleLimit $t }; Method = 'POST'; Url = { param($s) "$api/sandbox/$($s.Id)/start" }; Cleanup = $true }
    }

    function Count-Calls([string] $op, $boxes, [scriptblock] $run) {
        Set-TestEmulatorFault $emu @{ latencyMs = 0 }
        $VerbosePreference = 'Continue'
        $lines = & $run 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match '^(GET|POST|DELETE|PUT|PATCH) /.* -> ' }
        [math]::Round(@($lines).Count / $boxes.Count, 2)
    }

    $rows = foreach ($op in $Operation) {
        if ($ops.ContainsKey($op)) {
            $o = $ops[$op]
            # Warm-up (JIT, connections), and the call count.
            $b = New-Batch 16 -Stopped:$o.Stopped
            $calls = Count-Calls $op $b { & $o.Cmdlet $b 16 }
            if ($o.Cleanup) { Remove-Batch $b }
            foreach ($t in $ThrottleLimit) {
                $cmd = @(); $yard = @()
                for ($r = 0; $r -lt $Runs; $r++) {
                    $b = New-Batch $Count -Stopped:$o.Stopped
                    Set-TestEmulatorFault $emu @{ latencyMs = $LatencyMs }
                    $cmd += Time { & $o.Cmdlet $b $t }
                    if ($o.Cleanup) { Remove-Batch $b }
                    $b = New-Batch $Count -Stopped:$o.Stopped
                    $urls = [string[]]@($b | ForEach-Object { & $o.Url $_ })
                    Set-TestEmulatorFault $emu @{ latencyMs = $LatencyMs }
                    $yard += [BulkYardstick]::Run($http, $o.Method, $urls, $null, $t)
                    if ($o.Cleanup) { Remove-Batch $b }
                }
                $limit = $LatencyMs * [math]::Ceiling($Count / $t)
                [pscustomobject]@{ Operation = $op; N = $Count; ThrottleLimit = $t; CallsPerItem = $calls; LimitMs = $limit
                    CmdletMs = [math]::Round((Median $cmd)); VsLimit = [math]::Round((Median $cmd) / $limit, 2)
                    YardstickMs = [math]::Round((Median $yard)); VsYardstick = [math]::Round((Median $cmd) / (Median $yard), 2) }
            }
            continue
        }

        # Commands: -CommandCount started sandboxes; 'Command' reuses their exec sessions, 'CommandCold' gets fresh ones each run.
        $yardSession = 'bench-yardstick'
        $body = '{"command":"true"}'
        $prepare = {
            $b = New-Batch $CommandCount
            $b | Invoke-DaytonaCommand 'true' -ThrottleLimit 16 | Out-Null   # starts each sandbox's init, and its exec session
            foreach ($s in $b) {
                Invoke-RestMethod -Method Post -Uri "$($s.ToolboxProxyUrl.TrimEnd('/'))/$($s.Id)/process/session" -Headers $headers -ContentType 'application/json' -Body "{`"sessionId`":`"$yardSession`"}" | Out-Null
            }
            , $b
        }
        $yardUrls = { param($b) [string[]]@($b | ForEach-Object { "$($_.ToolboxProxyUrl.TrimEnd('/'))/$($_.Id)/process/session/$yardSession/exec" }) }
        $warm = & $prepare
        $calls = if ($op -eq 'Command') { Count-Calls $op $warm { $warm | Invoke-DaytonaCommand 'true' -ThrottleLimit 16 } } else { $null }
        foreach ($t in $ThrottleLimit) {
            $cmd = @(); $yard = @()
            for ($r = 0; $r -lt $Runs; $r++) {
                $b = if ($op -eq 'Command') { $warm } else { New-Batch $CommandCount }
                if ($op -eq 'CommandCold' -and $r -eq 0 -and $t -eq $ThrottleLimit[0]) { $calls = Count-Calls $op $b { $b | Invoke-DaytonaCommand 'true' -ThrottleLimit 16 }; Remove-Batch $b; $b = New-Batch $CommandCount }
                Set-TestEmulatorFault $emu @{ latencyMs = $LatencyMs }
                $cmd += Time { $b | Invoke-DaytonaCommand 'true' -ThrottleLimit $t }
                Set-TestEmulatorFault $emu @{ latencyMs = $LatencyMs }
                $yard += [BulkYardstick]::Run($http, 'POST', (& $yardUrls $warm), $body, $t)
                if ($op -eq 'CommandCold') { Remove-Batch $b }
            }
            $limit = $LatencyMs * [math]::Ceiling($CommandCount / $t)
            [pscustomobject]@{ Operation = $op; N = $CommandCount; ThrottleLimit = $t; CallsPerItem = $calls; LimitMs = $limit
                CmdletMs = [math]::Round((Median $cmd)); VsLimit = [math]::Round((Median $cmd) / $limit, 2)
                YardstickMs = [math]::Round((Median $yard)); VsYardstick = [math]::Round((Median $cmd) / (Median $yard), 2) }
        }
        Remove-Batch $warm
    }
    $rows
}
finally {
    $http.Dispose()
    $emu | Stop-TestEmulator
    if ($DataDir) { Remove-Item -Recurse -Force $DataDir -ErrorAction SilentlyContinue }
}
