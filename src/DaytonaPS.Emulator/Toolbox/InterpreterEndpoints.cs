using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// /process/interpreter/*: stateful Python contexts (create, list, delete) and execute over a
/// WebSocket, as the daemon has them: the client sends one JSON request {code, contextId?,
/// timeout?, envs?}, receives {type, text, name, value, traceback} chunks (stdout, stderr, error,
/// control) and a close: 1000 when the code ended, 4008 at its timeout, 1001 when the worker
/// ended; a bad request is a close 1002/1008 with the reason.
/// </summary>
public static class InterpreterEndpoints
{
    /// <summary>The daemon's default when the request has no timeout (0 means none).</summary>
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The daemon's close code for an execution that hit its timeout.</summary>
    internal const int TimeoutCloseCode = 4008;

    public sealed record CreateContextRequest(string? Cwd, string? Language);

    public sealed record ContextInfo(string Id, string Cwd, string CreatedAt, bool Active, string Language);

    private sealed record ExecuteRequest(string? Code, string? ContextId, long? Timeout, Dictionary<string, string>? Envs);

    public static void Map(RouteGroupBuilder group)
    {
        group.MapPost("/process/interpreter/context", (Func<HttpContext, Task<IResult>>)CreateAsync);
        group.MapGet("/process/interpreter/context", (HttpContext http) =>
            Results.Json(new { contexts = http.Sandbox().Runtime.Interpreters.List().Where(c => c.Id != InterpreterManager.DefaultId).Select(Info) }, JsonDefaults.Options));
        group.MapDelete("/process/interpreter/context/{id}", (HttpContext http, string id) =>
        {
            if (id == InterpreterManager.DefaultId) throw ToolboxException.BadRequest("cannot delete default context");
            if (!http.Sandbox().Runtime.Interpreters.Delete(id))
                throw new ToolboxException(404, "PROCESS_NOT_FOUND", $"context with ID '{id}' not found");
            return Results.Json(new { message = "Context deleted successfully" }, JsonDefaults.Options);
        });
        group.MapGet("/process/interpreter/execute", (Func<HttpContext, Task<IResult>>)ExecuteAsync);
    }

    private static ContextInfo Info(InterpreterContext c) =>
        new(c.Id, c.Cwd, c.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'"), c.Active, c.Language);

    private static async Task<IResult> CreateAsync(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<CreateContextRequest>(http);
        var language = request.Language ?? "python";
        if (language != "python") throw ToolboxException.BadRequest($"unsupported language: {language} (only 'python' is supported currently)");
        var sandbox = http.Sandbox();
        var cwd = string.IsNullOrEmpty(request.Cwd) ? SandboxPaths.WorkDir : request.Cwd;
        try
        {
            var context = sandbox.Runtime.Interpreters.Create(cwd, ToolboxEndpoints.CommandEnvironment(sandbox));
            return Results.Json(Info(context), JsonDefaults.Options);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            throw new ToolboxException(500, "INTERNAL_SERVER_ERROR", "failed to start context: " + e.Message);
        }
    }

    private static async Task<IResult> ExecuteAsync(HttpContext http)
    {
        // As the daemon: a request that is not a WebSocket upgrade is a bare 400.
        if (!http.WebSockets.IsWebSocketRequest) return Results.StatusCode(400);
        var sandbox = http.Sandbox();
        var offered = http.WebSockets.WebSocketRequestedProtocols.FirstOrDefault();
        using var socket = await http.WebSockets.AcceptWebSocketAsync(offered);
        var ct = http.RequestAborted;
        try
        {
            var payload = await ReceiveTextAsync(socket, ct);
            if (payload is null) return await CloseAsync(socket, WebSocketCloseStatus.ProtocolError, "failed to read first message");
            ExecuteRequest? request;
            try
            {
                request = JsonSerializer.Deserialize<ExecuteRequest>(payload, JsonDefaults.Options);
            }
            catch (JsonException)
            {
                request = null;
            }
            if (request is null) return await CloseAsync(socket, WebSocketCloseStatus.ProtocolError, "invalid JSON payload");
            if (string.IsNullOrEmpty(request.Code)) return await CloseAsync(socket, WebSocketCloseStatus.PolicyViolation, "code is required");
            if (request.Timeout < 0) return await CloseAsync(socket, WebSocketCloseStatus.PolicyViolation, "timeout must be greater than or equal to 0");
            var timeout = request.Timeout is { } seconds ? TimeSpan.FromSeconds(seconds) : DefaultTimeout;

            InterpreterContext context;
            var interpreters = sandbox.Runtime.Interpreters;
            if (request.ContextId is null)
            {
                try
                {
                    context = interpreters.GetOrCreateDefault(SandboxPaths.WorkDir, ToolboxEndpoints.CommandEnvironment(sandbox));
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
                {
                    return await CloseAsync(socket, WebSocketCloseStatus.InternalServerError, "failed to get default context: " + e.Message);
                }
            }
            else if (!interpreters.TryGet(request.ContextId, out context))
            {
                return await CloseAsync(socket, WebSocketCloseStatus.PolicyViolation, "context not found: " + request.ContextId);
            }

            // Chunks come from the worker's reader thread; one loop sends them in order.
            var chunks = Channel.CreateUnbounded<InterpreterChunk>(new UnboundedChannelOptions { SingleReader = true });
            var sender = SendAllAsync(socket, chunks.Reader, ct);
            InterpreterOutcome outcome;
            try
            {
                outcome = await context.ExecuteAsync(request.Code, request.Envs, timeout, chunk => chunks.Writer.TryWrite(chunk), ct);
            }
            catch (InvalidOperationException)
            {
                outcome = InterpreterOutcome.WorkerEnded; // deleted while waiting for its turn
            }
            catch (Exception e) when ((e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception) && !ct.IsCancellationRequested)
            {
                // The ended worker could not be started again (e.g. its cwd is gone).
                chunks.Writer.TryComplete();
                await sender;
                return await CloseAsync(socket, WebSocketCloseStatus.InternalServerError, "failed to restart context: " + e.Message);
            }
            finally
            {
                chunks.Writer.TryComplete();
            }
            await sender;
            return outcome switch
            {
                InterpreterOutcome.Completed => await CloseAsync(socket, WebSocketCloseStatus.NormalClosure, ""),
                InterpreterOutcome.WorkerEnded => await CloseAsync(socket, WebSocketCloseStatus.EndpointUnavailable, "worker process ended"),
                _ => await CloseAsync(socket, (WebSocketCloseStatus)TimeoutCloseCode, ""),
            };
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            return Results.Empty; // the client went away
        }
    }

    private static async Task SendAllAsync(WebSocket socket, ChannelReader<InterpreterChunk> chunks, CancellationToken ct)
    {
        await foreach (var chunk in chunks.ReadAllAsync(CancellationToken.None))
        {
            if (socket.State != WebSocketState.Open) continue; // keep draining: the job runs on
            try
            {
                await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(chunk, JsonDefaults.Options), WebSocketMessageType.Text, true, ct);
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException) { }
        }
    }

    private static async Task<string?> ReceiveTextAsync(WebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return Encoding.UTF8.GetString(message.ToArray());
        }
    }

    /// <summary>Sends a close frame and waits (briefly) for the client's.</summary>
    private static async Task<IResult> CloseAsync(WebSocket socket, WebSocketCloseStatus status, string reason)
    {
        if (socket.State == WebSocketState.Open)
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await socket.CloseOutputAsync(status, reason, wait.Token);
                var buffer = new byte[1024];
                while (socket.State == WebSocketState.CloseSent)
                {
                    if ((await socket.ReceiveAsync(buffer, wait.Token)).MessageType == WebSocketMessageType.Close) break;
                }
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException) { }
        }
        return Results.Empty;
    }
}
