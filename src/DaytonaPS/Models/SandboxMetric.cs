using System;

namespace DaytonaPS;

/// <summary>
/// One data point of a sandbox's resource metrics (Get-DaytonaSandboxMetric): Daytona's per-minute
/// average of one metric. Flat on purpose: group, measure and export them as they come
/// (Group-Object Metric | Measure-Object Value -Average, Export-Csv).
/// </summary>
public sealed class SandboxMetric
{
    internal SandboxMetric(DateTimeOffset timestamp, string metric, double value, string sandboxId, string? sandboxName)
    {
        Timestamp = timestamp;
        Metric = metric;
        Value = value;
        Unit = UnitOf(metric);
        SandboxId = sandboxId;
        SandboxName = sandboxName;
    }

    /// <summary>The start of the minute the value averages (UTC).</summary>
    public DateTimeOffset Timestamp { get; }
    /// <summary>Daytona's metric name, e.g. daytona.sandbox.cpu.utilization.</summary>
    public string Metric { get; }
    public double Value { get; }
    /// <summary>Percent, Bytes or Cores for Daytona's daytona.sandbox.* metrics; null for a name DaytonaPS does not know.</summary>
    public string? Unit { get; }
    public string SandboxId { get; }
    public string? SandboxName { get; }

    public override string ToString() => $"{Timestamp:u} {Metric} {Value}";

    /// <summary>The daytona.sandbox.* metrics Daytona's sandboxes report (its OTEL collection docs), and their units.</summary>
    internal static readonly string[] KnownNames =
    {
        "daytona.sandbox.cpu.utilization", "daytona.sandbox.cpu.limit",
        "daytona.sandbox.memory.utilization", "daytona.sandbox.memory.usage", "daytona.sandbox.memory.limit", "daytona.sandbox.memory.cache",
        "daytona.sandbox.filesystem.utilization", "daytona.sandbox.filesystem.usage", "daytona.sandbox.filesystem.available", "daytona.sandbox.filesystem.total",
    };

    internal static string? UnitOf(string metric) =>
        metric.EndsWith(".utilization", StringComparison.Ordinal) ? "Percent"
        : metric == "daytona.sandbox.cpu.limit" ? "Cores"
        : metric.StartsWith("daytona.sandbox.memory.", StringComparison.Ordinal) || metric.StartsWith("daytona.sandbox.filesystem.", StringComparison.Ordinal) ? "Bytes"
        : null;
}
