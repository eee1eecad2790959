using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using DaytonaPS.Emulator.Api;
using DaytonaPS.Emulator.Infrastructure;
using DaytonaPS.Emulator.Runtime;
using DaytonaPS.Emulator.Toolbox;

namespace DaytonaPS.Emulator.Ssh;

/// <summary>
/// The two loopback routes only the SSH gateway sidecar uses (see <see cref="SshGatewayProcess"/>),
/// both refused without its per-run secret: POST /_ssh-gateway/auth checks an access token, and
/// the /_ssh-gateway/channel WebSocket runs one SSH channel in the token's sandbox: a session
/// (shell or exec, with or without a PTY, or the sftp subsystem) or a direct-tcpip forward (-L).
/// </summary>
/// <remarks>
/// Channel protocol: the sidecar first sends a text message
/// {"mode":"shell"|"exec"|"sftp"|"tcpip","command":"...","pty":{"term","cols","rows"}|null,
/// "host":"...","port":N}; then binary frames 0x00+bytes are stdin (for tcpip: to the service);
/// text {"type":"eof"}, {"type":"resize","cols","rows"}. The emulator sends binary 0x01+bytes
/// (stdout, or from the service) and 0x02+bytes (stderr), then text {"type":"exit","code":N}, or
/// {"type":"error","message":"..."} when the sandbox cannot take the channel. A tcpip channel is
/// answered first with {"type":"open"} once the service accepted the connection (the sidecar
/// confirms the SSH channel only then), and ends with the WebSocket's close.
/// </remarks>
internal static class SshGatewayEndpoints
{
    private const byte Stdin = 0, Stdout = 1, Stderr = 2;
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(2);

    private sealed record AuthRequest(string? Token);

    private sealed record PtyRequest(string? Term, int Cols, int Rows);

    private sealed record ChannelRequest(string? Mode, string? Command, PtyRequest? Pty, string? Host, int Port);

    /// <summary>
    /// Where the sandbox's sftp-server may be (the sandbox has the host's /usr read-only): Debian and
    /// Ubuntu (openssh-sftp-server), Fedora/RHEL, Arch, Alpine. The first that exists is exec'd.
    /// </summary>
    internal static readonly string[] SftpServerPaths =
        ["/usr/lib/openssh/sftp-server", "/usr/libexec/openssh/sftp-server", "/usr/lib/ssh/sftp-server", "/usr/libexec/sftp-server"];

    /// <summary>
    /// sh -c SCRIPT sh DIR PATHS...: moves to DIR (the home directory, where sshd starts a subsystem;
    /// relative sftp paths resolve there), then execs the first sftp-server there is, or says none is installed.
    /// </summary>
    private const string SftpLauncher = "cd -- \"$1\" 2>/dev/null || cd /; shift; for p in \"$@\"; do if [ -x \"$p\" ]; then exec \"$p\"; fi; done; " +
        "echo 'sftp-server is not installed in this sandbox (on a Debian emulator host: apt-get install openssh-sftp-server)' >&2; exit 127";

    private sealed record ControlMessage(string? Type, int Cols, int Rows);

    public static void Map(WebApplication app)
    {
        app.MapPost("/_ssh-gateway/auth", async (HttpContext http, EmulatorContext ctx) =>
        {
            if (!FromGateway(http, ctx)) return Results.StatusCode(403);
            var request = await JsonSerializer.DeserializeAsync<AuthRequest>(http.Request.Body, JsonDefaults.Options);
            return FindSandbox(ctx, request?.Token) is { } sandbox
                ? Results.Json(new { sandboxId = sandbox.Id }, JsonDefaults.Options)
                : Results.StatusCode(403);
        });
        app.MapGet("/_ssh-gateway/channel", async (HttpContext http, EmulatorContext ctx) =>
        {
            if (!FromGateway(http, ctx) || !http.WebSockets.IsWebSocketRequest) return Results.StatusCode(403);
            using var socket = await http.WebSockets.AcceptWebSocketAsync();
            await RunChannelAsync(http, ctx, socket, http.Request.Query["sandbox"].ToString());
            return Results.Empty;
        });
    }

    private static bool FromGateway(HttpContext http, EmulatorContext ctx) =>
        ctx.SshGateway is { } gateway && AuthMiddleware.SecretEquals(http.Request.Headers[SshGatewayProcess.SecretHeader].ToString(), gateway.Secret);

    /// <summary>The live sandbox whose current SSH access token this is (unexpired, not revoked).</summary>
    internal static SandboxRecord? FindSandbox(EmulatorContext ctx, string? token)
    {
        if (string.IsNullOrEmpty(token)) return null;
        var now = DateTime.UtcNow;
        lock (ctx.Store.Sync)
        {
            return ctx.Store.Live.FirstOrDefault(s => s.SshAccesses.Any(a => AuthMiddleware.SecretEquals(token, a.Token) && a.ExpiresAt > now));
        }
    }

    private static async Task RunChannelAsync(HttpContext http, EmulatorContext ctx, WebSocket socket, string sandboxId)
    {
        var cancel = http.RequestAborted;
        var outgoing = Channel.CreateUnbounded<(WebSocketMessageType Type, byte[] Data)>(new UnboundedChannelOptions { SingleReader = true });
        var writer = Task.Run(async () =>
        {
            try
            {
                await foreach (var (type, data) in outgoing.Reader.ReadAllAsync(cancel))
                    await socket.SendAsync(data, type, true, cancel);
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", cancel);
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException) { }
        });
        void Send(byte kind, byte[] data) => outgoing.Writer.TryWrite((WebSocketMessageType.Binary, [kind, .. data]));
        void Control(object message) => outgoing.Writer.TryWrite((WebSocketMessageType.Text, JsonSerializer.SerializeToUtf8Bytes(message)));

        var messages = ReceiveAsync(socket, cancel).GetAsyncEnumerator(cancel);
        try
        {
            if (!await messages.MoveNextAsync() || messages.Current.Type != WebSocketMessageType.Text) return;
            var request = JsonSerializer.Deserialize<ChannelRequest>(messages.Current.Data, JsonDefaults.Options)!;
            if (!ctx.Store.TryGet(sandboxId, out var sandbox) || sandbox.State != "started")
            {
                var state = sandbox?.State ?? "destroyed";
                // Daytona's gateway's words for a sandbox that does not run.
                Control(new { type = "error", message = $"Sandbox is not started (state: {state}). Please start the sandbox before attempting to connect." });
                return;
            }
            sandbox.Touch();
            if (request.Mode == "tcpip")
                await RunForwardAsync(sandbox, request, messages, Send, Control, cancel);
            else if (request.Mode == "sftp")
                await RunSftpAsync(sandbox, messages, Send, Control);
            else if (request.Pty is { } pty && OperatingSystem.IsLinux())
                await RunOnTerminalAsync(sandbox, request, pty, messages, Send, Control);
            else
                await RunOnPipesAsync(sandbox, request, messages, Send, Control);
        }
        catch (Exception e) when (e is ToolboxException or IOException or InvalidOperationException or System.ComponentModel.Win32Exception or JsonException)
        {
            Control(new { type = "error", message = e.Message });
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
        finally
        {
            outgoing.Writer.TryComplete();
            await writer;
        }
    }

    /// <summary>A login shell, or the command, on a terminal of the sandbox (what sshd does with a pty-req).</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static async Task RunOnTerminalAsync(SandboxRecord sandbox, ChannelRequest request, PtyRequest pty,
        IAsyncEnumerator<(WebSocketMessageType Type, byte[] Data)> messages, Action<byte, byte[]> send, Action<object> control)
    {
        var envs = new Dictionary<string, string> { ["TERM"] = string.IsNullOrEmpty(pty.Term) ? "xterm-256color" : pty.Term };
        var session = new PtySession("ssh-" + Guid.NewGuid().ToString("N")[..12], SandboxPaths.WorkDir, envs,
            (ushort)Math.Clamp(pty.Cols, 0, 1000), (ushort)Math.Clamp(pty.Rows, 0, 1000), lazyStart: false);
        var client = session.Attach();
        PtyEndpoints.StartOnTerminal(sandbox, session, request.Mode == "exec" ? ["/bin/bash", "-c", request.Command ?? ""] : ["/bin/bash", "-i", "-l"]);
        var input = Task.Run(async () =>
        {
            try
            {
                while (await messages.MoveNextAsync())
                {
                    var (type, data) = messages.Current;
                    if (type == WebSocketMessageType.Binary && data.Length > 1 && data[0] == Stdin) session.Write(data.AsSpan(1));
                    else if (type == WebSocketMessageType.Text && JsonSerializer.Deserialize<ControlMessage>(data, JsonDefaults.Options) is { Type: "resize" } r)
                        session.Resize((ushort)Math.Clamp(r.Cols, 0, 1000), (ushort)Math.Clamp(r.Rows, 0, 1000));
                }
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or OperationCanceledException or WebSocketException or JsonException) { }
            // The client went away: so does its shell.
            if (!session.Exit.IsCompleted) session.Kill();
        });
        await foreach (var chunk in client.Output.ReadAllAsync()) send(Stdout, chunk);
        control(new { type = "exit", code = client.ExitCode ?? 0 });
    }

    /// <summary>The command (or a shell reading stdin) with stdin, stdout and stderr as pipes: sshd's exec without a pty.</summary>
    private static async Task RunOnPipesAsync(SandboxRecord sandbox, ChannelRequest request,
        IAsyncEnumerator<(WebSocketMessageType Type, byte[] Data)> messages, Action<byte, byte[]> send, Action<object> control)
    {
        if (!sandbox.Runtime.Container.RunsCommands) throw NoneRuntime.Unavailable();
        string[] bashArgs = request.Mode == "exec" ? ["-c", request.Command ?? ""] : ["-l"];
        var environment = ToolboxEndpoints.CommandEnvironment(sandbox);
        using var process = sandbox.Runtime.Start(SandboxPaths.WorkDir, environment, bashArgs);
        _ = process.PumpOutputAsync((stream, data) => send(stream == LogStream.Stderr ? Stderr : Stdout, data));
        var stdin = process.StandardInput;
        var input = Task.Run(async () =>
        {
            try
            {
                while (await messages.MoveNextAsync())
                {
                    var (type, data) = messages.Current;
                    if (type == WebSocketMessageType.Binary && data.Length > 1 && data[0] == Stdin) { await stdin.WriteAsync(data.AsMemory(1)); await stdin.FlushAsync(); }
                    else if (type == WebSocketMessageType.Text && JsonSerializer.Deserialize<ControlMessage>(data, JsonDefaults.Options) is { Type: "eof" }) break;
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or WebSocketException or JsonException) { }
            try { stdin.Dispose(); } catch (IOException) { }
        });
        await process.WaitForOutputAsync(OutputGrace);
        control(new { type = "exit", code = process.ExitCode });
    }

    /// <summary>
    /// The sftp subsystem: the sandbox's own sftp-server, run as the sandbox user inside its
    /// isolation with stdin/stdout as the channel (what sshd does for "Subsystem sftp"), so every
    /// file access is the sandbox's. No login shell: its start-up files must not write into the
    /// protocol stream.
    /// </summary>
    private static async Task RunSftpAsync(SandboxRecord sandbox,
        IAsyncEnumerator<(WebSocketMessageType Type, byte[] Data)> messages, Action<byte, byte[]> send, Action<object> control)
    {
        if (!sandbox.Runtime.Container.RunsCommands) throw NoneRuntime.Unavailable();
        using var process = sandbox.Runtime.StartDirect(ToolboxEndpoints.CommandEnvironment(sandbox), ["/bin/sh", "-c", SftpLauncher, "sh", SandboxPaths.HomeDir, .. SftpServerPaths]);
        var stdout = PumpAsync(process.StandardOutput, data => send(Stdout, data));
        var stderr = PumpAsync(process.StandardError, data => send(Stderr, data));
        var stdin = process.StandardInput;
        _ = Task.Run(async () =>
        {
            try
            {
                while (await messages.MoveNextAsync())
                {
                    var (type, data) = messages.Current;
                    if (type == WebSocketMessageType.Binary && data.Length > 1 && data[0] == Stdin) { await stdin.WriteAsync(data.AsMemory(1)); await stdin.FlushAsync(); }
                    else if (type == WebSocketMessageType.Text && JsonSerializer.Deserialize<ControlMessage>(data, JsonDefaults.Options) is { Type: "eof" }) break;
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or WebSocketException or JsonException) { }
            // EOF (or the client gone): sftp-server ends when its stdin does.
            try { stdin.Dispose(); } catch (IOException) { }
        });
        await Task.WhenAll(stdout, stderr, process.Exited);
        control(new { type = "exit", code = process.ExitCode });
    }

    /// <summary>
    /// A direct-tcpip channel (ssh -L): a connection to a port on the sandbox's own loopback, made
    /// from inside the sandbox (<see cref="PortRelay"/>, as previews are). Any other destination is
    /// refused: the emulator's sandboxes have only a loopback network, and the gateway must never
    /// become a way to reach the emulator's host.
    /// </summary>
    private static async Task RunForwardAsync(SandboxRecord sandbox, ChannelRequest request,
        IAsyncEnumerator<(WebSocketMessageType Type, byte[] Data)> messages, Action<byte, byte[]> send, Action<object> control, CancellationToken cancel)
    {
        var host = request.Host ?? "";
        if (!PortRelay.IsLoopbackName(host) || request.Port is < 1 or > 65535)
        {
            control(new { type = "error", message = $"forwarding to {host}:{request.Port} refused: only localhost ports inside the sandbox can be forwarded" });
            return;
        }
        Stream connection;
        try { connection = await PortRelay.ConnectAsync(sandbox.Runtime.Container, request.Port, cancel, host); }
        catch (IOException e)
        {
            control(new { type = "error", message = e.Message });
            return;
        }
        await using (connection)
        {
            control(new { type = "open" });
            var fromService = PumpAsync(connection, data => send(Stdout, data));
            var toService = Task.Run(async () =>
            {
                try
                {
                    while (await messages.MoveNextAsync())
                    {
                        var (type, data) = messages.Current;
                        if (type == WebSocketMessageType.Binary && data.Length > 1 && data[0] == Stdin) { await connection.WriteAsync(data.AsMemory(1), cancel); await connection.FlushAsync(cancel); }
                        // A client's EOF is not passed on: the relay cannot half-close its socket, and
                        // the service's answer still comes; the channel's close ends the connection.
                    }
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or WebSocketException) { }
            });
            // Either side ending ends the forward: the service closed, or the client closed the channel.
            await Task.WhenAny(fromService, toService);
        }
    }

    /// <summary>Copies a stream's chunks to a sink until it ends (or fails).</summary>
    private static async Task PumpAsync(Stream stream, Action<byte[]> sink)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0) sink(buffer[..read]);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException) { }
    }

    /// <summary>Whole messages from the sidecar until it closes.</summary>
    private static async IAsyncEnumerable<(WebSocketMessageType Type, byte[] Data)> ReceiveAsync(WebSocket socket, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel)
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        while (true)
        {
            WebSocketReceiveResult result;
            try { result = await socket.ReceiveAsync(buffer, cancel); }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException) { yield break; }
            if (result.MessageType == WebSocketMessageType.Close) yield break;
            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage) continue;
            yield return (result.MessageType, message.ToArray());
            message.SetLength(0);
        }
    }
}
