using System.Globalization;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Api;

/// <summary>/api/snapshots: page-based list, get by id or name, create, delete, (de)activate.</summary>
internal static class SnapshotEndpoints
{
    private static readonly string[] SortFields = ["name", "state", "lastUsedAt", "createdAt"];

    public static void Map(WebApplication app)
    {
        var g = app.MapGroup("/api/snapshots");
        var store = (EmulatorContext ctx) => ctx.Snapshots;

        g.MapGet("", (HttpContext http, EmulatorContext ctx) =>
        {
            var q = http.Request.Query;
            var page = Int(q["page"], "page", 1, int.MaxValue) ?? 1;
            var limit = Int(q["limit"], "limit", 1, 200) ?? 100;
            var sort = q["sort"].FirstOrDefault() ?? "lastUsedAt";
            if (!SortFields.Contains(sort)) throw new DaytonaHttpException(400, $"sort must be one of the following values: {string.Join(", ", SortFields)}");
            var order = q["order"].FirstOrDefault() ?? "desc";
            if (order is not ("asc" or "desc")) throw new DaytonaHttpException(400, "order must be one of the following values: asc, desc");
            var name = q["name"].FirstOrDefault();

            var all = store(ctx).All.Where(s => string.IsNullOrEmpty(name) || s.Name.Contains(name, StringComparison.OrdinalIgnoreCase));
            Func<SnapshotRecord, string> key = sort switch
            {
                "name" => s => s.Name,
                "state" => s => s.State,
                "createdAt" => s => s.CreatedAt.Ticks.ToString("D20", CultureInfo.InvariantCulture),
                _ => s => (s.LastUsedAt ?? DateTime.MinValue).Ticks.ToString("D20", CultureInfo.InvariantCulture),
            };
            var sorted = (order == "asc" ? all.OrderBy(key, StringComparer.Ordinal) : all.OrderByDescending(key, StringComparer.Ordinal))
                .ThenBy(s => s.Id, StringComparer.Ordinal).ToList();
            return SandboxEndpoints.Json(new
            {
                items = sorted.Skip((page - 1) * limit).Take(limit).Select(store(ctx).ToDto).ToList(),
                total = sorted.Count,
                page,
                totalPages = (int)Math.Ceiling(sorted.Count / (double)limit),
            });
        });

        // Catch-all so names with '/' work whether or not the client encodes them.
        g.MapGet("/{**idOrName}", (string idOrName, EmulatorContext ctx) =>
            SandboxEndpoints.Json(store(ctx).ToDto(store(ctx).Get(idOrName))));

        g.MapPost("", async (HttpContext http, EmulatorContext ctx) =>
        {
            var body = await JsonBody.ReadAsync<CreateSnapshotRequest>(http);
            return SandboxEndpoints.Json(store(ctx).ToDto(store(ctx).Create(body)));
        });

        g.MapDelete("/{id}", (string id, EmulatorContext ctx) =>
        {
            var snapshot = store(ctx).Get(id);
            if (snapshot.General) throw new DaytonaHttpException(403, "Cannot delete a general snapshot");
            store(ctx).Remove(snapshot);
            return Results.Ok();
        });

        g.MapPost("/{id}/activate", (string id, EmulatorContext ctx) =>
        {
            var snapshot = store(ctx).Get(id);
            lock (store(ctx).Sync)
            {
                if (snapshot.State == "active") throw new DaytonaHttpException(400, "Snapshot is already active");
                if (snapshot.State != "inactive") throw new DaytonaHttpException(400, $"Snapshot cannot be activated - it is in {snapshot.State} state");
                snapshot.SetState("active");
            }
            return SandboxEndpoints.Json(store(ctx).ToDto(snapshot));
        });

        g.MapPost("/{id}/deactivate", (string id, EmulatorContext ctx) =>
        {
            var snapshot = store(ctx).Get(id);
            lock (store(ctx).Sync)
            {
                if (snapshot.State == "inactive") throw new DaytonaHttpException(400, "Snapshot is already inactive");
                snapshot.SetState("inactive");
            }
            return Results.NoContent();
        });

        g.MapGet("/{id}/build-logs-url", (string id, EmulatorContext ctx) =>
        {
            var snapshot = store(ctx).Get(id);
            return SandboxEndpoints.Json(new { url = $"{ctx.ApiUrl}/snapshots/{snapshot.Id}/build-logs" });
        });
        g.MapGet("/{id}/build-logs", async (string id, HttpContext http, EmulatorContext ctx) =>
        {
            var snapshot = store(ctx).Get(id);
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync($"Pulling {snapshot.ImageName ?? snapshot.Name} (emulated)\n", http.RequestAborted);
            while (http.Request.Query["follow"] == "true" && snapshot.State is "pending" or "pulling" or "building")
                await Task.Delay(100, http.RequestAborted);
            await http.Response.WriteAsync($"Snapshot is {snapshot.State}\n", http.RequestAborted);
        });
    }

    private static int? Int(string? raw, string name, int min, int max)
    {
        if (string.IsNullOrEmpty(raw)) return null;
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            throw new DaytonaHttpException(400, $"{name} must be a number conforming to the specified constraints");
        if (n < min) throw new DaytonaHttpException(400, $"{name} must not be less than {min}");
        if (n > max) throw new DaytonaHttpException(400, $"{name} must not be greater than {max}");
        return n;
    }
}
