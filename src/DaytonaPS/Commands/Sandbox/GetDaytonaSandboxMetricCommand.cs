using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Sandbox;

/// <summary>
/// Get-DaytonaSandboxMetric: a sandbox's cpu, memory and disk over time (Daytona's per-minute
/// averages) as one flat DaytonaPS.SandboxMetric per data point. The protocol (which API, which
/// query) is <see cref="SandboxTelemetry"/>'s.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DaytonaSandboxMetric", DefaultParameterSetName = IdSet)]
[OutputType(typeof(SandboxMetric))]
public sealed class GetDaytonaSandboxMetricCommand : DaytonaSandboxCmdlet
{
    private readonly object _gate = new();
    private Task<string?>? _analyticsApiUrl; // GET /config once for all the piped sandboxes

    /// <summary>Start of the time range. Default: when the sandbox was created (as the SDK's getMetrics).</summary>
    [Parameter]
    public DateTime From { get; set; }

    /// <summary>End of the time range. Default: now.</summary>
    [Parameter]
    public DateTime To { get; set; }

    /// <summary>Metric names (wildcards match Daytona's daytona.sandbox.* names); default: every metric Daytona has. (-Name is the sandbox's, as on every sandbox cmdlet.)</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(MetricNameCompleter))]
    [Alias("Metric")]
    public string[]? MetricName { get; set; }

    /// <summary>Only the sandbox's latest values, read from the sandbox itself now (the SDK's getMetricsLatest), not the stored series.</summary>
    [Parameter]
    public SwitchParameter Latest { get; set; }

    private bool FromGiven => MyInvocation.BoundParameters.ContainsKey(nameof(From));
    private bool ToGiven => MyInvocation.BoundParameters.ContainsKey(nameof(To));

    protected override void BeginProcessing()
    {
        if (Latest && (FromGiven || ToGiven))
        {
            ThrowInvalidArgument("-Latest reads the values of now; it takes no -From or -To.", "Drop -Latest for a time range, or -From/-To for the latest values.");
        }
        if (FromGiven && ToGiven && From.ToUniversalTime() > To.ToUniversalTime())
        {
            ThrowInvalidArgument($"-From ({From:o}) is after -To ({To:o}).", "Swap the two values.");
        }
        base.BeginProcessing();
    }

    /// <summary>The names to send: literal names as given, wildcards expanded over the known daytona.sandbox.* names.</summary>
    internal static IReadOnlyCollection<string> WireNames(string[]? names)
    {
        if (names is null) return Array.Empty<string>();
        var wire = new List<string>();
        foreach (var name in names)
        {
            if (!WildcardPattern.ContainsWildcardCharacters(name)) { wire.Add(name); continue; }
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
            wire.AddRange(SandboxMetric.KnownNames.Where(pattern.IsMatch));
        }
        return wire.Distinct(StringComparer.Ordinal).ToList();
    }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, object? state, CancellationToken ct)
    {
        var names = WireNames(MetricName);
        // Wildcards that match no known metric: nothing to ask for (an empty list would ask for every metric).
        if (MetricName is not null && names.Count == 0) return;

        if (Latest)
        {
            await WriteLatestAsync(pipe, idOrName, known, names, ct).ConfigureAwait(false);
            return;
        }

        // Telemetry is keyed by id, and the analytics API needs the organization: a name is looked up first.
        string id, organization;
        string? sandboxName;
        DateTimeOffset? created;
        if (known is not null)
        {
            (id, sandboxName, organization, created) = (known.Id, known.Name, known.OrganizationId ?? string.Empty, known.CreatedAt);
        }
        else
        {
            var dto = await FetchAsync(pipe, idOrName, ct).ConfigureAwait(false);
            var sandbox = new DaytonaPS.Sandbox(dto);
            (id, sandboxName, organization, created) = (sandbox.Id, sandbox.Name, sandbox.OrganizationId ?? string.Empty, sandbox.CreatedAt);
        }
        var to = ToGiven ? new DateTimeOffset(To.ToUniversalTime()) : DateTimeOffset.UtcNow;
        var from = FromGiven ? new DateTimeOffset(From.ToUniversalTime()) : created ?? to;

        Task<string?> analyticsApiUrl;
        lock (_gate) analyticsApiUrl = _analyticsApiUrl ??= new SandboxTelemetry(Api(pipe)).AnalyticsApiUrlAsync(ct);
        var telemetry = new SandboxTelemetry(Api(pipe), analyticsApiUrl);
        var points = await telemetry.GetMetricsAsync(id, organization, from, to, names, ct).ConfigureAwait(false);
        foreach (var (metric, timestamp, value) in points)
        {
            pipe.WriteObject(new SandboxMetric(timestamp, metric, value, id, sandboxName));
        }
    }

    /// <summary>-Latest: the toolbox's GET /system/metrics, as the same rows under Daytona's metric names.</summary>
    private async Task WriteLatestAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, IReadOnlyCollection<string> names, CancellationToken ct)
    {
        var (toolbox, _) = await ToolboxClient.ForSandboxAsync(Api(pipe), idOrName, known, ct).ConfigureAwait(false);
        var m = await toolbox.GetSystemMetricsAsync(ct).ConfigureAwait(false)
            ?? throw DaytonaApiException.Unexpected($"The sandbox {toolbox.SandboxName} returned no metrics.", "GET", "/system/metrics");
        var at = m.TimestampUnix > 0 ? DateTimeOffset.FromUnixTimeSeconds(m.TimestampUnix) : DateTimeOffset.UtcNow;
        var rows = new (string Name, double Value)[]
        {
            ("daytona.sandbox.cpu.utilization", m.CpuUsedPct),
            ("daytona.sandbox.cpu.limit", m.CpuCount),
            ("daytona.sandbox.memory.utilization", m.MemTotal > 0 ? 100.0 * m.MemUsed / m.MemTotal : 0),
            ("daytona.sandbox.memory.usage", m.MemUsed),
            ("daytona.sandbox.memory.limit", m.MemTotal),
            ("daytona.sandbox.memory.cache", m.MemCache),
            ("daytona.sandbox.filesystem.utilization", m.DiskTotal > 0 ? 100.0 * m.DiskUsed / m.DiskTotal : 0),
            ("daytona.sandbox.filesystem.usage", m.DiskUsed),
            ("daytona.sandbox.filesystem.available", m.DiskFree),
            ("daytona.sandbox.filesystem.total", m.DiskTotal),
        };
        foreach (var (name, value) in rows)
        {
            if (names.Count == 0 || names.Contains(name)) pipe.WriteObject(new SandboxMetric(at, name, value, toolbox.SandboxId, toolbox.SandboxName));
        }
    }

    /// <summary>Completes -Name from the known daytona.sandbox.* names: no call to Daytona.</summary>
    public sealed class MetricNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
        {
            var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
            var pattern = new WildcardPattern(word + "*", WildcardOptions.IgnoreCase);
            var contains = new WildcardPattern("*" + word + "*", WildcardOptions.IgnoreCase);
            var matches = SandboxMetric.KnownNames.Where(pattern.IsMatch).ToList();
            if (matches.Count == 0) matches = SandboxMetric.KnownNames.Where(contains.IsMatch).ToList();
            return matches.Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, SandboxMetric.UnitOf(n) ?? n));
        }
    }
}
