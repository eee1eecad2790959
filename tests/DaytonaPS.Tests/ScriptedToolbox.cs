using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DaytonaPS.Tests;

/// <summary>
/// A toolbox with a script for its exec calls, for what the emulator's random faults cannot show
/// deterministically: one 429, 503, 500 or reset on exactly the exec request, a restart that ends
/// every session, and what the client does next (retries, the sessions it ends or reuses). One
/// started sandbox, <see cref="SandboxId"/> (new for each instance: the module's session pool is
/// process-wide, by toolbox URL, and a later instance may get the same port); everything it
/// receives is recorded.
/// </summary>
public sealed class ScriptedToolbox : IAsyncDisposable
{
    public string SandboxId { get; } = "sb-" + Guid.NewGuid().ToString("N").Substring(0, 8);

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, bool> _sessions = new();
    private int _commands;

    /// <summary>What the next exec requests get, in order; when empty, a success.</summary>
    public ConcurrentQueue<ExecStep> ExecSteps { get; } = new();

    public ConcurrentQueue<(string Method, string Path, string Body, int Status, DateTime At)> Requests { get; } = new();

    public string ApiUrl { get; private set; } = string.Empty;

    private ScriptedToolbox(WebApplication app) => _app = app;

    /// <summary>One scripted exec answer. <see cref="Abort"/>: the request is read, then the connection dropped with no reply.</summary>
    public sealed record ExecStep(int Status = 200, string? Body = null, (string Name, string Value)[]? Headers = null, bool Abort = false, int DelayMs = 0)
    {
        public static ExecStep Reply(int status, string message, params (string, string)[] headers) =>
            new(status, JsonSerializer.Serialize(new { statusCode = status, message, code = "X", source = "DAYTONA_PROXY" }), headers);
    }

    public static async Task<ScriptedToolbox> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.UseWebSockets();
        var self = new ScriptedToolbox(app);
        app.Map("/{**path}", self.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        self.ApiUrl = address + "/api";
        return self;
    }

    /// <summary>The sandbox restarted: every session it had is gone.</summary>
    public void Restart() => _sessions.Clear();

    public int Count(string method, string pathEnd) => Requests.Count(r => r.Method == method && r.Path.EndsWith(pathEnd, StringComparison.Ordinal));

    private string ToolboxBase(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}/toolbox";

    private async Task HandleAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        var body = "";
        if (http.Request.ContentLength > 0 || http.Request.Headers.TransferEncoding.Count > 0)
            body = await new StreamReader(http.Request.Body).ReadToEndAsync();
        var status = await AnswerAsync(http, path, body);
        Requests.Enqueue((http.Request.Method, path, body, status, DateTime.UtcNow));
    }

    private async Task<int> AnswerAsync(HttpContext http, string path, string body)
    {
        var method = http.Request.Method;
        var prefix = "/toolbox/" + SandboxId;
        if (method == "GET" && path == "/api/sandbox/" + SandboxId)
            return await JsonAsync(http, 200, new { id = SandboxId, name = SandboxId, state = "started", toolboxProxyUrl = ToolboxBase(http), labels = new Dictionary<string, string>() });
        if (!path.StartsWith(prefix, StringComparison.Ordinal)) return await JsonAsync(http, 404, new { statusCode = 404, message = "no route " + path });
        var rest = path.Substring(prefix.Length);

        if (method == "POST" && rest == "/process/session")
        {
            var id = JsonDocument.Parse(body).RootElement.GetProperty("sessionId").GetString()!;
            if (!_sessions.TryAdd(id, true)) return await JsonAsync(http, 409, new { statusCode = 409, message = "session already exists" });
            http.Response.StatusCode = 201;
            return 201;
        }
        var parts = rest.Split('/', StringSplitOptions.RemoveEmptyEntries); // process session {sid} ...
        if (parts.Length < 3 || parts[0] != "process" || parts[1] != "session") return await JsonAsync(http, 404, new { statusCode = 404, message = "no route" });
        var session = parts[2];
        if (!_sessions.ContainsKey(session)) return await JsonAsync(http, 404, new { statusCode = 404, message = "session not found", source = "DAYTONA_DAEMON" });

        if (method == "DELETE" && parts.Length == 3)
        {
            _sessions.TryRemove(session, out _);
            http.Response.StatusCode = 204;
            return 204;
        }
        if (method == "POST" && parts.Length == 4 && parts[3] == "exec")
        {
            var runAsync = JsonDocument.Parse(body).RootElement.TryGetProperty("runAsync", out var ra) && ra.GetBoolean();
            if (ExecSteps.TryDequeue(out var step))
            {
                if (step.DelayMs > 0) await Task.Delay(step.DelayMs);
                if (step.Abort)
                {
                    http.Abort();
                    return -1;
                }
                if (step.Body is not null)
                {
                    foreach (var (name, value) in step.Headers ?? Array.Empty<(string, string)>()) http.Response.Headers[name] = value;
                    http.Response.StatusCode = step.Status;
                    http.Response.ContentType = "application/json";
                    await http.Response.WriteAsync(step.Body);
                    return step.Status;
                }
            }
            var cmdId = "cmd-" + Interlocked.Increment(ref _commands);
            return runAsync
                ? await JsonAsync(http, 202, new { cmdId })
                : await JsonAsync(http, 200, new { cmdId, output = "ok\n", stdout = "ok\n", stderr = "", exitCode = 0 });
        }
        if (method == "GET" && parts.Length == 5 && parts[3] == "command")
            return await JsonAsync(http, 200, new { id = parts[4], command = "x", exitCode = 0 });
        if (method == "GET" && parts.Length == 6 && parts[5] == "logs" && http.WebSockets.IsWebSocketRequest)
        {
            using var socket = await http.WebSockets.AcceptWebSocketAsync();
            await socket.SendAsync(new byte[] { 1, 1, 1 }.Concat(Encoding.UTF8.GetBytes("streamed\n")).ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None);
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
            return 101;
        }
        return await JsonAsync(http, 404, new { statusCode = 404, message = "no route " + path });
    }

    private static async Task<int> JsonAsync(HttpContext http, int status, object value)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(JsonSerializer.Serialize(value));
        return status;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
