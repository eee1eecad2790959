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

    private bool FromGiven => MyInvocation.BoundParameters.ContainsKey(nameof(From));
    private bool ToGiven => MyInvocation.BoundParameters.ContainsKey(nameof(To));

    protected override void BeginProcessing()
    {
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
