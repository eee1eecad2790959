using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Api;

/// <summary>/api/volumes: list (no paging), create, get, by-name, delete (409 while mounted).</summary>
internal static class VolumeEndpoints
{
    public static void Map(WebApplication app)
    {
        var g = app.MapGroup("/api/volumes");

        g.MapGet("", (HttpContext http, EmulatorContext ctx) =>
        {
            var includeDeleted = http.Request.Query["includeDeleted"] == "true";
            return SandboxEndpoints.Json(ctx.Volumes.All(includeDeleted).Select(ctx.Volumes.ToDto).ToList());
        });
        g.MapPost("", async (HttpContext http, EmulatorContext ctx) =>
        {
            var body = await JsonBody.ReadAsync<CreateVolumeRequest>(http);
            return SandboxEndpoints.Json(ctx.Volumes.ToDto(ctx.Volumes.Create(body.Name)));
        });
        g.MapGet("/by-name/{name}", (string name, EmulatorContext ctx) =>
            SandboxEndpoints.Json(ctx.Volumes.ToDto(ctx.Volumes.GetByName(name))));
        g.MapGet("/{volumeId}", (string volumeId, EmulatorContext ctx) =>
            SandboxEndpoints.Json(ctx.Volumes.ToDto(ctx.Volumes.GetById(volumeId))));
        g.MapDelete("/{volumeId}", (string volumeId, EmulatorContext ctx) =>
        {
            ctx.Volumes.Delete(ctx.Volumes.GetById(volumeId), ctx.Store);
            return Results.Ok();
        });
    }
}
