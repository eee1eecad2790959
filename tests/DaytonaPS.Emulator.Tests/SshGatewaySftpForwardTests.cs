using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>
/// The SSH gateway's sftp subsystem (the sandbox's own sftp-server) and its -L forwards (direct-tcpip
/// to the sandbox's loopback), driven by the system OpenSSH sftp and ssh clients.
/// </summary>
public sealed class SshGatewaySftpForwardTests(ToolboxServerFixture fx) : IClassFixture<ToolboxServerFixture>, IDisposable
{
    private readonly string _local = Directory.CreateTempSubdirectory("daytonaps-sftp-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_local, true); } catch (IOException) { }
    }

    private static readonly string[] ClientOptions =
        ["-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes"];

    /// <summary>Runs an OpenSSH client to its end; 90 s at most (a hung client fails the test, no timing asserted).</summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string tool, string? stdin, params string[] args)
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
        catch (OperationCanceledException) { process.Kill(true); throw new TimeoutException($"{tool} did not end; stderr: " + await stderr); }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>sftp -b -: the batch from stdin; sftp exits non-zero at the first command that fails.</summary>
    private static Task<(int ExitCode, string Stdout, string Stderr)> SftpAsync(int port, string token, string batch) =>
        RunAsync("sftp", batch, [.. ClientOptions, "-P", port.ToString(), "-b", "-", token + "@127.0.0.1"]);

    private static string Sha256(string file) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));

    private string RandomFile(string name, int length)
    {
        var path = Path.Combine(_local, name);
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(length));
        return path;
    }

    [Fact]
    public async Task SftpPutAndGetRoundTripTheBytes_InTheSandboxsHome_AsItsUser()
    {
        var id = await fx.CreateSandboxAsync();
        var (token, port, _) = await SshGatewayTests.MintAsync(fx, id);
        var payload = RandomFile("payload.bin", 2 * 1024 * 1024 + 17);
        var back = Path.Combine(_local, "back.bin");

        var (code, stdout, stderr) = await SftpAsync(port, token, $"pwd\nput {payload} payload.bin\nget payload.bin {back}\n");
        Assert.True(code == 0, stderr);
        Assert.Contains("Remote working directory: /home/daytona", stdout);
        Assert.Equal(Sha256(payload), Sha256(back));

        // The sandbox's own commands see the same file, owned by its user.
        var inside = await SshGatewayTests.SshAsync(port, token, null, "sha256sum /home/daytona/payload.bin; stat -c %u:%g /home/daytona/payload.bin");
        Assert.Equal(0, inside.ExitCode);
        Assert.Equal($"{Sha256(payload)}  /home/daytona/payload.bin\n1000:1000\n", inside.Stdout);
    }

    [Fact]
    public async Task SftpPathsOutsideTheHomeAreTheSandboxsOwn_NeverTheHosts()
    {
        var id = await fx.CreateSandboxAsync();
        var (token, port, _) = await SshGatewayTests.MintAsync(fx, id);
        var tag = Guid.NewGuid().ToString("N")[..12];
        var hostFile = $"/tmp/daytonaps-host-{tag}";
        await File.WriteAllTextAsync(hostFile, "host-only");
        try
        {
            // A file of the host's /tmp is not in the sandbox's /tmp.
            var copy = Path.Combine(_local, "host-copy");
            var missing = await SftpAsync(port, token, $"get {hostFile} {copy}\n");
            Assert.NotEqual(0, missing.ExitCode);
            Assert.Contains("not found", missing.Stderr);
            Assert.False(File.Exists(copy));

            // An upload to /tmp lands in the sandbox's /tmp; /etc/hostname is the sandbox's.
            var upload = RandomFile("upload.bin", 4096);
            var hostname = Path.Combine(_local, "hostname");
            var (code, _, stderr) = await SftpAsync(port, token, $"put {upload} /tmp/daytonaps-sftp-{tag}\nget /etc/hostname {hostname}\n");
            Assert.True(code == 0, stderr);
            Assert.False(File.Exists($"/tmp/daytonaps-sftp-{tag}"));
            Assert.Equal(Sha256(upload), Sha256(Path.Combine(fx.HostRootOf(id), "tmp", $"daytonaps-sftp-{tag}")));
            Assert.Equal(id, (await File.ReadAllTextAsync(hostname)).Trim());

            // The host's /usr is the sandbox's read-only /usr: no write gets through.
            var denied = await SftpAsync(port, token, $"put {upload} /usr/daytonaps-sftp-{tag}\n");
            Assert.NotEqual(0, denied.ExitCode);
            Assert.False(File.Exists($"/usr/daytonaps-sftp-{tag}"));
        }
        finally
        {
            File.Delete(hostFile);
        }
    }

    [Fact]
    public async Task LocalForwardReachesAPythonServerInsideTheSandbox()
    {
        var id = await fx.CreateSandboxAsync();
        var (token, port, _) = await SshGatewayTests.MintAsync(fx, id);
        var tag = Guid.NewGuid().ToString("N")[..12];
        // The server runs in the background, in the sandbox's own network namespace; wait (bounded) until it listens.
        var serve = await SshGatewayTests.SshAsync(port, token, null,
            $"mkdir -p /tmp/www && echo forward-{tag} > /tmp/www/f.txt && " +
            "(nohup python3 -m http.server 8000 --bind 127.0.0.1 --directory /tmp/www >/dev/null 2>&1 &); " +
            "for i in $(seq 600); do (exec 3<>/dev/tcp/127.0.0.1/8000) 2>/dev/null && exit 0; sleep 0.1; done; exit 1");
        Assert.True(serve.ExitCode == 0, "python http.server did not listen in the sandbox: " + serve.Stderr);

        var localPort = FreeLoopbackPort();
        var psi = new ProcessStartInfo("ssh") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[.. ClientOptions, "-p", port.ToString(), "-N", "-o", "ExitOnForwardFailure=yes",
                     "-L", $"127.0.0.1:{localPort}:localhost:8000", token + "@127.0.0.1"])
            psi.ArgumentList.Add(a);
        using var ssh = Process.Start(psi)!;
        var sshErr = ssh.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            string? body = null;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (body is null)
            {
                Assert.False(ssh.HasExited, "ssh -L ended: " + (ssh.HasExited ? await sshErr : ""));
                try { body = await http.GetStringAsync($"http://127.0.0.1:{localPort}/f.txt"); }
                catch (HttpRequestException) when (DateTime.UtcNow < deadline) { await Task.Delay(100); }
            }
            Assert.Equal($"forward-{tag}\n", body);
            // Each connection is its own channel: a second one gets the server's 404.
            using var missing = await http.GetAsync($"http://127.0.0.1:{localPort}/missing");
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }
        finally
        {
            if (!ssh.HasExited) ssh.Kill();
            await ssh.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task ForwardsToAnythingButTheSandboxsLoopbackAreRefused()
    {
        var id = await fx.CreateSandboxAsync();
        var (token, port, _) = await SshGatewayTests.MintAsync(fx, id);
        // A service on the HOST's loopback: a forward to localhost:P means the sandbox's loopback, where nothing listens.
        using var hostService = new TcpListener(IPAddress.Loopback, 0);
        hostService.Start();
        var hostPort = ((IPEndPoint)hostService.LocalEndpoint).Port;
        var accepted = hostService.AcceptTcpClientAsync();

        foreach (var destination in new[] { $"localhost:{hostPort}", $"127.0.0.1:{hostPort}", "192.0.2.1:80", $"{Dns.GetHostName()}:{hostPort}" })
        {
            var (code, stdout, stderr) = await RunAsync("ssh", "GET / HTTP/1.0\r\n\r\n", [.. ClientOptions, "-p", port.ToString(), "-W", destination, token + "@127.0.0.1"]);
            Assert.True(code == 255, $"{destination}: exit {code}, {stdout}");
            Assert.Contains("forwarding failed", stderr);
        }
        Assert.False(accepted.IsCompleted, "a forward reached the host's loopback");
    }

    [Fact]
    public async Task TheEmulatorItselfRefusesAForwardOutOfTheSandbox()
    {
        // Past the sidecar's own check: the channel route with the sidecar's secret, asked for another host.
        var id = await fx.CreateSandboxAsync();
        var gateway = fx.Server.Context.SshGateway!;
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-Daytona-Gateway-Secret", gateway.Secret);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await socket.ConnectAsync(new Uri(fx.Server.BaseUrl.Replace("http", "ws") + $"/_ssh-gateway/channel?sandbox={id}"), cts.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"mode\":\"tcpip\",\"host\":\"10.0.0.1\",\"port\":80}"), WebSocketMessageType.Text, true, cts.Token);
        var buffer = new byte[4096];
        var result = await socket.ReceiveAsync(buffer, cts.Token);
        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        var message = Encoding.UTF8.GetString(buffer, 0, result.Count);
        Assert.Contains("\"type\":\"error\"", message);
        Assert.Contains("forwarding to 10.0.0.1:80 refused", message);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
