<#
.SYNOPSIS
    The idle clean-up line (issue 14): a server-side filter against Where-Object over every page. Medians of -Runs runs.
.DESCRIPTION
    One emulator (--runtime none: nothing runs, sandboxes are records and a directory) holds -Count
    sandboxes, of which -IdlePercent have a lastActivityAt two days back (set through the emulator's
    own PUT /_emulator/sandboxes/{id}/timestamps; Daytona has no such route). Two lines, each timed
    as the list part alone (counted, not removed) and as the whole line with Remove-DaytonaSandbox -Force:

      Filter:      Get-DaytonaSandbox -LastActivityBefore $cut | Remove-DaytonaSandbox -Force
      WhereObject: Get-DaytonaSandbox | Where-Object { $_.LastActivityAt -lt $cut } | Remove-DaytonaSandbox -Force

    Before each whole-line run the removed sandboxes are made again (outside the timing), so every
    run sees the same -Count sandboxes. -LatencyMs adds that much to every request (the emulator's
    fault settings), as a WAN to app.daytona.io would; 0 measures the client and emulator alone.
    Each row: medians in ms, and WhereObject / Filter (how many times faster the filter is).
.EXAMPLE
    dotnet pwsh -NoProfile ./bench/List.bench.ps1
.EXAMPLE
    dotnet pwsh -NoProfile ./bench/List.bench.ps1 -Count 2000 -IdlePercent 5 -LatencyMs 0, 50 -Runs 5
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DaytonaPS'),
    [int] $Count = 2000,
    [double] $IdlePercent = 5,
    [int[]] $LatencyMs = @(0, 50),
    [int] $Runs = 5,
    [string] $DataDir = $(if (Test-Path /dev/shm) { "/dev/shm/daytona-bench-$PID" } else { '' })
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../tests/pester/TestHelpers.psm1') -Force
Import-Module (Join-Path $ModulePath 'DaytonaPS.psd1') -Force
function Median([double[]] $v) { $s = $v | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }

Add-Type -TypeDefinition @'
using System;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

public static class ListBenchSeed
{
    /// <summary>Creates n sandboxes (64 requests at a time) and, if idleAt is set, backdates their last activity; returns their ids.</summary>
    public static string[] Create(HttpClient http, string apiUrl, string baseUrl, int n, string idleAt)
    {
        var gate = new SemaphoreSlim(64);
        var tasks = Enumerable.Range(0, n).Select(async _ =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                // autoStopInterval 0: the emulator's auto-stop must not touch the backdated ones while we measure.
                using (var created = await http.PostAsync(apiUrl + "/sandbox", Json("{\"autoStopInterval\":0}")).ConfigureAwait(false))
                {
                    created.EnsureSuccessStatusCode();
                    var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync().ConfigureAwait(false)).RootElement.GetProperty("id").GetString();
                    if (!string.IsNullOrEmpty(idleAt))
                    {
                        using (var put = await http.PutAsync(baseUrl + "/_emulator/sandboxes/" + id + "/timestamps", Json("{\"lastActivityAt\":\"" + idleAt + "\"}")).ConfigureAwait(false))
                            put.EnsureSuccessStatusCode();
                    }
                    return id;
                }
            }
            finally { gate.Release(); }
        }).ToArray();
        Task.WaitAll(tasks);
        return tasks.Select(t => t.Result).ToArray();
    }

    private static StringContent Json(string body) => new StringContent(body, Encoding.UTF8, "application/json");
}
'@

$dataArgs = @()
if ($DataDir) { $null = New-Item -ItemType Directory -Force $DataDir; $dataArgs = '--data-dir', $DataDir }
$emu = Start-TestEmulator -ArgumentList (@('--runtime', 'none', '--transition-ms', '0', '--rate-limit', 'sandbox-create=0', '--rate-limit', 'sandbox-lifecycle=0', '--rate-limit', 'authenticated=0') + $dataArgs)
$http = [System.Net.Http.HttpClient]::new()
try {
    $http.DefaultRequestHeaders.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $emu.ApiKey)
    Connect-Daytona -ApiKey (ConvertTo-SecureString $emu.ApiKey -AsPlainText -Force) -ApiUrl $emu.ApiUrl -InformationAction Ignore
    $idle = [int][math]::Round($Count * $IdlePercent / 100)
    $idleAt = [DateTime]::UtcNow.AddDays(-2).ToString('o')
    $cut = (Get-Date).AddDays(-1)
    function Seed([int] $n, [string] $at) {
        Set-TestEmulatorFault $emu @{ latencyMs = 0 }
        $null = [ListBenchSeed]::Create($http, $emu.ApiUrl, $emu.BaseUrl, $n, $at)
    }
    Seed ($Count - $idle) $null
    Seed $idle $idleAt
    function Time([scriptblock] $sb) { $w = [Diagnostics.Stopwatch]::StartNew(); $n = @(& $sb).Count; $w.Stop(); [pscustomobject]@{ Ms = $w.Elapsed.TotalMilliseconds; N = $n } }

    $lines = [ordered]@{
        Filter      = @{ List = { Get-DaytonaSandbox -LastActivityBefore $cut }
                         Line = { Get-DaytonaSandbox -LastActivityBefore $cut | Remove-DaytonaSandbox -Force } }
        WhereObject = @{ List = { Get-DaytonaSandbox | Where-Object { $_.LastActivityAt -lt $cut } }
                         Line = { Get-DaytonaSandbox | Where-Object { $_.LastActivityAt -lt $cut } | Remove-DaytonaSandbox -Force } }
    }
    # Warm-up: JIT, connections, the first page.
    foreach ($l in $lines.Values) { $null = & $l.List }

    $rows = foreach ($latency in $LatencyMs) {
        $ms = @{}
        foreach ($part in 'List', 'Line') {
            foreach ($name in $lines.Keys) { $ms["$name$part"] = [System.Collections.Generic.List[double]]::new() }
            for ($r = 0; $r -lt $Runs; $r++) {
                foreach ($name in $lines.Keys) {   # alternate the two, so drift hits both
                    Set-TestEmulatorFault $emu @{ latencyMs = $latency }
                    $t = Time $lines[$name][$part]
                    if ($part -eq 'List' -and $t.N -ne $idle) { throw "$name listed $($t.N) sandboxes, expected $idle" }
                    $ms["$name$part"].Add($t.Ms)
                    if ($part -eq 'Line') {
                        $left = @(Get-DaytonaSandbox -LastActivityBefore $cut).Count
                        if ($left -ne 0) { throw "$name left $left idle sandboxes" }
                        Seed $idle $idleAt
                    }
                }
            }
        }
        foreach ($part in 'List', 'Line') {
            $f = Median $ms["Filter$part"]; $w = Median $ms["WhereObject$part"]
            [pscustomobject]@{ Part = $(if ($part -eq 'List') { 'list only' } else { 'list + Remove -Force' }); Sandboxes = $Count; Matching = $idle
                LatencyMs = $latency; FilterMs = [math]::Round($f); WhereObjectMs = [math]::Round($w); Speedup = [math]::Round($w / $f, 1) }
        }
    }
    $rows
}
finally {
    $http.Dispose()
    $emu | Stop-TestEmulator
    if ($DataDir) { Remove-Item -Recurse -Force $DataDir -ErrorAction SilentlyContinue }
}
