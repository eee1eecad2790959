<#
.SYNOPSIS
    Benchmark of Enter-DaytonaTerminal, not a timed test: the time from the cmdlet's start to the
    first byte of terminal output (the shell's first prompt), in a real terminal (pwsh in tmux,
    the cmdlet's own -Verbose measurement), against the same through Daytona's TypeScript SDK
    (sandbox.process.createPty to the first onData, bench/sdk-pty.mjs) and through a bare .NET
    HttpClient + ClientWebSocket in this process (create the PTY, connect, first frame): the floor
    for any .NET client of these routes; and against the system OpenSSH client called by hand
    with a token minted beforehand (`ssh -tt` to the emulator's SSH gateway, the token in an ssh
    config file as about_DaytonaPS shows, from the process start to its first output byte). Runs
    are interleaved by client; medians are printed. Needs tmux, ssh and `npm ci` in tests/contract.
.EXAMPLE
    dotnet pwsh ./bench/Terminal.bench.ps1 -ModulePath ./out/DaytonaPS -Runs 9
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DaytonaPS'),
    [int] $Runs = 9
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../tests/pester/TestHelpers.psm1') -Force
$ModulePath = (Resolve-Path $ModulePath).Path
function Median([double[]] $v) { $s = $v | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }

Add-Type -TypeDefinition @'
using System; using System.Diagnostics; using System.Net.Http; using System.Net.WebSockets; using System.Text; using System.Threading;
public static class BenchRawPty {
    static readonly HttpClient Http = new HttpClient();
    public static double FirstByteMs(string toolbox, string key, string id) {
        var watch = Stopwatch.StartNew();
        var create = new HttpRequestMessage(HttpMethod.Post, toolbox + "/process/pty") {
            Content = new StringContent("{\"id\":\"" + id + "\",\"cols\":100,\"rows\":30,\"lazyStart\":true}", Encoding.UTF8, "application/json") };
        create.Headers.Add("Authorization", "Bearer " + key);
        Http.Send(create).EnsureSuccessStatusCode();
        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Authorization", "Bearer " + key);
        ws.Options.AddSubProtocol("X-Daytona-Pty-Exit-Control");
        ws.ConnectAsync(new Uri(toolbox.Replace("http", "ws") + "/process/pty/" + id + "/connect"), CancellationToken.None).GetAwaiter().GetResult();
        var buffer = new byte[65536];
        double first = -1;
        while (true) {
            var r = ws.ReceiveAsync(buffer, CancellationToken.None).GetAwaiter().GetResult();
            if (r.MessageType == WebSocketMessageType.Close) break;
            if (r.MessageType == WebSocketMessageType.Binary && first < 0) {
                first = watch.Elapsed.TotalMilliseconds;
                ws.SendAsync(Encoding.ASCII.GetBytes("exit\n"), WebSocketMessageType.Binary, true, CancellationToken.None).GetAwaiter().GetResult();
            }
        }
        return first;
    }
}
public static class BenchSshPty {
    // ssh -F CONFIG -tt HOST: from the process start to the first byte of its output (the prompt);
    // then exit is typed and the process waited for.
    public static double FirstByteMs(string config) {
        var psi = new ProcessStartInfo("ssh") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-F", config, "-tt", "bench" }) psi.ArgumentList.Add(a);
        var watch = Stopwatch.StartNew();
        using var p = Process.Start(psi);
        var stderr = p.StandardError.ReadToEndAsync();
        var buffer = new byte[65536];
        var n = p.StandardOutput.BaseStream.Read(buffer, 0, buffer.Length);
        var first = watch.Elapsed.TotalMilliseconds;
        if (n <= 0) throw new InvalidOperationException("ssh gave no output: " + stderr.Result);
        p.StandardInput.Write("exit\n");
        p.StandardInput.Flush();
        p.StandardOutput.BaseStream.CopyTo(System.IO.Stream.Null);
        if (!p.WaitForExit(60000)) { p.Kill(); throw new TimeoutException("ssh did not end"); }
        return first;
    }
}
'@

$emu = Start-TestEmulator
$socket = 'daytonaps-bench-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
$work = Join-Path ([IO.Path]::GetTempPath()) $socket
New-Item -ItemType Directory $work | Out-Null
try {
    Import-Module "$ModulePath/DaytonaPS.psd1" -Force
    Connect-Daytona -ApiKey (ConvertTo-SecureString $emu.ApiKey -AsPlainText -Force) -ApiUrl $emu.ApiUrl -SkipValidation
    $sb = New-DaytonaSandbox
    $toolbox = "$($sb.ToolboxProxyUrl.TrimEnd('/'))/$($sb.Id)"
    $pwsh = Join-Path $PSHOME 'pwsh'

    # ssh by hand: a token minted beforehand, in a config file only we can read (never on a command line).
    $access = $sb | New-DaytonaSshAccess -AsPlainText -ExpiresInMinutes 120 -Confirm:$false
    $sshConfig = Join-Path $work 'ssh_config'
    Set-Content -LiteralPath $sshConfig -Value "Host bench`n  HostName $($access.Host)`n  Port $($access.Port)`n  User $($access.PlainToken)`n  UserKnownHostsFile $work/known_hosts`n  StrictHostKeyChecking accept-new`n  LogLevel ERROR"
    if (-not $IsWindows) { [IO.File]::SetUnixFileMode($sshConfig, [IO.UnixFileMode]'UserRead, UserWrite') }
    $null = [BenchSshPty]::FirstByteMs($sshConfig) # warm-up: the gateway's first connection, the host key into known_hosts
    $sshRuns = [Collections.Generic.List[double]]::new()

    # DaytonaPS: one warm pwsh in tmux runs the cmdlet $Runs (+1 warm-up) times; the harness types exit
    # once each prompt is there. The cmdlet's -Verbose line gives start -> first output.
    $verbose = Join-Path $work 'verbose.txt'
    $done = Join-Path $work 'done.txt'
    $script = Join-Path $work 'run.ps1'
    @"
Import-Module '$ModulePath/DaytonaPS.psd1'
Connect-Daytona -ApiKey (ConvertTo-SecureString `$env:BENCH_KEY -AsPlainText -Force) -ApiUrl '$($emu.ApiUrl)' -SkipValidation
foreach (`$i in 0..$Runs) { Enter-DaytonaTerminal -Id '$($sb.Id)' -Verbose 4>> '$verbose' | Out-Null; Add-Content '$done' `$i }
"@ | Set-Content $script
    & tmux -L $socket -f /dev/null new-session -d -s bench -x 100 -y 30 -e "BENCH_KEY=$($emu.ApiKey)" -e 'TF_BUILD=' "'$pwsh' -NoProfile -File '$script'"
    & tmux -L $socket set-option -t bench history-limit 100000 | Out-Null
    $raw = [Collections.Generic.List[double]]::new()
    $rawIds = 0
    foreach ($i in 0..$Runs) {
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (([regex]::Matches(((& tmux -L $socket capture-pane -p -J -t bench -S -) -join "`n"), 'daytona@[^\s]*:~\$')).Count -le $i) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "run ${i}: no prompt" }
            Start-Sleep -Milliseconds 50
        }
        & tmux -L $socket send-keys -t bench -l 'exit'
        & tmux -L $socket send-keys -t bench Enter
        while (-not (Test-Path $done) -or @(Get-Content $done).Count -le $i) { Start-Sleep -Milliseconds 50 }
        # Interleaved: one bare .NET run after each cmdlet run.
        if ($i -gt 0) {
            $raw.Add([BenchRawPty]::FirstByteMs($toolbox, $emu.ApiKey, "bench-raw-$($rawIds++)"))
            $sshRuns.Add([BenchSshPty]::FirstByteMs($sshConfig))
        }
    }
    $ours = @(Select-String -Path $verbose -Pattern 'First terminal output (\d+) ms' | ForEach-Object { [double]$_.Matches[0].Groups[1].Value } | Select-Object -Skip 1)

    $env:BENCH_API_URL = $emu.ApiUrl; $env:BENCH_API_KEY = $emu.ApiKey; $env:BENCH_SANDBOX_ID = $sb.Id; $env:BENCH_RUNS = $Runs + 1
    $sdk = @((& node (Join-Path $PSScriptRoot 'sdk-pty.mjs')) -split ' ' | ForEach-Object { [double]$_ } | Select-Object -Skip 1)

    $m = [pscustomobject]@{ DaytonaPS = Median $ours; Sdk = Median $sdk; RawDotNet = Median $raw.ToArray(); Ssh = Median $sshRuns.ToArray() }
    "Enter-DaytonaTerminal start -> first prompt byte, medians of $Runs runs (after 1 warm-up):"
    "  DaytonaPS (cmdlet in tmux):        {0,7:0.0} ms   runs: {1}" -f $m.DaytonaPS, ($ours -join ' ')
    "  TypeScript SDK createPty:          {0,7:0.0} ms   runs: {1}" -f $m.Sdk, ($sdk -join ' ')
    "  bare .NET HttpClient + WebSocket:  {0,7:0.0} ms   runs: {1}" -f $m.RawDotNet, (($raw | ForEach-Object { $_.ToString('0.0') }) -join ' ')
    "  ssh -tt by hand (minted token):    {0,7:0.0} ms   runs: {1}" -f $m.Ssh, (($sshRuns | ForEach-Object { $_.ToString('0.0') }) -join ' ')
    "  ratio DaytonaPS / SDK: {0:0.00}x; DaytonaPS / bare .NET: {1:0.00}x; DaytonaPS / ssh by hand: {2:0.00}x" -f ($m.DaytonaPS / $m.Sdk), ($m.DaytonaPS / $m.RawDotNet), ($m.DaytonaPS / $m.Ssh)
    "load average: $((Get-Content /proc/loadavg) -split ' ' | Select-Object -First 3)"
}
finally {
    & tmux -L $socket kill-server 2>$null
    if ($access) { $access | Revoke-DaytonaSshAccess -Confirm:$false -ErrorAction SilentlyContinue }
    if ($sb) { $sb | Remove-DaytonaSandbox -Force -ErrorAction SilentlyContinue }
    $emu | Stop-TestEmulator
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
