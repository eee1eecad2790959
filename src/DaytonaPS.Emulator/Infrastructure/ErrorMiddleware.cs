using Microsoft.AspNetCore.Http;

namespace DaytonaPS.Emulator.Infrastructure;

/// <summary>
/// Daytona's global exception filter for /api and /_emulator: DaytonaHttpException -> its status
/// and message; bad requests -> 400; anything else -> 500 "An unexpected error occurred.".
/// Also turns routing's bodiless 405 into NestJS's 404 "Cannot METHOD /path".
/// (/toolbox keeps its own error handling and body shape.)
/// </summary>
public sealed class ErrorMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var path = http.Request.Path;
        if (!path.StartsWithSegments("/api") && !path.StartsWithSegments("/_emulator"))
        {
            await next(http);
            return;
        }
        try
        {
            await next(http);
            if (http.RequestAborted.IsCancellationRequested) return; // e.g. a lost-reply fault
            if (http.Response.StatusCode == 405 && !http.Response.HasStarted)
                await WriteAsync(http, 404, $"Cannot {http.Request.Method} {path}");
        }
        catch (DaytonaHttpException ex)
        {
            await WriteAsync(http, ex.Status, ex.Message);
        }
        catch (BadHttpRequestException ex)
        {
            await WriteAsync(http, ex.StatusCode, ex.Message);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception)
        {
            await WriteAsync(http, 500, "An unexpected error occurred.");
        }
    }

    private static async Task WriteAsync(HttpContext http, int status, string message)
    {
        if (http.Response.HasStarted)
        {
            http.Abort();
            return;
        }
        http.Response.Clear();
        await DaytonaErrors.WriteAsync(http, status, message);
    }
}
