using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using DaytonaPS.Emulator.Infrastructure;
using DaytonaPS.Emulator.Runtime;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// The daemon's PTY routes (pkg/toolbox/process/pty): /process/pty create/list,
/// /process/pty/{sessionId} get/delete, /resize, the /connect WebSocket, and the single
/// round-trip /process/pty/create-connect WebSocket that the TypeScript SDK 0.218 uses.
/// </summary>
/// <remarks>
/// WebSocket protocol (as the daemon and the SDK speak it): the server first sends the text
/// control message {"type":"control","status":"connected"}, then terminal output as binary
/// frames as it arrives; every client frame (text or binary) is typed into the terminal. When
/// the process ends, a client that offered the subprotocol X-Daytona-Pty-Exit-Control gets
/// {"type":"control","status":"exited","exitCode":N,"exitReason":...}; every client then gets a
/// close frame, 1000 for exit code 0 and 1011 otherwise, whose reason is {"exitCode":N,"exitReason":...}.
/// A session that cannot be attached gets {"type":"control","status":"error","error":...} and a close.
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class PtyEndpoints
{
    public const string ExitControlSubprotocol = "X-Daytona-Pty-Exit-Control";
    private const string EnvsSubprotocolPrefix = "X-Daytona-Pty-Envs~";
    private const int ReadLimit = 64 * 1024;

    /// <summary>The PTY sessions of each sandbox (they end with the sandbox's processes when it stops).</summary>
    private static readonly ConditionalWeakTable<SandboxRuntime, ConcurrentDictionary<string, PtySession>> Registry = new();

    public sealed record CreateRequest(string? Id, string? Cwd, Dictionary<string, string>? Envs, int? Cols, int? Rows, bool LazyStart);

    public sealed record ResizeRequest(int? Cols, int? Rows);

    public static void Map(RouteGroupBuilder group)
    {
        group.MapPost("/process/pty", (Func<HttpContext, Task<IResult>>)Create);
        group.MapGet("/process/pty", (HttpContext http) =>
            Results.Json(new { sessions = Sessions(http.Sandbox()).Values.OrderBy(s => s.CreatedAt).Select(Info) }, JsonDefaults.Options));
        group.MapGet("/process/pty/create-connect", (Func<HttpContext, Task<IResult>>)CreateConnect);
        group.MapGet("/process/pty/{sessionId}", (HttpContext http, string sessionId) =>
            Sessions(http.Sandbox()).TryGetValue(sessionId, out var s) ? Results.Json(Info(s), JsonDefaults.Options) : throw NotFound());
        group.MapDelete("/process/pty/{sessionId}", (HttpContext http, string sessionId) =>
        {
            if (!Sessions(http.Sandbox()).TryRemove(sessionId, out var s)) throw NotFound();
            s.Kill();
            return Results.Json(new { message = "PTY session deleted" }, JsonDefaults.Options);
        });
        group.MapPost("/process/pty/{sessionId}/resize", (Func<HttpContext, string, Task<IResult>>)Resize);
        group.MapGet("/process/pty/{sessionId}/connect", (Func<HttpContext, string, Task<IResult>>)Connect);
    }

    private static ConcurrentDictionary<string, PtySession> Sessions(SandboxRecord sandbox) =>
        Registry.GetValue(sandbox.Runtime, _ => new ConcurrentDictionary<string, PtySession>(StringComparer.Ordinal));

    /// <summary>Registers a new session; it is forgotten once its process has ended (the daemon never restarts one).</summary>
    private static bool TryAdd(SandboxRecord sandbox, PtySession session)
    {
        var sessions = Sessions(sandbox);
        if (!sessions.TryAdd(session.Id, session)) return false;
        _ = session.Exit.ContinueWith(_ => sessions.TryRemove(new KeyValuePair<string, PtySession>(session.Id, session)), TaskScheduler.Default);
        return true;
    }

    private static ToolboxException NotFound() => new(404, "NOT_FOUND", "PTY session not found");

    private static object Info(PtySession s) => new
    {
        id = s.Id,
        cwd = s.Cwd,
        envs = s.Envs,
        cols = (int)s.Cols,
        rows = (int)s.Rows,
        // Go's time.Time marshals as RFC 3339 with nanoseconds.
        createdAt = s.CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
        active = s.Active,
        lazyStart = s.LazyStart,
    };

    private static async Task<IResult> Create(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<CreateRequest>(http);
        var sandbox = http.Sandbox();
        var session = NewSession(sandbox, request.Id, request.Cwd, request.Envs, request.Cols, request.Rows, request.LazyStart);
        if (!TryAdd(sandbox, session))
            throw ToolboxException.Conflict($"PTY session with ID '{session.Id}' already exists");
        if (!request.LazyStart)
        {
            try { StartShell(sandbox, session); }
            catch
            {
                Sessions(sandbox).TryRemove(session.Id, out _);
                throw;
            }
        }
        return Results.Json(new { sessionId = session.Id }, JsonDefaults.Options, statusCode: 201);
    }

    /// <summary>Validates a create request as the daemon does and applies its defaults (cwd = work dir, TERM, 80x24).</summary>
    private static PtySession NewSession(SandboxRecord sandbox, string? id, string? cwd, Dictionary<string, string>? envs, int? cols, int? rows, bool lazyStart)
    {
        if (!sandbox.Runtime.Container.RunsCommands) throw NoneRuntime.Unavailable();
        if (string.IsNullOrEmpty(id)) throw ToolboxException.BadRequest("session ID is required");
        if (cols is < 0 or > 1000) throw ToolboxException.BadRequest("invalid value for cols - must be less than 1000");
        if (rows is < 0 or > 1000) throw ToolboxException.BadRequest("invalid value for rows - must be less than 1000");
        var env = new Dictionary<string, string>(envs ?? [], StringComparer.Ordinal);
        if (!env.TryGetValue("TERM", out var term) || term.Length == 0) env["TERM"] = "xterm-256color";
        return new PtySession(id, string.IsNullOrEmpty(cwd) ? SandboxPaths.WorkDir : cwd, env, (ushort)(cols ?? 80), (ushort)(rows ?? 24), lazyStart);
    }

    /// <summary>Starts the daemon's PTY program, the user's shell as an interactive login shell, in the session's cwd.</summary>
    internal static void StartShell(SandboxRecord sandbox, PtySession session) =>
        StartOnTerminal(sandbox, session, ["/bin/bash", "-i", "-l"]);

    /// <summary>Starts argv on the session's terminal with a command's environment (the sandbox's, then the session's envs).</summary>
    internal static void StartOnTerminal(SandboxRecord sandbox, PtySession session, IReadOnlyList<string> argv)
    {
        if (sandbox.Runtime.Container is not ITerminalContainer container) throw NoneRuntime.Unavailable();
        var cwd = SandboxPaths.Normalize(session.Cwd);
        var hostCwd = sandbox.Runtime.Paths.Resolve(cwd).HostPath;
        if (!Directory.Exists(hostCwd)) throw ToolboxException.BadRequest($"chdir {session.Cwd}: no such file or directory");
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in sandbox.Runtime.BaseEnvironment()) environment[k] = v;
        foreach (var (k, v) in ToolboxEndpoints.CommandEnvironment(sandbox, session.Envs.ToDictionary())) environment[k] = v;
        // The launcher gives no working directory: the program starts from a `cd` into it.
        session.Start(container, environment.ToList(), ["/bin/bash", "-c", "cd -- \"$1\" || exit 1; shift; exec \"$@\"", "bash", cwd, .. argv]);
    }

    private static async Task<IResult> Resize(HttpContext http, string sessionId)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<ResizeRequest>(http);
        if (request.Cols is null or < 1 || request.Rows is null or < 1) throw ToolboxException.BadRequest("cols and rows are required (1 to 1000)");
        if (request.Cols > 1000) throw ToolboxException.BadRequest("cols must be less than 1000");
        if (request.Rows > 1000) throw ToolboxException.BadRequest("rows must be less than 1000");
        if (!Sessions(http.Sandbox()).TryGetValue(sessionId, out var session))
            throw new ToolboxException(410, "GONE", $"PTY session {sessionId} not found");
        try { session.Resize((ushort)request.Cols, (ushort)request.Rows); }
        catch (InvalidOperationException e) { throw new ToolboxException(410, "GONE", $"PTY session '{sessionId}' has terminated and cannot be resized: {e.Message}"); }
        return Results.Json(Info(session), JsonDefaults.Options);
    }

    private static async Task<IResult> Connect(HttpContext http, string sessionId)
    {
        if (!http.WebSockets.IsWebSocketRequest) throw ToolboxException.BadRequest("a WebSocket upgrade is required");
        var sandbox = http.Sandbox();
        using var socket = await AcceptAsync(http);
        string? error = null;
        PtyClient? client = null;
        if (!Sessions(sandbox).TryGetValue(sessionId, out var session)) error = $"PTY session {sessionId} not found";
        else if (!session.Active)
        {
            if (session.LazyStart && !session.Started)
            {
                // Attached first: output the shell writes at once (its prompt) must not be dropped.
                client = session.Attach();
                try { StartShell(sandbox, session); }
                catch (Exception e) when (e is ToolboxException or IOException or InvalidOperationException or System.ComponentModel.Win32Exception) { error = "failed to start PTY session: " + e.Message; }
            }
            else error = $"PTY session '{sessionId}' has terminated and is no longer available";
        }
        if (error is not null || session is null)
        {
            if (client is not null) session?.Detach(client);
            await RefuseAsync(socket, "Failed to connect to PTY session: " + error, http.RequestAborted);
            return Results.Empty;
        }
        await ServeAsync(http, socket, session, WantsExitControl(http), client);
        return Results.Empty;
    }

    private static async Task<IResult> CreateConnect(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest) throw ToolboxException.BadRequest("a WebSocket upgrade is required");
        var sandbox = http.Sandbox();
        var query = http.Request.Query;
        var envs = EnvsFromSubprotocols(http);
        var session = NewSession(sandbox, query["id"], query["cwd"], envs, QueryInt(query["cols"].ToString()), QueryInt(query["rows"].ToString()), lazyStart: false);
        using var socket = await AcceptAsync(http);
        if (!TryAdd(sandbox, session))
        {
            await RefuseAsync(socket, $"PTY session with ID '{session.Id}' already exists", http.RequestAborted);
            return Results.Empty;
        }
        var attached = session.Attach();
        try { StartShell(sandbox, session); }
        catch (Exception e) when (e is ToolboxException or IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            session.Detach(attached);
            Sessions(sandbox).TryRemove(session.Id, out _);
            await RefuseAsync(socket, "failed to start PTY session: " + e.Message, http.RequestAborted);
            return Results.Empty;
        }
        await ServeAsync(http, socket, session, WantsExitControl(http), attached);
        return Results.Empty;
    }

    private static int? QueryInt(string raw) =>
        raw.Length == 0 ? null : int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw ToolboxException.BadRequest($"invalid number '{raw}'");

    /// <summary>Envs the SDK sends as a subprotocol token: base64url (no padding) of a JSON object.</summary>
    private static Dictionary<string, string>? EnvsFromSubprotocols(HttpContext http)
    {
        var token = http.WebSockets.WebSocketRequestedProtocols.FirstOrDefault(p => p.StartsWith(EnvsSubprotocolPrefix, StringComparison.Ordinal));
        if (token is null) return null;
        var b64 = token[EnvsSubprotocolPrefix.Length..].Replace('-', '+').Replace('_', '/');
        b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
        try { return JsonSerializer.Deserialize<Dictionary<string, string>>(Convert.FromBase64String(b64)); }
        catch (Exception e) when (e is FormatException or JsonException) { throw ToolboxException.BadRequest("invalid PTY envs: " + e.Message); }
    }

    private static bool WantsExitControl(HttpContext http) => http.WebSockets.WebSocketRequestedProtocols.Contains(ExitControlSubprotocol);

    /// <summary>Accepts echoing one offered subprotocol (the ws client fails without one): the exit-control token if offered.</summary>
    private static Task<WebSocket> AcceptAsync(HttpContext http)
    {
        var offered = http.WebSockets.WebSocketRequestedProtocols;
        var chosen = offered.Contains(ExitControlSubprotocol) ? ExitControlSubprotocol : offered.FirstOrDefault();
        return http.WebSockets.AcceptWebSocketAsync(chosen);
    }

    private static async Task RefuseAsync(WebSocket socket, string error, CancellationToken cancel)
    {
        try
        {
            await SendTextAsync(socket, JsonSerializer.Serialize(new { type = "control", status = "error", error }), cancel);
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", cancel);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException) { }
    }

    private static Task SendTextAsync(WebSocket socket, string text, CancellationToken cancel) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancel);

    /// <summary>Connected control message, output until the exit, then the exit; client frames are typed in meanwhile.</summary>
    /// <param name="client">A client attached before the shell started (so none of its output is lost), or null to attach now.</param>
    private static async Task ServeAsync(HttpContext http, WebSocket socket, PtySession session, bool exitControl, PtyClient? client = null)
    {
        client ??= session.Attach();
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var input = PumpInputAsync(socket, session, gone);
        try
        {
            await SendTextAsync(socket, """{"type":"control","status":"connected"}""", gone.Token);
            await foreach (var chunk in client.Output.ReadAllAsync(gone.Token))
                await socket.SendAsync(chunk, WebSocketMessageType.Binary, true, gone.Token);
            var code = client.ExitCode ?? 0;
            var reason = ExitReason(code);
            if (exitControl)
                await SendTextAsync(socket, JsonSerializer.Serialize(new { type = "control", status = "exited", exitCode = code, exitReason = reason }), gone.Token);
            var close = reason is null ? JsonSerializer.Serialize(new { exitCode = code }) : JsonSerializer.Serialize(new { exitCode = code, exitReason = reason });
            await socket.CloseOutputAsync(code == 0 ? WebSocketCloseStatus.NormalClosure : WebSocketCloseStatus.InternalServerError, close, gone.Token);
            await Task.WhenAny(input, Task.Delay(TimeSpan.FromSeconds(5)));
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            // The client went away; the session goes on for other clients (as the daemon's does).
        }
        finally
        {
            session.Detach(client);
            gone.Cancel();
        }
    }

    /// <summary>The daemon's wording of an exit (none for 0).</summary>
    internal static string? ExitReason(int code) => code switch
    {
        0 => null,
        130 => "Ctrl+C",
        137 => "SIGKILL",
        143 => "SIGTERM",
        > 128 => $"signal {code - 128}",
        _ => "non-zero exit",
    };

    private static async Task PumpInputAsync(WebSocket socket, PtySession session, CancellationTokenSource gone)
    {
        var buffer = new byte[ReadLimit];
        try
        {
            while (true)
            {
                var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer, gone.Token);
                    if (result.MessageType == WebSocketMessageType.Close) return;
                    message.Write(buffer, 0, result.Count);
                    if (message.Length > ReadLimit) { gone.Cancel(); return; }
                }
                while (!result.EndOfMessage);
                try { session.Write(message.GetBuffer().AsSpan(0, (int)message.Length)); }
                catch (Exception e) when (e is InvalidOperationException or IOException) { return; }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException) { }
        finally
        {
            // A client that closed or dropped: stop sending to it.
            if (socket.State is not WebSocketState.Open and not WebSocketState.CloseSent) gone.Cancel();
        }
    }
}
