using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>The emulator's SSH gateway (Node.js ssh2 sidecar) driven by the system OpenSSH client.</summary>
public sealed class SshGatewayTests(ToolboxServerFixture fx) : IClassFixture<ToolboxServerFixture>
{
    private Task<(string Token, int Port, string Command)> MintAsync(string id, string? expiresInMinutes = null) => MintAsync(fx, id, expiresInMinutes);

    /// <summary>POST /sandbox/{id}/ssh-access: the token, the gateway's port and the sshCommand.</summary>
    internal static async Task<(string Token, int Port, string Command)> MintAsync(ToolboxServerFixture fx, string id, string? expiresInMinutes = null)
    {
        using var response = await fx.Http.PostAsync($"api/sandbox/{id}/ssh-access" + (expiresInMinutes is null ? "" : "?expiresInMinutes=" + expiresInMinutes), null);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var access = await response.Content.ReadFromJsonAsync<JsonElement>();
        var command = access.GetProperty("sshCommand").GetString()!;
        var port = int.Parse(command.Split(' ')[2]);
        return (access.GetProperty("token").GetString()!, port, command);
    }

    /// <summary>Runs the system ssh against the gateway; 60 s at most (a hung client fails the test, no timing asserted).</summary>
    internal static async Task<(int ExitCode, string Stdout, string Stderr)> SshAsync(int port, string user, string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo("ssh") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-p", port.ToString(), user + "@127.0.0.1" })
            psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var ssh = Process.Start(psi)!;
        var stdout = ssh.StandardOutput.ReadToEndAsync();
        var stderr = ssh.StandardError.ReadToEndAsync();
        if (stdin is not null) await ssh.StandardInput.WriteAsync(stdin);
        ssh.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await ssh.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { ssh.Kill(true); throw new TimeoutException("ssh did not end; stderr: " + await stderr); }
        return (ssh.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task SshCommandNamesTheGatewayAndExecGivesStdoutStderrStdinAndTheExitStatus()
    {
        var id = await fx.CreateSandboxAsync();
        var (token, port, command) = await MintAsync(id);
        Assert.Equal(fx.Server.Context.SshGateway!.Port, port);
        Assert.Equal($"ssh -p {port} {token}@127.0.0.1", command);
        Assert.Contains(fx.Server.StartupNotes, n => n.Contains($"SSH gateway on 127.0.0.1:{port}"));

        var (code, stdout, stderr) = await SshAsync(port, token, "line from stdin\n", "hostname; id -u; echo \"$PWD\"; cat; echo to-stderr >&2; exit 3");
        Assert.Equal(3, code);
        Assert.Equal($"{id}\n1000\n/home/daytona\nline from stdin\n", stdout);
        Assert.Equal("to-stderr\n", stderr);
    }

    [Fact]
    public async Task AForcedPtyIsATerminalInTheSandboxAndAShellReadsItsInput()
    {
        var id = await fx.CreateSandboxAsync();
        var (token, port, _) = await MintAsync(id);
        var (code, stdout, _) = await SshAsync(port, token, null, "-tt", "test -t 0 && echo \"tty-$((6*7))\"; echo \"term=$TERM\"; exit 6");
        Assert.Equal(6, code);
        Assert.Contains("tty-42", stdout);
        Assert.Contains("term=", stdout);
        // No command, no pty: a shell reading stdin, as sshd runs one for `ssh host < script`.
        var shell = await SshAsync(port, token, "echo \"shell-$((5*5))-$(hostname)\"\nexit 2\n", "-T");
        Assert.Equal(2, shell.ExitCode);
        Assert.Contains($"shell-25-{id}", shell.Stdout);
    }

    [Fact]
    public async Task UnknownRevokedAndExpiredTokensAreRefused()
    {
        var id = await fx.CreateSandboxAsync();
        var unknown = await SshAsync(fx.Server.Context.SshGateway!.Port, "not-a-token", null, "echo ran");
        Assert.Equal(255, unknown.ExitCode);
        Assert.DoesNotContain("ran", unknown.Stdout);
        Assert.Contains("Permission denied", unknown.Stderr);

        var (token, port, _) = await MintAsync(id);
        Assert.Equal(0, (await SshAsync(port, token, null, "true")).ExitCode);
        using (var revoke = await fx.Http.DeleteAsync($"api/sandbox/{id}/ssh-access?token={token}")) Assert.True(revoke.IsSuccessStatusCode);
        var revoked = await SshAsync(port, token, null, "echo ran");
        Assert.Equal(255, revoked.ExitCode);
        Assert.Contains("Permission denied", revoked.Stderr);

        var (expiring, _, _) = await MintAsync(id, "0.0001"); // 6 ms
        await Task.Delay(50);
        var expired = await SshAsync(port, expiring, null, "echo ran");
        Assert.Equal(255, expired.ExitCode);
        Assert.Contains("Permission denied", expired.Stderr);
    }

    [Fact]
    public async Task AStoppedSandboxIsRefusedWithAMessage()
    {
        var id = await fx.CreateSandboxAsync();
        var (token, port, _) = await MintAsync(id);
        using (var stop = await fx.Http.PostAsync($"api/sandbox/{id}/stop", null)) Assert.True(stop.IsSuccessStatusCode);
        await fx.WaitForStateAsync(id, "stopped");
        var (code, stdout, stderr) = await SshAsync(port, token, null, "echo ran");
        Assert.Equal(255, code);
        Assert.DoesNotContain("ran", stdout);
        Assert.Contains("Sandbox is not started (state: stopped)", stderr);
    }

    [Fact]
    public async Task TheGatewayRoutesNeedTheSidecarsSecret()
    {
        using var http = new HttpClient { BaseAddress = new Uri(fx.Server.BaseUrl + "/") };
        var id = await fx.CreateSandboxAsync();
        var (token, _, _) = await MintAsync(id);
        using var noSecret = await http.PostAsJsonAsync("_ssh-gateway/auth", new { token });
        Assert.Equal(HttpStatusCode.Forbidden, noSecret.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Post, "_ssh-gateway/auth") { Content = JsonContent.Create(new { token }) };
        request.Headers.Add("X-Daytona-Gateway-Secret", "guess");
        using var wrongSecret = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, wrongSecret.StatusCode);
    }
}

/// <summary>--no-ssh: no sidecar, said so at start-up, and sshCommand names Daytona's nominal port.</summary>
public sealed class SshGatewayOffTests
{
    [Fact]
    public async Task NoSshTurnsTheGatewayOff()
    {
        await using var server = await EmulatorServer.StartAsync(EmulatorOptions.Parse(["--api-key", "k", "--no-ssh", "--transition-ms", "10"]));
        Assert.Null(server.Context.SshGateway);
        Assert.Contains(server.StartupNotes, n => n.Contains("SSH gateway off (--no-ssh)"));
        var id = await CreateAsync(server);
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl + "/") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "k");
        using var access = await http.PostAsync($"api/sandbox/{id}/ssh-access", null);
        Assert.StartsWith("ssh -p 2222 ", (await access.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sshCommand").GetString());
    }

    private static async Task<string> CreateAsync(EmulatorServer server)
    {
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl + "/") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "k");
        using var created = await http.PostAsJsonAsync("api/sandbox", new { });
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task WithoutNodeTheGatewayIsOffAndTheStartUpOutputSaysSo()
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "/usr/bin/dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "DaytonaPS.Emulator.dll"));
        start.ArgumentList.Add("--runtime");
        start.ArgumentList.Add("none");
        start.Environment["DAYTONA_EMULATOR_API_KEY"] = "no-node-key";
        start.Environment["PATH"] = "/nonexistent"; // no node to be found
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var url = await process.StandardOutput.ReadLineAsync(timeout.Token);
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync(timeout.Token);
        Assert.EndsWith("/api", url);
        Assert.Contains("daytona-emulator: SSH gateway off: Node.js (node) is not on PATH", await stderr);
    }
}
