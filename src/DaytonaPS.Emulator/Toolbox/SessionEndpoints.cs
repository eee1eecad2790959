using System.Net.WebSockets;
using System.Text.Json.Serialization;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>/process/session: long-lived shells, their commands and logs.</summary>
public static class SessionEndpoints
{
    /// <summary>From this SDK version on, logs (without follow) are JSON {output, stdout, stderr}.</summary>
    private static readonly Version JsonLogsSince = new(0, 167, 0);
    /// <summary>Between this and JsonLogsSince, logs are the raw multiplexed bytes.</summary>
    private static readonly Version MarkedLogsSince = new(0, 27, 0);

    /// <summary>The daemon's entrypoint session: always there, never created or deleted by clients.</summary>
    public const string EntrypointSessionId = "entrypoint";

    public sealed record CreateSessionRequest(string? SessionId);
    public sealed record SessionExecuteRequest(string? Command, bool? RunAsync, bool? Async, bool? SuppressInputEcho);
    public sealed record SessionSendInputRequest(string? Data);

    public sealed record CommandDto(
        string Id,
        string Command,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ExitCode);

    public sealed record SessionDto(string SessionId, IReadOnlyList<CommandDto> Commands);

    public static void Map(RouteGroupBuilder group)
    {
        group.MapPost("/process/session", async (HttpContext http) =>
        {
            var request = await ToolboxEndpoints.ReadJsonAsync<CreateSessionRequest>(http);
            if (string.IsNullOrWhiteSpace(request.SessionId)) throw ToolboxException.BadRequest("sessionId is required");
            // The daemon's only rule on a session id besides being present: '.', '..', 'a/b' are ids
            // like any other (addressed as %2E%2E, a%2Fb; the routing never resolves dot segments).
            if (request.SessionId == EntrypointSessionId)
                throw ToolboxException.BadRequest("provided session ID is reserved and cannot be created/overridden");
            http.Sandbox().Runtime.Sessions.Create(request.SessionId, ToolboxEndpoints.CommandEnvironment(http.Sandbox()));
            return Results.StatusCode(201);
        });

        group.MapGet("/process/session", (HttpContext http) =>
            Results.Json(http.Sandbox().Runtime.Sessions.All.Select(ToDto).ToList(), JsonDefaults.Options));

        // The entrypoint session always exists; it has a command when the sandbox's snapshot has an
        // entrypoint (run at start, see SessionManager.StartEntrypoint), else none and empty logs.
        group.MapGet("/process/session/entrypoint", (HttpContext http) =>
            Results.Json(http.Sandbox().Runtime.Sessions.Entrypoint is { } entrypoint ? ToDto(entrypoint) : new SessionDto("entrypoint", []), JsonDefaults.Options));
        group.MapGet("/process/session/entrypoint/logs", (Func<HttpContext, Task<IResult>>)(http =>
        {
            if (http.Sandbox().Runtime.Sessions.Entrypoint?.Commands.FirstOrDefault() is { } command) return Logs(http, command.Log);
            var empty = new CommandLog();
            empty.Complete();
            return Logs(http, empty);
        }));

        group.MapGet("/process/session/{sessionId}", (HttpContext http, string sessionId) =>
            Results.Json(ToDto(http.Sandbox().Runtime.Sessions.Get(sessionId)), JsonDefaults.Options));

        group.MapDelete("/process/session/{sessionId}", (HttpContext http, string sessionId) =>
        {
            if (sessionId == EntrypointSessionId) throw ToolboxException.BadRequest("can't delete entrypoint session");
            http.Sandbox().Runtime.Sessions.Delete(sessionId);
            return Results.NoContent();
        });

        group.MapPost("/process/session/{sessionId}/exec", Execute);

        group.MapGet("/process/session/{sessionId}/command/{commandId}", (HttpContext http, string sessionId, string commandId) =>
            Results.Json(ToDto(http.Sandbox().Runtime.Sessions.Get(sessionId).Get(commandId)), JsonDefaults.Options));

        group.MapPost("/process/session/{sessionId}/command/{commandId}/input", async (HttpContext http, string sessionId, string commandId) =>
        {
            var command = http.Sandbox().Runtime.Sessions.Get(sessionId).Get(commandId);
            var request = await ToolboxEndpoints.ReadJsonAsync<SessionSendInputRequest>(http);
            if (request.Data is null) throw ToolboxException.BadRequest("data is required");
            await command.SendInputAsync(request.Data);
            return Results.NoContent();
        });

        group.MapGet("/process/session/{sessionId}/command/{commandId}/logs", (HttpContext http, string sessionId, string commandId) =>
            Logs(http, http.Sandbox().Runtime.Sessions.Get(sessionId).Get(commandId).Log));
    }

    private static async Task<IResult> Execute(HttpContext http, string sessionId)
    {
        var sandbox = http.Sandbox();
        var session = sandbox.Runtime.Sessions.Get(sessionId);
        var request = await ToolboxEndpoints.ReadJsonAsync<SessionExecuteRequest>(http);
        if (string.IsNullOrWhiteSpace(request.Command)) throw ToolboxException.BadRequest("command is required");

        var runAsync = request.RunAsync == true || request.Async == true;
        var command = session.Enqueue(request.Command, runAsync, request.SuppressInputEcho == true);
        if (runAsync)
            return Results.Json(new { cmdId = command.Id }, JsonDefaults.Options, statusCode: 202);

        // A client that gives up does not stop the command: it keeps running in the session.
        await command.Finished.WaitAsync(http.RequestAborted);
        var (output, stdout, stderr) = command.Log.Snapshot();
        return Results.Json(new { cmdId = command.Id, output, stdout, stderr, exitCode = command.ExitCode }, JsonDefaults.Options);
    }

    private static async Task<IResult> Logs(HttpContext http, CommandLog log)
    {
        if (http.Request.Query["follow"] == "true")
        {
            if (http.WebSockets.IsWebSocketRequest)
            {
                await FollowOverWebSocketAsync(http, log);
            }
            else
            {
                // Older clients followed over a chunked HTTP body of the same multiplexed bytes.
                http.Response.ContentType = "text/plain; charset=utf-8";
                await http.Response.StartAsync();
                await log.FollowAsync(async chunk =>
                {
                    await http.Response.Body.WriteAsync(chunk, http.RequestAborted);
                    await http.Response.Body.FlushAsync(http.RequestAborted);
                }, http.RequestAborted);
            }
            return Results.Empty;
        }

        var version = ClientVersion(http);
        if (http.Request.Headers["X-Daytona-Split-Output"] == "true" || version >= JsonLogsSince)
        {
            var (output, stdout, stderr) = log.Snapshot();
            return Results.Json(new { output, stdout, stderr }, JsonDefaults.Options);
        }
        if (version >= MarkedLogsSince) return Results.Bytes(log.Multiplexed(), "text/plain; charset=utf-8");
        return Results.Text(log.Snapshot().Output, "text/plain; charset=utf-8");
    }

    /// <summary>Sends the multiplexed stream as binary frames, then closes normally when the command ends.</summary>
    private static async Task FollowOverWebSocketAsync(HttpContext http, CommandLog log)
    {
        // Browser clients offer "X-Daytona-SDK-Version~<v>" and need it echoed back to connect.
        var offered = http.WebSockets.WebSocketRequestedProtocols.FirstOrDefault();
        using var socket = await http.WebSockets.AcceptWebSocketAsync(offered);
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        // Read (and ignore) client frames so a client-initiated close is noticed.
        var reader = DrainAsync(socket, closed);
        try
        {
            Func<byte[], Task> send = chunk => socket.SendAsync(chunk, WebSocketMessageType.Binary, true, closed.Token);
            if (http.Items.ContainsKey(FaultMiddleware.WsDropItem)) send = DroppingSender(http, socket, log, send);
            await log.FollowAsync(send, closed.Token);
            if (socket.State == WebSocketState.Open)
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", http.RequestAborted);
            await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(5)));
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            // The client went away; nothing to tell it.
        }
    }

    /// <summary>
    /// The ws-drop fault: sends the stream up to a point inside its last chunk available now
    /// (or inside the first chunk, if there is none yet), then drops the connection without a
    /// close frame. Cutting inside a chunk (possibly inside a marker) makes a client that
    /// reconnects prove it skips exactly the bytes it already has; a later connection cuts later
    /// whenever the log has grown, so clients make progress.
    /// </summary>
    private static Func<byte[], Task> DroppingSender(HttpContext http, WebSocket socket, CommandLog log, Func<byte[], Task> send)
    {
        var faults = http.RequestServices.GetRequiredService<EmulatorContext>().Faults;
        var (length, last) = log.MultiplexedShape();
        long? dropAt = length > 0 ? length - Math.Max(1, last / 2) : null;
        long sent = 0;
        return async chunk =>
        {
            dropAt ??= Math.Max(1, chunk.Length / 2);
            if (sent + chunk.Length <= dropAt)
            {
                sent += chunk.Length;
                await send(chunk);
                return;
            }
            var part = (int)(dropAt.Value - sent);
            if (part > 0) await socket.SendAsync(chunk.AsMemory(0, part), WebSocketMessageType.Binary, true, http.RequestAborted);
            // Let the part reach the client before the connection goes (an abort may discard unread data).
            await Task.Delay(100, http.RequestAborted);
            socket.Abort();
            http.Abort();
            faults.CountWsDrop();
            throw new OperationCanceledException("ws-drop fault");
        };
    }

    private static async Task DrainAsync(WebSocket socket, CancellationTokenSource closed)
    {
        var buffer = new byte[1024];
        try
        {
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await socket.ReceiveAsync(buffer, closed.Token);
                if (result.MessageType == WebSocketMessageType.Close) break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException) { }
        if (socket.State != WebSocketState.Closed && socket.State != WebSocketState.CloseSent) closed.Cancel();
    }

    /// <summary>The SDK version from X-Daytona-SDK-Version or a browser's "X-Daytona-SDK-Version~v" subprotocol.</summary>
    private static Version? ClientVersion(HttpContext http)
    {
        var raw = http.Request.Headers["X-Daytona-SDK-Version"].FirstOrDefault();
        raw ??= http.Request.Headers.SecWebSocketProtocol.ToString().Split(',')
            .Select(p => p.Trim())
            .FirstOrDefault(p => p.StartsWith("X-Daytona-SDK-Version~", StringComparison.OrdinalIgnoreCase))?[22..];
        if (string.IsNullOrWhiteSpace(raw)) return null;
        var core = raw.Trim().TrimStart('v', 'V').Split('-', '+')[0];
        return Version.TryParse(core, out var v) ? v : null;
    }

    private static SessionDto ToDto(Session s) => new(s.Id, s.Commands.Select(ToDto).ToList());

    private static CommandDto ToDto(SessionCommand c) => new(c.Id, c.Command, c.ExitCode);
}
