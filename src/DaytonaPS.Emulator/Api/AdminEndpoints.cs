using System.Text.Json;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Api;

/// <summary>
/// /_emulator/*: change faults, latency and rate limits while running (behind the same bearer
/// auth as /api; never subject to faults or rate limits).
///   GET/PUT /_emulator/faults   {faultRate, faultKinds, latencyMs, seed, rateLimits, slowMs, retryAfterSec}
///                               PUT changes only the fields present; rateLimits merges per name.
///   POST    /_emulator/faults/next  {kind, method?, path?, count?}: the next `count` (default 1)
///                               requests matching method (default any) and path (a glob: '*' within
///                               a segment, '**' across; default any) get fault `kind`, whatever
///                               faultRate says and without drawing from the seed. 201 {the rule}.
///   GET     /_emulator/faults/next  the rules with uses left, in match order (count = uses left)
///   DELETE  /_emulator/faults/next  drops them all (204)
///   GET/PUT /_emulator/clock    {minuteMs, tickMs}: length of an auto-stop "minute", check period
///   POST    /_emulator/tick     runs the auto-stop/archive/delete/TTL check now
///   PUT     /_emulator/sandboxes/{idOrName}/error  {errorReason?, recoverable?}: put a sandbox in 'error'
///   PUT     /_emulator/sandboxes/{idOrName}/timestamps  {createdAt?, lastActivityAt?} (ISO 8601): backdate a
///                               sandbox, to try list filters and idle clean-ups; replies the sandbox
/// </summary>
public static class AdminEndpoints
{
    public static void Map(WebApplication app)
    {
        var g = app.MapGroup("/_emulator");
        Runtime.RuntimeEndpoints.Map(g);

        g.MapGet("/faults", (EmulatorContext ctx) => SandboxEndpoints.Json(View(ctx.Faults.Current)));

        g.MapPut("/faults", async (HttpContext http, EmulatorContext ctx) =>
        {
            var body = await ReadObjectAsync(http);
            var v = ctx.Faults.Current;
            var limitsChanged = false;
            foreach (var p in body.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "faultRate":
                        var rate = Number(p, 0, 1);
                        v = v with { FaultRate = rate };
                        break;
                    case "faultKinds":
                        v = v with { FaultKinds = Kinds(p.Value) };
                        break;
                    case "latencyMs":
                        v = v with { LatencyMs = (int)Number(p, 0, int.MaxValue) };
                        break;
                    case "slowMs":
                        v = v with { SlowMs = (int)Number(p, 0, int.MaxValue) };
                        break;
                    case "retryAfterSec":
                        v = v with { RetryAfterSec = (int)Number(p, 0, 86400) };
                        break;
                    case "seed":
                        v = v with { Seed = p.Value.ValueKind == JsonValueKind.Null ? null : (int)Number(p, 0, int.MaxValue) };
                        break;
                    case "rateLimits":
                        v = v with { RateLimits = Limits(v.RateLimits, p.Value) };
                        limitsChanged = true;
                        break;
                    default:
                        throw new DaytonaHttpException(400, $"property {p.Name} should not exist");
                }
            }
            ctx.Faults.Update(v);
            if (limitsChanged) ctx.RateLimiter.Reset();
            return SandboxEndpoints.Json(View(ctx.Faults.Current));
        });

        g.MapPost("/faults/next", async (HttpContext http, EmulatorContext ctx) =>
        {
            var rule = Targeted(await ReadObjectAsync(http));
            ctx.Faults.AddTargeted(rule);
            return SandboxEndpoints.Json(View(rule), 201);
        });
        g.MapGet("/faults/next", (EmulatorContext ctx) => SandboxEndpoints.Json(ctx.Faults.Targeted.Select(View).ToList()));
        g.MapDelete("/faults/next", (EmulatorContext ctx) =>
        {
            ctx.Faults.ClearTargeted();
            return Results.NoContent();
        });

        g.MapGet("/clock", (EmulatorContext ctx) => SandboxEndpoints.Json(Clock(ctx)));
        g.MapPut("/clock", async (HttpContext http, EmulatorContext ctx) =>
        {
            var body = await ReadObjectAsync(http);
            foreach (var p in body.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "minuteMs": ctx.Store.MinuteLength = TimeSpan.FromMilliseconds(Number(p, 1, int.MaxValue)); break;
                    case "tickMs": ctx.Store.TickInterval = TimeSpan.FromMilliseconds(Number(p, 1, int.MaxValue)); break;
                    default: throw new DaytonaHttpException(400, $"property {p.Name} should not exist");
                }
            }
            return SandboxEndpoints.Json(Clock(ctx));
        });
        g.MapPost("/tick", (EmulatorContext ctx) =>
        {
            ctx.Store.Tick(DateTime.UtcNow);
            return Results.NoContent();
        });

        g.MapPut("/sandboxes/{idOrName}/timestamps", async (string idOrName, HttpContext http, EmulatorContext ctx) =>
        {
            var body = await ReadObjectAsync(http);
            var s = SandboxEndpoints.Find(ctx, idOrName);
            var changes = new List<Action>();
            foreach (var p in body.EnumerateObject())
            {
                var at = Timestamp(p);
                switch (p.Name)
                {
                    case "createdAt": changes.Add(() => s.CreatedAt = at); break;
                    case "lastActivityAt": changes.Add(() => s.SetLastActivity(at)); break;
                    default: throw new DaytonaHttpException(400, $"property {p.Name} should not exist");
                }
            }
            lock (ctx.Store.Sync)
            {
                foreach (var change in changes) change();
            }
            return SandboxEndpoints.Reply(ctx, s);
        });

        g.MapPut("/sandboxes/{idOrName}/error", async (string idOrName, HttpContext http, EmulatorContext ctx) =>
        {
            var body = await ReadObjectAsync(http);
            var s = SandboxEndpoints.Find(ctx, idOrName);
            lock (ctx.Store.Sync)
            {
                s.Generation++; // cancels any transition in flight
                s.Pending = false;
                s.DesiredState = "started";
                s.ErrorReason = body.TryGetProperty("errorReason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : "Injected by the emulator";
                s.Recoverable = body.TryGetProperty("recoverable", out var rec) && rec.ValueKind == JsonValueKind.True;
                s.SetState("error");
            }
            s.Runtime.KillAll();
            return SandboxEndpoints.Reply(ctx, s);
        });
    }

    /// <summary>An ISO 8601 date-time property, in UTC.</summary>
    private static DateTime Timestamp(JsonProperty p) =>
        p.Value.ValueKind == JsonValueKind.String && DateTime.TryParse(p.Value.GetString(), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : throw new DaytonaHttpException(400, $"{p.Name} must be an ISO 8601 date string");

    private static object View(FaultSettings.Values v) => new
    {
        faultRate = v.FaultRate,
        faultKinds = v.FaultKinds,
        latencyMs = v.LatencyMs,
        seed = v.Seed,
        rateLimits = v.RateLimits,
        slowMs = v.SlowMs,
        retryAfterSec = v.RetryAfterSec,
    };

    private static object View(TargetedFault rule) => new
    {
        kind = rule.Kind,
        method = rule.Method,
        path = rule.Path,
        count = rule.Remaining,
    };

    private static TargetedFault Targeted(JsonElement body)
    {
        string? kind = null, method = null, path = null;
        var count = 1;
        foreach (var p in body.EnumerateObject())
        {
            switch (p.Name)
            {
                case "kind":
                    kind = p.Value.ValueKind switch
                    {
                        JsonValueKind.String => p.Value.GetString(),
                        JsonValueKind.Number => p.Value.GetRawText(),
                        _ => throw new DaytonaHttpException(400, "kind must be a string"),
                    };
                    break;
                case "method":
                    method = OptionalString(p);
                    break;
                case "path":
                    path = OptionalString(p);
                    if (path is not null && !path.StartsWith('/')) throw new DaytonaHttpException(400, "path must start with /");
                    break;
                case "count":
                    count = (int)Number(p, 1, int.MaxValue);
                    break;
                default:
                    throw new DaytonaHttpException(400, $"property {p.Name} should not exist");
            }
        }
        if (kind is null) throw new DaytonaHttpException(400, "kind should not be empty");
        var known = EmulatorOptions.KnownFaultKinds.FirstOrDefault(k => k.Equals(kind, StringComparison.OrdinalIgnoreCase))
            ?? throw new DaytonaHttpException(400, $"unknown fault kind '{kind}'; use {string.Join(", ", EmulatorOptions.KnownFaultKinds)}");
        return new TargetedFault(known, method is null or "*" ? null : method.ToUpperInvariant(), path, count);
    }

    private static string? OptionalString(JsonProperty p) => p.Value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => p.Value.GetString() is { Length: > 0 } text ? text : null,
        _ => throw new DaytonaHttpException(400, $"{p.Name} must be a string"),
    };

    private static object Clock(EmulatorContext ctx) => new
    {
        minuteMs = ctx.Store.MinuteLength.TotalMilliseconds,
        tickMs = ctx.Store.TickInterval.TotalMilliseconds,
    };

    private static async Task<JsonElement> ReadObjectAsync(HttpContext http)
    {
        try
        {
            using var doc = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new DaytonaHttpException(400, "The body must be a JSON object");
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new DaytonaHttpException(400, "The body must be a JSON object");
        }
    }

    private static double Number(JsonProperty p, double min, double max)
    {
        if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetDouble(out var d) || d < min || d > max)
            throw new DaytonaHttpException(400, $"{p.Name} must be a number from {min} to {max}");
        return d;
    }

    private static IReadOnlyList<string> Kinds(JsonElement value)
    {
        var raw = value.ValueKind switch
        {
            JsonValueKind.Array => value.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number ? e.GetRawText() : e.GetString() ?? ""),
            JsonValueKind.String => (value.GetString() ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            _ => throw new DaytonaHttpException(400, "faultKinds must be an array or a comma-separated string"),
        };
        var kinds = new List<string>();
        foreach (var k in raw)
        {
            if (k.Equals("all", StringComparison.OrdinalIgnoreCase)) kinds.AddRange(EmulatorOptions.AllFaultKinds);
            else if (EmulatorOptions.KnownFaultKinds.Contains(k, StringComparer.OrdinalIgnoreCase)) kinds.Add(k.ToLowerInvariant());
            else throw new DaytonaHttpException(400, $"unknown fault kind '{k}'; use {string.Join(", ", EmulatorOptions.KnownFaultKinds)} or all");
        }
        return FaultSettings.Canonical(kinds);
    }

    private static IReadOnlyDictionary<string, int> Limits(IReadOnlyDictionary<string, int> current, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object) throw new DaytonaHttpException(400, "rateLimits must be an object");
        var limits = new Dictionary<string, int>(current, StringComparer.OrdinalIgnoreCase);
        foreach (var p in value.EnumerateObject())
        {
            if (!EmulatorOptions.Throttlers.Contains(p.Name, StringComparer.OrdinalIgnoreCase))
                throw new DaytonaHttpException(400, $"unknown throttler '{p.Name}'; use {string.Join(", ", EmulatorOptions.Throttlers)}");
            limits[p.Name.ToLowerInvariant()] = (int)Number(p, 0, int.MaxValue);
        }
        return limits;
    }
}
