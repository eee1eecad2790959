using System.Collections.Generic;

namespace DaytonaPS.Api;

// Wire DTOs of sandbox telemetry: the main API's MetricsResponse (GET /sandbox/{id}/telemetry/metrics),
// the analytics API's MetricPoint list, and the one /config field that chooses between them. Never exposed to users.

internal sealed class MetricsResponseDto
{
    public List<MetricSeriesDto>? Series { get; set; }
}

internal sealed class MetricSeriesDto
{
    public string? MetricName { get; set; }
    public List<MetricDataPointDto>? DataPoints { get; set; }
}

internal sealed class MetricDataPointDto
{
    public string? Timestamp { get; set; }
    public double? Value { get; set; }
}

/// <summary>Analytics API models.MetricPoint.</summary>
internal sealed class MetricPointDto
{
    public string? MetricName { get; set; }
    public string? Timestamp { get; set; }
    public double? Value { get; set; }
}

/// <summary>The part of GET /config (DaytonaConfiguration) that telemetry needs.</summary>
internal sealed class TelemetryConfigDto
{
    public string? AnalyticsApiUrl { get; set; }
}
