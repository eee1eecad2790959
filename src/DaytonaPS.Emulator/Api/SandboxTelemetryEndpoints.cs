using System.Globalization;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Api;

/// <summary>
/// GET /sandbox/{sandboxId}/telemetry/metrics (Daytona's SandboxTelemetryController, which answers
/// while no analytics API is configured; the emulator's /config advertises none, so the SDK's
/// getMetrics comes here). Query: from, to (required, ISO 8601), metricNames (repeated or bracket
/// form). Answers {series: [{metricName, dataPoints: [{timestamp, value}]}]}.
/// </summary>
internal static class SandboxTelemetryEndpoints
{
    public static void Map(RouteGroupBuilder g)
    {
        g.MapGet("/{id}/telemetry/metrics", (string id, HttpContext http, EmulatorContext ctx) =>
        {
            var query = http.Request.Query;
            // SandboxAccessGuard runs before the ValidationPipe: an unknown sandbox is 404 whatever the query.
            var s = SandboxEndpoints.Find(ctx, id);
            // MetricsQueryParamsDto: @IsDateString() on from and to.
            var failures = new List<string>();
            var from = DateParam(query["from"].ToString(), "from", failures);
            var to = DateParam(query["to"].ToString(), "to", failures);
            if (failures.Count > 0) throw new DaytonaHttpException(400, string.Join(", ", failures));
            var names = query["metricNames"].Concat(query["metricNames[]"]).Where(n => !string.IsNullOrEmpty(n)).Select(n => n!).ToList();
            // The guard takes an id or a name, but Daytona's query looks for service "sandbox-<path value>":
            // by name it finds no samples, and answers an empty list.
            var series = id == s.Id ? ctx.Metrics.Query(s, from, to, names) : [];
            return SandboxEndpoints.Json(new
            {
                series = series.Select(x => new
                {
                    metricName = x.Name,
                    dataPoints = x.Points.Select(p => new { timestamp = Iso.Format(p.At), value = p.Value }),
                }),
            });
        });
    }

    /// <summary>class-validator's isISO8601: a date with an optional time and zone (a missing value fails too).</summary>
    private static DateTime DateParam(string raw, string name, List<string> failures)
    {
        if (raw.Length > 0 && char.IsDigit(raw[0])
            && DateTime.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at))
            return at;
        failures.Add($"{name} must be a valid ISO 8601 date string");
        return default;
    }
}
