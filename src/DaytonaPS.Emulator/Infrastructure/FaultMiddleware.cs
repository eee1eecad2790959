using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace DaytonaPS.Emulator.Infrastructure;

/// <summary>
/// Adds --latency-ms and injects faults (--fault-rate, --fault-kinds, --seed) on /api and
/// /toolbox requests. Never on /_emulator (the admin endpoint must stay reachable), /api/config
/// or /api/health (so clients and readiness probes can always discover the emulator).
/// An injected fault replaces the request: the handler does not run, so nothing changes state.
/// Except ws-drop (log-follow WebSockets only): the handler runs and drops the socket mid-stream;
/// and lost-reply (never WebSockets): the handler runs to the end, so the sandbox is created,
/// deleted, its command run, ..., and then the connection drops before any byte of the reply.
/// A targeted fault (POST /_emulator/faults/next) is taken before the random draw.
/// </summary>
public sealed class FaultMiddleware(RequestDelegate next, EmulatorContext context)
{
    /// <summary>HttpContext.Items key telling a log-follow WebSocket to drop mid-stream.</summary>
    public const string WsDropItem = "daytona.fault.ws-drop";

    public async Task InvokeAsync(HttpContext http)
    {
        var path = http.Request.Path;
        var applies = (path.StartsWithSegments("/api") && !AuthMiddleware.IsAnonymous(path)) || path.StartsWithSegments("/toolbox");
        if (!applies)
        {
            await next(http);
            return;
        }

        var settings = context.Faults.Current;
        try
        {
            if (settings.LatencyMs > 0) await Task.Delay(settings.LatencyMs, http.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var webSocket = http.WebSockets.IsWebSocketRequest;
        var logFollowSocket = webSocket && http.Request.Query["follow"] == "true"
            && (path.Value ?? "").EndsWith("/logs", StringComparison.Ordinal);
        var fault = context.Faults.TakeTargeted(http.Request.Method, path.Value ?? "", webSocket, logFollowSocket)
            ?? context.Faults.NextFault(webSocket, logFollowSocket);
        switch (fault)
        {
            case null:
                await next(http);
                break;
            case FaultSettings.WsDrop:
                // The log endpoint sends part of the stream, then drops the connection (no close frame).
                http.Items[WsDropItem] = true;
                await next(http);
                break;
            case FaultSettings.LostReply:
                await LoseReplyAsync(http);
                break;
            case "500":
                await DaytonaErrors.WriteAsync(http, 500, "An unexpected error occurred.");
                break;
            case "503":
                await DaytonaErrors.WriteAsync(http, 503, "Service Unavailable");
                break;
            case "429":
                var throttler = RateLimiter.ThrottlerFor(http.Request.Method, path.Value ?? "");
                var limit = settings.RateLimits.TryGetValue(throttler, out var l) && l > 0 ? l : 100;
                // Not a real window: a short, configurable Retry-After (--fault-retry-after, admin retryAfterSec).
                await RateLimiter.WriteThrottledAsync(http, throttler, limit, settings.RetryAfterSec);
                break;
            case "reset":
                await ResetMidResponseAsync(http);
                break;
            case "slow":
                try
                {
                    await Task.Delay(settings.SlowMs, http.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                await next(http);
                break;
        }
    }

    /// <summary>
    /// Runs the rest of the pipeline with the response going nowhere (not even its status line),
    /// then drops the connection: the client sees EOF or a reset, as when a reply is lost after
    /// the server acted. Whatever the handler answered, or threw, is lost with it.
    /// </summary>
    private async Task LoseReplyAsync(HttpContext http)
    {
        http.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null));
        try
        {
            await next(http);
        }
        catch (Exception)
        {
            // Lost with the reply.
        }
        http.Abort();
    }

    /// <summary>Sends headers and part of a body, then drops the connection (the client sees a reset).</summary>
    private static async Task ResetMidResponseAsync(HttpContext http)
    {
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.ContentLength = 4096;
        try
        {
            await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes("{\"id\":\"partial"), http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
        http.Abort();
    }
}
