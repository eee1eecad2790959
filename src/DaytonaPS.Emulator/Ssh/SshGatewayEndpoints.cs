using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using DaytonaPS.Emulator.Api;
using DaytonaPS.Emulator.Infrastructure;
using DaytonaPS.Emulator.Toolbox;

namespace DaytonaPS.Emulator.Ssh;

/// <summary>
/// The two loopback routes only the SSH gateway sidecar uses (see <see cref="SshGatewayProcess"/>),
/// both refused without its per-run secret: POST /_ssh-gateway/auth checks an access token, and
/// the /_ssh-gateway/channel WebSocket runs one SSH session channel (shell or exec, with or
/// without a PTY) in the token's sandbox.
/// </summary>
/// <remarks>
/// Channel protocol: the sidecar first sends a text message
/// {"mode":"shell"|"exec","command":"...","pty":{"term","cols","rows"}|null}; then binary frames
/// 0x00+bytes are stdin; text {"type":"eof"}, {"type":"resize","cols","rows"}. The emulator sends
/// binary 0x01+bytes (stdout) and 0x02+bytes (stderr), then text {"type":"exit","code":N}, or
/// {"type":"error","message":"..."} when the sandbox cannot take the channel.
/// </remarks>
internal static class SshGatewayEndpoints
{
    private const byte Stdin = 0, Stdout = 1, Stderr = 2;
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(2);

    private sealed record AuthRequest(string? Token);

    private sealed record PtyRequest(string? Term, int Cols, int Rows);

    private sealed record ChannelRequest(string? Mode, string? Command, PtyRequest? Pty);

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
            if (request.Pty is { } pty && OperatingSystem.IsLinux())
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
        if (!sandbox.Runtime.Container.RunsCommands) throw Runtime.NoneRuntime.Unavailable();
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
