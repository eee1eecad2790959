using System.Globalization;
using System.Text.RegularExpressions;

namespace DaytonaPS.Emulator.Infrastructure;

/// <summary>
/// Daytona's named throttlers (@nestjs/throttler 6): fixed 60 s windows per throttler for the one
/// organization, X-RateLimit-{Limit,Remaining,Reset}-NAME on every response of a throttled route,
/// Retry-After-NAME and 429 "ThrottlerException: Too Many Requests" when blocked.
/// </summary>
public sealed partial class RateLimiter(FaultSettings settings)
{
    public const int WindowSeconds = 60;

    private readonly object _sync = new();
    private readonly Dictionary<string, (DateTime Start, int Count)> _windows = new(StringComparer.Ordinal);

    /// <summary>Which throttler guards a request: sandbox-create, sandbox-lifecycle or authenticated.</summary>
    public static string ThrottlerFor(string method, string path)
    {
        if (HttpMethods.IsPost(method) && (CreatePath().IsMatch(path) || ForkPath().IsMatch(path))) return "sandbox-create";
        if (HttpMethods.IsDelete(method) && SandboxPath().IsMatch(path)) return "sandbox-lifecycle";
        if (HttpMethods.IsPost(method) && LifecyclePath().IsMatch(path)) return "sandbox-lifecycle";
        return "authenticated";
    }

    /// <summary>Counts one request; returns false when over the limit. Limit 0 means unlimited.</summary>
    public bool TryAcquire(string throttler, out int limit, out int remaining, out int resetSeconds)
    {
        limit = settings.Current.RateLimits.TryGetValue(throttler, out var l) ? l : 0;
        remaining = 0;
        resetSeconds = 0;
        if (limit <= 0) return true;
        var now = DateTime.UtcNow;
        lock (_sync)
        {
            if (!_windows.TryGetValue(throttler, out var w) || now - w.Start >= TimeSpan.FromSeconds(WindowSeconds))
                w = (now, 0);
            resetSeconds = Math.Max(1, (int)Math.Ceiling((w.Start.AddSeconds(WindowSeconds) - now).TotalSeconds));
            if (w.Count >= limit)
            {
                _windows[throttler] = w;
                return false;
            }
            w.Count++;
            _windows[throttler] = w;
            remaining = limit - w.Count;
            return true;
        }
    }

    /// <summary>Forgets the counts (after the limits change).</summary>
    public void Reset()
    {
        lock (_sync) _windows.Clear();
    }

    public static void AddHeaders(HttpResponse response, string throttler, int limit, int remaining, int resetSeconds)
    {
        response.Headers[$"X-RateLimit-Limit-{throttler}"] = limit.ToString(CultureInfo.InvariantCulture);
        response.Headers[$"X-RateLimit-Remaining-{throttler}"] = remaining.ToString(CultureInfo.InvariantCulture);
        response.Headers[$"X-RateLimit-Reset-{throttler}"] = resetSeconds.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The 429 reply: suffixed headers (as @nestjs/throttler 6 sends for named throttlers) and Daytona's body.</summary>
    public static Task WriteThrottledAsync(HttpContext http, string throttler, int limit, int resetSeconds)
    {
        http.Response.Clear();
        AddHeaders(http.Response, throttler, limit, 0, resetSeconds);
        http.Response.Headers[$"Retry-After-{throttler}"] = resetSeconds.ToString(CultureInfo.InvariantCulture);
        return DaytonaErrors.WriteAsync(http, 429, "ThrottlerException: Too Many Requests");
    }

    [GeneratedRegex("^/api/sandbox/?$")]
    private static partial Regex CreatePath();

    [GeneratedRegex("^/api/sandbox/[^/]+/fork/?$")]
    private static partial Regex ForkPath();

    [GeneratedRegex("^/api/sandbox/[^/]+/?$")]
    private static partial Regex SandboxPath();

    [GeneratedRegex("^/api/sandbox/[^/]+/(start|stop|archive|recover|resize|pause)/?$")]
    private static partial Regex LifecyclePath();
}

/// <summary>Applies the throttlers to authenticated /api requests (after auth, like Daytona's guards).</summary>
public sealed class RateLimitMiddleware(RequestDelegate next, EmulatorContext context)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var path = http.Request.Path;
        if (!path.StartsWithSegments("/api") || AuthMiddleware.IsAnonymous(path))
        {
            await next(http);
            return;
        }
        var throttler = RateLimiter.ThrottlerFor(http.Request.Method, path.Value ?? "");
        if (!context.RateLimiter.TryAcquire(throttler, out var limit, out var remaining, out var reset))
        {
            await RateLimiter.WriteThrottledAsync(http, throttler, limit, reset);
            return;
        }
        if (limit > 0)
        {
            // OnStarting, so the headers survive an error body that clears the response.
            http.Response.OnStarting(() =>
            {
                RateLimiter.AddHeaders(http.Response, throttler, limit, remaining, reset);
                return Task.CompletedTask;
            });
        }
        await next(http);
    }
}
