namespace DaytonaPS.Emulator.Infrastructure;

/// <summary>Injects latency and faults (placeholder until the fault work lands: passes through).</summary>
public sealed class FaultMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext http) => next(http);
}
