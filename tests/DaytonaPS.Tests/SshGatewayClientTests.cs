using System.Diagnostics;
using System.Text;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>
/// Enter-DaytonaSsh end to end: the built module in a child pwsh, the system OpenSSH client, the
/// emulator's SSH gateway and the sandbox's runtime. Interactive sessions run in a tmux pane (a
/// real terminal). The emulator runs in this process, so the tests can read its state (tokens).
/// </summary>
[Collection("ssh")]
public sealed class SshGatewayClientTests : IDisposable
{
    private readonly EmulatorFixture _emu;
    private readonly string _tmp;

    public SshGatewayClientTests(EmulatorFixture emu)
    {
        _emu = emu;
        // The child pwsh's TMPDIR: the generated ssh config files live below it, so a test sees they are gone.
        _tmp = Directory.CreateTempSubdirectory("daytonaps-ssh-e2e-").FullName;
    }

    public void Dispose()
    {
        try { Directory.Delete(_tmp, true); } catch (IOException) { }
    }

    /// <summary>`dotnet pwsh` (the repository's tool manifest) is run from the repository root.</summary>
    private const string Pwsh = "pwsh";

    /// <summary>The script a child pwsh runs: the module imported, credentials from the environment (never argv).</summary>
    /// <remarks>
    /// $ssh holds -SshArgument for a known_hosts file of the test's own (ssh takes ~/.ssh from the
    /// passwd entry, not $HOME), so the tests leave the user's ~/.ssh alone.
    /// </remarks>
    private string Script(string body) =>
        $"$ErrorActionPreference = 'Stop'\nImport-Module '{ModuleHost.ModuleManifest}'\n$ssh = @('-o', \"UserKnownHostsFile=$env:TMPDIR/known_hosts\")\n{body}\n";

    /// <summary>What the child pwsh gets on top of this process's environment.</summary>
    private Dictionary<string, string> ChildEnvironment() => new()
    {
        ["DAYTONA_API_KEY"] = EmulatorFixture.ApiKey,
        ["DAYTONA_API_URL"] = _emu.ApiUrl,
        ["TMPDIR"] = _tmp,
        ["TERM"] = "xterm-256color",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    private string NewSandbox(string prefix = "e2e")
    {
        var name = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        ModuleHost.Run(_emu.Connect() + $"New-DaytonaSandbox -Name {name} | Out-Null").AssertNoErrors();
        return name;
    }

    private SandboxRecordView Sandbox(string name)
    {
        lock (_emu.Server.Context.Store.Sync)
        {
            var s = _emu.Server.Context.Store.Live.Single(x => x.Name == name);
            return new SandboxRecordView(s.Id, s.State, s.SshAccesses.Select(a => a.Token).ToList());
        }
    }

    private sealed record SandboxRecordView(string Id, string State, List<string> Tokens);

    /// <summary>Runs a script in a child pwsh with stdin, stdout and stderr redirected; 120 s at most.</summary>
    private async Task<(int ExitCode, string Stdout, string Stderr)> RunPwshAsync(string body, Func<Task>? whileRunning = null)
    {
        var scriptFile = Path.Combine(_tmp, "script-" + Guid.NewGuid().ToString("N")[..8] + ".ps1");
        await File.WriteAllTextAsync(scriptFile, Script(body));
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = ModuleHost.RepoRoot };
        foreach (var a in new[] { Pwsh, "-NoProfile", "-NonInteractive", "-File", scriptFile }) psi.ArgumentList.Add(a);
        foreach (var (k, v) in ChildEnvironment()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (whileRunning is not null) await whileRunning();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(true); throw new TimeoutException("pwsh did not end: " + await stderr); }
        return (p.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task CommandReturnsTheSandboxsHostnameAndExitCode_TheConfigIsGone_AndTheTokenRevoked()
    {
        var name = NewSandbox();
        var id = Sandbox(name).Id;
        var (code, stdout, stderr) = await RunPwshAsync($"$r = Enter-DaytonaSsh -SshArgument $ssh -Id {name} -Command 'hostname; exit 3'\n\"exit=$($r.ExitCode)\"");
        Assert.True(code == 0, stderr);
        Assert.Contains($"{id}\n", stdout);
        Assert.Contains("exit=3", stdout);
        Assert.Empty(Directory.GetDirectories(_tmp, "daytonaps-ssh-*"));
        Assert.Empty(Sandbox(name).Tokens);
    }

    [Fact]
    public async Task KeepAccessLeavesAWorkingToken_ThatRevokeDaytonaSshAccessEndsAtTheGateway()
    {
        var name = NewSandbox();
        var (code, stdout, stderr) = await RunPwshAsync($"$r = Enter-DaytonaSsh -SshArgument $ssh -Id {name} -Command 'echo kept' -KeepAccess\n\"exit=$($r.ExitCode)\"");
        Assert.True(code == 0, stderr);
        Assert.Contains("kept\n", stdout);
        var token = Assert.Single(Sandbox(name).Tokens);
        var port = _emu.Server.Context.SshGateway!.Port;
        var byHand = await SystemSsh.RunAsync(port, token, "echo by-hand");
        Assert.Equal(0, byHand.ExitCode);
        Assert.Equal("by-hand\n", byHand.Stdout);

        ModuleHost.Run(_emu.Connect() + $"Revoke-DaytonaSshAccess -Id {name} -All -Confirm:$false").AssertNoErrors();
        var refused = await SystemSsh.RunAsync(port, token, "echo by-hand");
        Assert.Equal(255, refused.ExitCode);
        Assert.Contains("Permission denied", refused.Stderr);
    }

    [Fact]
    public async Task AStoppedSandboxIsStartedFirst_AndRefusedWithNoStart()
    {
        var name = NewSandbox();
        ModuleHost.Run(_emu.Connect() + $"Stop-DaytonaSandbox -Id {name}").AssertNoErrors();
        Assert.Equal("stopped", Sandbox(name).State);

        var refused = await RunPwshAsync($"try {{ Enter-DaytonaSsh -SshArgument $ssh -Id {name} -Command true -NoStart }} catch {{ 'id=' + $_.FullyQualifiedErrorId }}");
        Assert.Contains("id=DaytonaSandboxNotStarted", refused.Stdout);
        Assert.Equal("stopped", Sandbox(name).State);

        var (code, stdout, stderr) = await RunPwshAsync($"$r = Enter-DaytonaSsh -SshArgument $ssh -Id {name} -Command 'echo \"up-$((40+2))\"'\n\"exit=$($r.ExitCode)\"");
        Assert.True(code == 0, stderr);
        Assert.Contains("up-42", stdout);
        Assert.Contains("exit=0", stdout);
        Assert.Equal("started", Sandbox(name).State);
    }

    [Fact]
    public async Task TheTokenIsNeverInPsOutputWhileSshRuns()
    {
        var name = NewSandbox();
        string? ps = null;
        string? token = null;
        var (code, stdout, stderr) = await RunPwshAsync($"$r = Enter-DaytonaSsh -SshArgument $ssh -Id {name} -Command 'echo running; sleep 4; echo done'\n\"exit=$($r.ExitCode)\"", async () =>
        {
            // Once the token exists and ssh runs, take every process's command line.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                token = Sandbox(name).Tokens.FirstOrDefault();
                var all = await PsAsync();
                if (token is not null && all.Contains(" -F ", StringComparison.Ordinal) && all.Contains("daytona-" + Sandbox(name).Id, StringComparison.Ordinal))
                {
                    ps = all;
                    return;
                }
                await Task.Delay(50);
            }
        });
        Assert.True(code == 0, stderr);
        Assert.Contains("done", stdout);
        Assert.NotNull(ps);
        Assert.NotNull(token);
        Assert.DoesNotContain(token!, ps!, StringComparison.Ordinal);
        Assert.DoesNotContain(token!, stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SftpAndScpWithATokenFromNewDaytonaSshAccess_CopyBothWays_AndARevokedTokenIsRefused()
    {
        var name = NewSandbox();
        var access = Assert.Single(ModuleHost.Run(_emu.Connect() + $"New-DaytonaSshAccess -Id {name} -AsPlainText -Confirm:$false").AssertNoErrors().Output);
        var token = (string)access.Properties["PlainToken"].Value;
        // The token goes into an ssh config file (User), never onto a command line, as about_DaytonaPS shows.
        var config = Path.Combine(_tmp, "sandbox.ssh_config");
        await File.WriteAllTextAsync(config,
            $"Host sandbox\n  HostName {access.Properties["Host"].Value}\n  Port {access.Properties["Port"].Value}\n  User {token}\n" +
            "  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n  BatchMode yes\n");
        var payload = Path.Combine(_tmp, "payload.bin");
        await File.WriteAllBytesAsync(payload, System.Security.Cryptography.RandomNumberGenerator.GetBytes(1024 * 1024 + 3));
        string Sha(string file) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)));

        var up = await SystemSsh.RunToolAsync("scp", null, "-F", config, payload, "sandbox:payload.bin");
        Assert.True(up.ExitCode == 0, up.Stderr);
        var down = await SystemSsh.RunToolAsync("scp", null, "-F", config, "sandbox:/home/daytona/payload.bin", Path.Combine(_tmp, "via-scp.bin"));
        Assert.True(down.ExitCode == 0, down.Stderr);
        Assert.Equal(Sha(payload), Sha(Path.Combine(_tmp, "via-scp.bin")));
        var sftp = await SystemSsh.RunToolAsync("sftp", $"get payload.bin {_tmp}/via-sftp.bin\n", "-F", config, "-b", "-", "sandbox");
        Assert.True(sftp.ExitCode == 0, sftp.Stderr);
        Assert.Equal(Sha(payload), Sha(Path.Combine(_tmp, "via-sftp.bin")));

        ModuleHost.Run(_emu.Connect() + "$access | Revoke-DaytonaSshAccess -Confirm:$false", new Dictionary<string, object> { ["access"] = access }).AssertNoErrors();
        Assert.Empty(Sandbox(name).Tokens);
        var refused = await SystemSsh.RunToolAsync("sftp", $"get payload.bin {_tmp}/refused.bin\n", "-F", config, "-b", "-", "sandbox");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("Permission denied", refused.Stderr);
        Assert.False(File.Exists(Path.Combine(_tmp, "refused.bin")));
        var refusedScp = await SystemSsh.RunToolAsync("scp", null, "-F", config, payload, "sandbox:again.bin");
        Assert.NotEqual(0, refusedScp.ExitCode);
        Assert.Contains("Permission denied", refusedScp.Stderr);
    }

    private static async Task<string> PsAsync()
    {
        var psi = new ProcessStartInfo("ps", "-eww -o args") { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var text = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return text;
    }

    [Fact]
    public async Task AnInteractiveSessionUnderTmuxRunsTypedCommandsFollowsTheWindowSizeAndReturnsToPowerShell()
    {
        Assert.True(File.Exists("/usr/bin/tmux") || File.Exists("/bin/tmux"), "tmux is needed for this test (.ci/run installs it)");
        var name = NewSandbox();
        var id = Sandbox(name).Id;
        var scriptFile = Path.Combine(_tmp, "interactive.ps1");
        await File.WriteAllTextAsync(scriptFile, Script($"Enter-DaytonaSsh -SshArgument $ssh -Id {name}\n\"back-in-pwsh-$(6*7)\"\nStart-Sleep -Seconds 300"));
        await using var tmux = await Tmux.StartAsync(120, 40, ChildEnvironment(), "dotnet", Pwsh, "-NoProfile", "-File", scriptFile);

        await tmux.WaitForAsync($"daytona@{id}");
        await tmux.SendLineAsync("echo \"typed-$((6*7))-$(hostname)-$(stty size)\"");
        await tmux.WaitForAsync($"typed-42-{id}-40 120");
        Assert.NotEmpty(Sandbox(name).Tokens);

        await tmux.ResizeAsync(100, 30);
        await tmux.SendLineAsync("echo \"resized-$(stty size)-done\"");
        await tmux.WaitForAsync("resized-30 100-done");

        await tmux.SendLineAsync("exit");
        await tmux.WaitForAsync("back-in-pwsh-42");
        Assert.Empty(Directory.GetDirectories(_tmp, "daytonaps-ssh-*"));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Sandbox(name).Tokens.Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Empty(Sandbox(name).Tokens);
    }
}

/// <summary>A detached tmux session on a private socket: a real terminal for interactive tests.</summary>
internal sealed class Tmux : IAsyncDisposable
{
    private readonly string _socket;
    private const string Session = "t";

    private Tmux(string socket) => _socket = socket;

    public static async Task<Tmux> StartAsync(int cols, int rows, IReadOnlyDictionary<string, string> environment, params string[] command)
    {
        var tmux = new Tmux(Path.Combine(Path.GetTempPath(), "daytonaps-tmux-" + Guid.NewGuid().ToString("N")[..8]));
        var args = new List<string> { "new-session", "-d", "-s", Session, "-x", cols.ToString(), "-y", rows.ToString(), "-c", ModuleHost.RepoRoot };
        foreach (var (k, v) in environment) args.AddRange(["-e", $"{k}={v}"]);
        args.AddRange(command);
        await tmux.RunAsync(args.ToArray());
        return tmux;
    }

    public async Task<string> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-S");
        psi.ArgumentList.Add(_socket);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        var error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"tmux {string.Join(' ', args)}: {error}");
        return output;
    }

    /// <summary>The pane's text, wrapped lines joined.</summary>
    public Task<string> CaptureAsync() => RunAsync("capture-pane", "-p", "-J", "-S", "-200", "-t", Session);

    /// <summary>Waits (60 s at most: a state check, not a timing assertion) until the pane shows text.</summary>
    public async Task WaitForAsync(string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string screen;
        while (!(screen = await CaptureAsync()).Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"'{text}' not on the screen:\n{screen}");
            await Task.Delay(100);
        }
    }

    public async Task SendLineAsync(string line)
    {
        await RunAsync("send-keys", "-t", Session, "-l", line);
        await RunAsync("send-keys", "-t", Session, "Enter");
    }

    public Task ResizeAsync(int cols, int rows) => RunAsync("resize-window", "-t", Session, "-x", cols.ToString(), "-y", rows.ToString());

    public async ValueTask DisposeAsync()
    {
        try { await RunAsync("kill-server"); } catch (InvalidOperationException) { }
        try { File.Delete(_socket); } catch (IOException) { }
    }
}

/// <summary>The system OpenSSH client called by hand with a token, as a user would from sshCommand.</summary>
internal static class SystemSsh
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(int port, string user, params string[] command)
    {
        var psi = new ProcessStartInfo("ssh") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-p", port.ToString(), user + "@127.0.0.1" })
            psi.ArgumentList.Add(a);
        foreach (var a in command) psi.ArgumentList.Add(a);
        using var ssh = Process.Start(psi)!;
        ssh.StandardInput.Close();
        var stdout = ssh.StandardOutput.ReadToEndAsync();
        var stderr = ssh.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await ssh.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { ssh.Kill(true); throw new TimeoutException("ssh did not end"); }
        return (ssh.ExitCode, await stdout, await stderr);
    }

    /// <summary>An OpenSSH tool (scp, sftp, ssh) with these arguments and stdin; 90 s at most.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunToolAsync(string tool, string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { process.Kill(true); throw new TimeoutException($"{tool} did not end: " + await stderr); }
        return (process.ExitCode, await stdout, await stderr);
    }
}
