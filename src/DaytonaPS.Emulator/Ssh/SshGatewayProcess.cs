using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace DaytonaPS.Emulator.Ssh;

/// <summary>
/// The emulator's SSH gateway: a Node.js sidecar (SshGateway/gateway.mjs on the ssh2 package, a
/// maintained pure-JavaScript SSH server) on 127.0.0.1, started and stopped with the emulator.
/// </summary>
/// <remarks>
/// No SSH server library for .NET is served to this project and SSH's cryptography is not written
/// by hand, hence the sidecar. It trusts nothing of its own: every login (user name = the access
/// token) is checked by the emulator through <see cref="SshGatewayEndpoints"/>, and every shell or
/// exec channel is bridged onto the emulator's sandbox runtime over a loopback WebSocket. Both
/// routes require a random per-run secret, handed to the sidecar in its environment (never argv,
/// which `ps` shows). The host key is generated once per data directory, never committed.
/// </remarks>
public sealed class SshGatewayProcess : IAsyncDisposable
{
    public const string SecretHeader = "X-Daytona-Gateway-Secret";

    private readonly Process _process;
    private readonly TaskCompletionSource<string?> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SshGatewayProcess(Process process, int port, string secret)
    {
        _process = process;
        Port = port;
        Secret = secret;
    }

    /// <summary>The port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>What the sidecar must send in <see cref="SecretHeader"/>.</summary>
    internal string Secret { get; }

    /// <summary>Null once listening, else why it is not (it exited, failed to bind, ...).</summary>
    public Task<string?> Ready => _ready.Task;

    /// <summary>The sidecar's folder next to the emulator's assembly (copied there by the build with its node_modules).</summary>
    public static string GatewayDirectory => Path.Combine(AppContext.BaseDirectory, "ssh-gateway");

    /// <summary>
    /// Starts the sidecar, or returns null with why not (no Node.js, ssh2 not installed). It listens
    /// shortly after; <see cref="Ready"/> tells when (or why it did not).
    /// </summary>
    public static SshGatewayProcess? TryStart(EmulatorContext context, out string note)
    {
        var script = Path.Combine(GatewayDirectory, "gateway.mjs");
        if (!File.Exists(script)) { note = $"SSH gateway off: {script} is missing"; return null; }
        if (!Directory.Exists(Path.Combine(GatewayDirectory, "node_modules", "ssh2")))
        {
            note = $"SSH gateway off: the ssh2 package is not installed (run `npm ci` in src/DaytonaPS.Emulator/SshGateway, which build.ps1 -Task Build does)";
            return null;
        }
        var node = FindNode();
        if (node is null) { note = "SSH gateway off: Node.js (node) is not on PATH"; return null; }

        var port = context.Options.SshPort != 0 ? context.Options.SshPort : FreeLoopbackPort();
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var keyDir = HostKeyDirectory(context);
        Directory.CreateDirectory(keyDir);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var psi = new ProcessStartInfo(node)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = GatewayDirectory,
        };
        psi.ArgumentList.Add(script);
        // Only what it needs: nothing of the emulator's environment (API keys) reaches it.
        psi.Environment.Clear();
        psi.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        psi.Environment["DAYTONA_SSH_GATEWAY_SECRET"] = secret;
        psi.Environment["DAYTONA_SSH_GATEWAY_EMULATOR"] = context.BaseUrl;
        psi.Environment["DAYTONA_SSH_GATEWAY_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["DAYTONA_SSH_GATEWAY_HOST_KEY"] = Path.Combine(keyDir, "host_ed25519_key");
        var process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        var gateway = new SshGatewayProcess(process, port, secret);
        gateway.WatchOutput();
        note = $"SSH gateway on 127.0.0.1:{port} (ssh -p {port} <token>@127.0.0.1; Node.js sidecar)";
        return gateway;
    }

    private void WatchOutput()
    {
        // stdin stays open: the sidecar exits when it closes (the emulator died without stopping it).
        _ = Task.Run(async () =>
        {
            string? line;
            while ((line = await _process.StandardOutput.ReadLineAsync()) is not null)
            {
                if (line.StartsWith("listening ", StringComparison.Ordinal)) _ready.TrySetResult(null);
            }
            _ready.TrySetResult("the SSH gateway exited before listening");
        });
        _ = Task.Run(async () =>
        {
            string? line;
            while ((line = await _process.StandardError.ReadLineAsync()) is not null)
            {
                if (line.StartsWith("error ", StringComparison.Ordinal)) _ready.TrySetResult("SSH gateway: " + line[6..]);
            }
        });
    }

    /// <summary>
    /// Where the host key lives: in --data-dir when one is given, else in a per-user folder. Not per
    /// run: ports are random, and a port reused by a later run with a new key would make ssh's
    /// StrictHostKeyChecking (accept-new, as Enter-DaytonaSsh sets it) refuse the gateway as a changed host.
    /// </summary>
    private static string HostKeyDirectory(EmulatorContext context) =>
        context.Options.DataDir is not null
            ? Path.Combine(context.DataDir, "ssh-gateway")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create) is { Length: > 0 } local ? local : Path.GetTempPath(), "daytonaps-emulator", "ssh-gateway");

    private static string? FindNode() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, OperatingSystem.IsWindows() ? "node.exe" : "node"))
            .FirstOrDefault(File.Exists);

    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            if (!await WaitAsync(TimeSpan.FromSeconds(2))) _process.Kill(entireProcessTree: true);
            await WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception) { }
        _process.Dispose();
    }

    private async Task<bool> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); return true; }
        catch (OperationCanceledException) { return false; }
    }
}
