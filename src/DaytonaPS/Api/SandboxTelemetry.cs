using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Api;

/// <summary>
/// A sandbox's resource metrics over time, read the way Daytona's TypeScript SDK 0.218 reads them
/// (Sandbox.getMetrics): when GET /config names an <c>analyticsApiUrl</c>, from the analytics API
/// (GET {analyticsApiUrl}/organization/{org}/sandbox/{id}/telemetry/metrics, metricNames comma-joined,
/// a flat list of points) — Daytona then answers its own telemetry routes 403 — else from
/// GET /sandbox/{id}/telemetry/metrics (metricNames repeated, series of points). Either way: one point
/// per metric and minute (Daytona averages), by sandbox id (telemetry is keyed by id, not name).
/// </summary>
internal sealed class SandboxTelemetry
{
    private readonly DaytonaApiClient _api;
    private Task<string?>? _analyticsApiUrl;

    /// <param name="analyticsApiUrl">The answer of an earlier instance's <see cref="AnalyticsApiUrlAsync"/> (one GET /config per command), or null to ask.</param>
    public SandboxTelemetry(DaytonaApiClient api, Task<string?>? analyticsApiUrl = null)
    {
        _api = api;
        _analyticsApiUrl = analyticsApiUrl;
    }

    /// <summary>GET /config once per instance (unauthenticated on Daytona; the credential is sent anyway, as the SDK does).</summary>
    public Task<string?> AnalyticsApiUrlAsync(CancellationToken ct) => _analyticsApiUrl ??= ReadAnalyticsApiUrlAsync(ct);

    private async Task<string?> ReadAnalyticsApiUrlAsync(CancellationToken ct)
    {
        var config = await _api.SendJsonAsync<TelemetryConfigDto>(HttpMethod.Get, "/config", null, RetryMode.Idempotent, ct).ConfigureAwait(false);
        var url = config?.AnalyticsApiUrl;
        return string.IsNullOrWhiteSpace(url) ? null : url!.TrimEnd('/');
    }

    public async Task<List<(string Metric, DateTimeOffset Timestamp, double Value)>> GetMetricsAsync(
        string sandboxId, string? organizationId, DateTimeOffset from, DateTimeOffset to, IReadOnlyCollection<string> names, CancellationToken ct)
    {
        var range = "from=" + Uri.EscapeDataString(Wire(from)) + "&to=" + Uri.EscapeDataString(Wire(to));
        var points = new List<(string, DateTimeOffset, double)>();
        var analytics = await AnalyticsApiUrlAsync(ct).ConfigureAwait(false);
        if (analytics is not null && !string.IsNullOrEmpty(organizationId))
        {
            var query = new StringBuilder(range);
            if (names.Count > 0) query.Append("&metricNames=").Append(Uri.EscapeDataString(string.Join(",", names)));
            var uri = new Uri(analytics + "/organization/" + DaytonaApiClient.Segment(organizationId!) + "/sandbox/" + DaytonaApiClient.Segment(sandboxId)
                + "/telemetry/metrics?" + query);
            using var response = await _api.SendAsync(HttpMethod.Get, uri, null, RetryMode.Idempotent, ct).ConfigureAwait(false);
            var list = await DaytonaApiClient.ReadJsonAsync<List<MetricPointDto>>(response, ct).ConfigureAwait(false);
            foreach (var p in list ?? new List<MetricPointDto>()) Add(points, p.MetricName, p.Timestamp, p.Value);
        }
        else
        {
            var query = new StringBuilder(range);
            foreach (var name in names) query.Append("&metricNames=").Append(Uri.EscapeDataString(name));
            var reply = await _api.SendJsonAsync<MetricsResponseDto>(HttpMethod.Get,
                "/sandbox/" + DaytonaApiClient.Segment(sandboxId) + "/telemetry/metrics?" + query, null, RetryMode.Idempotent, ct).ConfigureAwait(false);
            foreach (var series in reply?.Series ?? new List<MetricSeriesDto>())
                foreach (var p in series.DataPoints ?? new List<MetricDataPointDto>()) Add(points, series.MetricName, p.Timestamp, p.Value);
        }
        // Oldest first, then by metric name: what Export-Csv and Measure-Object want, whichever API answered.
        return points.OrderBy(p => p.Item2).ThenBy(p => p.Item1, StringComparer.Ordinal).ToList();
    }

    private static void Add(List<(string, DateTimeOffset, double)> points, string? metric, string? timestamp, double? value)
    {
        if (string.IsNullOrEmpty(metric) || value is null || ParseTimestamp(timestamp) is not { } at) return;
        points.Add((metric!, at, value.Value));
    }

    /// <summary>
    /// ISO 8601 with a zone, or ClickHouse's "2026-12-02 05:31:00" (which Daytona's API may relay as is): UTC unless it says otherwise.
    /// </summary>
    internal static DateTimeOffset? ParseTimestamp(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at.ToUniversalTime() : null;

    private static string Wire(DateTimeOffset at) => SandboxListQuery.ToWireDate(at.UtcDateTime);
}
