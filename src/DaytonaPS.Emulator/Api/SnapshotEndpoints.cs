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

            var source = q["sourceSandboxId"].FirstOrDefault();
            var all = store(ctx).All.Where(s => (string.IsNullOrEmpty(name) || s.Name.Contains(name, StringComparison.OrdinalIgnoreCase))
                && (string.IsNullOrEmpty(source) || s.SourceSandboxId == source));
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

        // Delete, activate and deactivate take the id only (ParseUUIDPipe), never a name.
        g.MapDelete("/{id}", (string id, EmulatorContext ctx) =>
        {
            var snapshot = ById(ctx, id);
            if (snapshot.General) throw new DaytonaHttpException(403, "You cannot delete a general snapshot");
            store(ctx).Remove(snapshot);
            return Results.Ok();
        });

        g.MapPost("/{id}/activate", (string id, EmulatorContext ctx) =>
        {
            var snapshot = ById(ctx, id);
            lock (store(ctx).Sync)
            {
                if (snapshot.State == "active") throw new DaytonaHttpException(400, $"Snapshot {id} is already active");
                if (snapshot.State != "inactive") throw new DaytonaHttpException(400, $"Snapshot {id} cannot be activated - it is in {snapshot.State} state");
                // Daytona goes back to pending and the snapshot manager makes it active again.
                store(ctx).Reactivate(snapshot);
            }
            return SandboxEndpoints.Json(store(ctx).ToDto(snapshot));
        });

        g.MapPost("/{id}/deactivate", (string id, EmulatorContext ctx) =>
        {
            var snapshot = ById(ctx, id);
            // An inactive snapshot stays as it is (no error).
            lock (store(ctx).Sync) if (snapshot.State != "inactive") snapshot.SetState("inactive");
            return Results.NoContent();
        });

        g.MapGet("/{id}/build-logs-url", (string id, EmulatorContext ctx) =>
        {
            var snapshot = WithBuildInfo(ctx, id);
            return SandboxEndpoints.Json(new { url = $"{ctx.ApiUrl}/snapshots/{snapshot.Id}/build-logs" });
        });
        g.MapGet("/{id}/build-logs", async (string id, HttpContext http, EmulatorContext ctx) =>
        {
            var snapshot = WithBuildInfo(ctx, id);
            http.Response.ContentType = "text/plain; charset=utf-8";
            // An active snapshot's log is over: Daytona closes the reply at once.
            if (snapshot.State == "active") return;
            var follow = http.Request.Query["follow"] == "true";
            var sent = 0;
            while (true)
            {
                var building = snapshot.State is "pending" or "pulling" or "building";
                foreach (var line in snapshot.LogLines(sent))
                {
                    await http.Response.WriteAsync(line + "\n", http.RequestAborted);
                    sent++;
                }
                await http.Response.Body.FlushAsync(http.RequestAborted);
                if (!follow || !building) return;
                await Task.Delay(50, http.RequestAborted);
            }
        });
    }

    private static SnapshotRecord ById(EmulatorContext ctx, string id)
    {
        if (!Guid.TryParse(id, out _)) throw new DaytonaHttpException(400, "Validation failed (uuid is expected)");
        return ctx.Snapshots.GetById(id);
    }

    private static SnapshotRecord WithBuildInfo(EmulatorContext ctx, string id)
    {
        var snapshot = ctx.Snapshots.Get(id);
        if (snapshot.BuildInfo is null) throw new DaytonaHttpException(404, $"Snapshot {id} has no build info");
        return snapshot;
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
