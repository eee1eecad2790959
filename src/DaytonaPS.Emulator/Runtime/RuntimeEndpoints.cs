using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Runtime;

/// <summary>GET /_emulator/runtime: which runtime this emulator chose and what its sandboxes get.</summary>
public static class RuntimeEndpoints
{
    public static void Map(RouteGroupBuilder admin) =>
        admin.MapGet("/runtime", (EmulatorContext ctx) => Results.Json(ctx.Runtime.Info, JsonDefaults.Options));
}
