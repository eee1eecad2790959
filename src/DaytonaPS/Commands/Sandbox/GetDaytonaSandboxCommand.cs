using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Sandbox;

/// <summary>
/// Get-DaytonaSandbox: finds sandboxes by id, name (wildcards), labels, state, target, snapshot, resources,
/// dates and flags, sorted as asked (every filter but a wildcard name pattern is sent to Daytona); or
/// the forks or ancestors of sandboxes.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DaytonaSandbox", DefaultParameterSetName = ListSet, SupportsPaging = true)]
[OutputType(typeof(DaytonaPS.Sandbox))]
public sealed class GetDaytonaSandboxCommand : DaytonaApiCmdlet
{
    private const string ListSet = "List";
    private const string IdSet = "Id";
    private const string ForkOfSet = "ForkOf";
    private const string AncestorOfSet = "AncestorOf";

    /// <summary>Sandbox ids (or exact names).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    [Alias("SandboxId")]
    [ValidateNotNullOrEmpty]
    [SandboxIdTransformation]
    [ArgumentCompleter(typeof(SandboxCompleter))]
    public string[] Id { get; set; } = Array.Empty<string>();

    /// <summary>Names; wildcards allowed. Piped strings bind here ('web-1' | Get-DaytonaSandbox).</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ParameterSetName = ListSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [SandboxIdTransformation]
    [ArgumentCompleter(typeof(SandboxCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only sandboxes carrying all these labels (filtered by Daytona).</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateNotNull]
    public Hashtable? Label { get; set; }

    /// <summary>Only sandboxes in these states.</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SandboxStateCompleter))]
    public string[]? State { get; set; }

    /// <summary>Only sandboxes in these regions.</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(TargetCompleter))]
    public string[]? Target { get; set; }

    /// <summary>Only sandboxes made from these snapshots (names).</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateNotNullOrEmpty]
    public string[]? Snapshot { get; set; }

    /// <summary>Only sandboxes created at or before this time.</summary>
    [Parameter(ParameterSetName = ListSet)]
    public DateTime CreatedBefore { get; set; }

    /// <summary>Only sandboxes created at or after this time.</summary>
    [Parameter(ParameterSetName = ListSet)]
    public DateTime CreatedAfter { get; set; }

    /// <summary>Only sandboxes whose last activity was at or before this time (idle since).</summary>
    [Parameter(ParameterSetName = ListSet)]
    public DateTime LastActivityBefore { get; set; }

    /// <summary>Only sandboxes whose last activity was at or after this time.</summary>
    [Parameter(ParameterSetName = ListSet)]
    public DateTime LastActivityAfter { get; set; }

    /// <summary>Only sandboxes whose TTL ends (autoDestroyAt) at or before this time.</summary>
    [Parameter(ParameterSetName = ListSet)]
    public DateTime AutoDestroyBefore { get; set; }

    /// <summary>Only sandboxes whose TTL ends (autoDestroyAt) at or after this time.</summary>
    [Parameter(ParameterSetName = ListSet)]
    public DateTime AutoDestroyAfter { get; set; }

    /// <summary>Only sandboxes with at least this many CPU cores.</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateRange(1, int.MaxValue)]
    public int MinCpu { get; set; }

    /// <summary>Only sandboxes with at most this many CPU cores.</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateRange(1, int.MaxValue)]
    public int MaxCpu { get; set; }

    /// <summary>Only sandboxes with at least this much memory (GiB).</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateRange(1, int.MaxValue)]
    public int MinMemory { get; set; }

    /// <summary>Only sandboxes with at most this much memory (GiB).</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateRange(1, int.MaxValue)]
    public int MaxMemory { get; set; }

    /// <summary>Only sandboxes with at least this much disk (GiB).</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateRange(1, int.MaxValue)]
    public int MinDisk { get; set; }

    /// <summary>Only sandboxes with at most this much disk (GiB).</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateRange(1, int.MaxValue)]
    public int MaxDisk { get; set; }

    /// <summary>Only public sandboxes; -Public:$false for only private ones.</summary>
    [Parameter(ParameterSetName = ListSet)]
    public SwitchParameter Public { get; set; }

    /// <summary>Only sandboxes in error that can be recovered; -Recoverable:$false for the others.</summary>
    [Parameter(ParameterSetName = ListSet)]
    public SwitchParameter Recoverable { get; set; }

    /// <summary>What Daytona sorts the list by (ascending unless -Descending). Default: last activity, newest first.</summary>
    [Parameter(ParameterSetName = ListSet)]
    public SandboxSortField SortBy { get; set; }

    /// <summary>Sort descending (largest, newest or Z first).</summary>
    [Parameter(ParameterSetName = ListSet)]
    public SwitchParameter Descending { get; set; }

    protected override void BeginProcessing()
    {
        if (ParameterSetName == ListSet)
        {
            CheckRange(nameof(MinCpu), nameof(MaxCpu));
            CheckRange(nameof(MinMemory), nameof(MaxMemory));
            CheckRange(nameof(MinDisk), nameof(MaxDisk));
            CheckRange(nameof(CreatedAfter), nameof(CreatedBefore));
            CheckRange(nameof(LastActivityAfter), nameof(LastActivityBefore));
            CheckRange(nameof(AutoDestroyAfter), nameof(AutoDestroyBefore));
        }
        base.BeginProcessing();
    }

    /// <summary>A lower bound above the upper one can match nothing: say so instead of listing nothing.</summary>
    private void CheckRange(string low, string high)
    {
        if (Bound(low) is IComparable lower && Bound(high) is { } upper && lower.CompareTo(upper) > 0)
        {
            ThrowInvalidArgument($"-{low} ({Show(lower)}) is above -{high} ({Show(upper)}), so no sandbox can match.",
                $"Swap the two values or drop one of them.");
        }

        static string Show(object value) => value is DateTime d ? d.ToString("o", System.Globalization.CultureInfo.InvariantCulture) : System.Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!;
    }

    private object? Bound(string parameter) => MyInvocation.BoundParameters.TryGetValue(parameter, out var value) ? Normalize(value) : null;

    /// <summary>Dates compare in UTC (a local and a UTC DateTime can name the same instant).</summary>
    private static object? Normalize(object? value) => value is DateTime d ? d.ToUniversalTime() : value;

    private T? Given<T>(string parameter, T value) where T : struct =>
        MyInvocation.BoundParameters.ContainsKey(parameter) ? value : null;

    internal static string WireSortField(SandboxSortField field) => field switch
    {
        SandboxSortField.Name => "name",
        SandboxSortField.Cpu => "cpu",
        SandboxSortField.Memory => "memoryGib",
        SandboxSortField.Disk => "diskGib",
        SandboxSortField.CreatedAt => "createdAt",
        _ => "lastActivityAt",
    };
    /// <summary>The forks of these sandboxes (ids, names or Sandbox objects): Daytona's GET /sandbox/{id}/forks.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ForkOfSet)]
    [ValidateNotNullOrEmpty]
    [DaytonaPS.Commands.Files.SandboxReference]
    [ArgumentCompleter(typeof(SandboxCompleter))]
    public string[] ForkOf { get; set; } = Array.Empty<string>();

    /// <summary>With -ForkOf: destroyed forks too.</summary>
    [Parameter(ParameterSetName = ForkOfSet)]
    public SwitchParameter IncludeDestroyed { get; set; }

    /// <summary>The sandbox a fork was forked from, then that one's parent, and so on (nearest first).</summary>
    [Parameter(Mandatory = true, ParameterSetName = AncestorOfSet)]
    [ValidateNotNullOrEmpty]
    [DaytonaPS.Commands.Files.SandboxReference]
    [ArgumentCompleter(typeof(SandboxCompleter))]
    public string[] AncestorOf { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord()
    {
        if (ParameterSetName is ForkOfSet or AncestorOfSet)
        {
            foreach (var source in ParameterSetName == ForkOfSet ? ForkOf : AncestorOf)
            {
                var key = source.Trim();
                Run(async (pipe, ct) =>
                {
                    var forks = new SandboxForks(Sandboxes(pipe));
                    var found = ParameterSetName == ForkOfSet
                        ? await forks.ForksOfAsync(key, IncludeDestroyed, ct).ConfigureAwait(false)
                        : await forks.AncestorsOfAsync(key, ct).ConfigureAwait(false);
                    foreach (var dto in found) pipe.WriteObject(new DaytonaPS.Sandbox(dto));
                }, key);
            }
            return;
        }
        if (ParameterSetName == IdSet)
        {
            foreach (var id in Id)
            {
                var key = id.Trim();
                Run(async (pipe, ct) =>
                {
                    var dto = await Api(pipe).GetSandboxAsync(key, ct).ConfigureAwait(false);
                    if (dto is not null) pipe.WriteObject(new DaytonaPS.Sandbox(dto));
                }, key);
            }
            return;
        }
        Run(ListAsync);
    }

    private async Task ListAsync(CmdletPipe pipe, CancellationToken ct)
    {
        var patterns = (Name ?? Array.Empty<string>())
            .Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant))
            .ToArray();
        var literalNames = (Name ?? Array.Empty<string>()).Where(n => !WildcardPattern.ContainsWildcardCharacters(n)).ToList();
        var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        var query = new SandboxListQuery
        {
            Labels = Label is null ? null : ParameterMaps.ToStringMap(Label),
            States = State,
            Targets = Target,
            Snapshots = Snapshot,
            MinCpu = Given(nameof(MinCpu), MinCpu),
            MaxCpu = Given(nameof(MaxCpu), MaxCpu),
            MinMemoryGiB = Given(nameof(MinMemory), MinMemory),
            MaxMemoryGiB = Given(nameof(MaxMemory), MaxMemory),
            MinDiskGiB = Given(nameof(MinDisk), MinDisk),
            MaxDiskGiB = Given(nameof(MaxDisk), MaxDisk),
            IsPublic = Given(nameof(Public), Public.IsPresent),
            IsRecoverable = Given(nameof(Recoverable), Recoverable.IsPresent),
            CreatedAfter = Given(nameof(CreatedAfter), CreatedAfter),
            CreatedBefore = Given(nameof(CreatedBefore), CreatedBefore),
            LastActivityAfter = Given(nameof(LastActivityAfter), LastActivityAfter),
            LastActivityBefore = Given(nameof(LastActivityBefore), LastActivityBefore),
            AutoDestroyAfter = Given(nameof(AutoDestroyAfter), AutoDestroyAfter),
            AutoDestroyBefore = Given(nameof(AutoDestroyBefore), AutoDestroyBefore),
        };
        // -SortBy alone sorts ascending (as Sort-Object does); -Descending alone keeps Daytona's default field.
        if (MyInvocation.BoundParameters.ContainsKey(nameof(SortBy)))
        {
            query.Sort = WireSortField(SortBy);
            query.Order = Descending ? "desc" : "asc";
        }
        else if (MyInvocation.BoundParameters.ContainsKey(nameof(Descending)))
        {
            query.Order = Descending ? "desc" : "asc";
        }
        // Daytona filters names by case-insensitive prefix: send the common literal prefix of a single pattern.
        if (Name is { Length: 1 }) query.NamePrefix = LiteralPrefix(Name[0]);

        var skip = PagingParameters.Skip;
        var first = PagingParameters.First;
        if (first == 0) return;
        if (patterns.Length == 0 && first < ulong.MaxValue)
        {
            query.Limit = (int)Math.Min(SandboxListQuery.MaxPageSize, first + Math.Min(skip, (ulong)SandboxListQuery.MaxPageSize));
        }

        ulong seen = 0, written = 0;
        string? cursor = null;
        var api = Api(pipe);
        do
        {
            var page = await api.ListSandboxesAsync(query, cursor, ct).ConfigureAwait(false);
            if (page is null) break;
            foreach (var item in page.Items)
            {
                var name = string.IsNullOrEmpty(item.Name) ? item.Id : item.Name!;
                if (patterns.Length > 0 && !patterns.Any(p => p.IsMatch(name))) continue;
                found.Add(name);
                if (seen++ < skip) continue;
                pipe.WriteObject(new DaytonaPS.Sandbox(item));
                if (++written >= first) break;
            }
            if (written >= first) break;
            cursor = page.NextCursor;
        }
        while (!string.IsNullOrEmpty(cursor));

        if (PagingParameters.IncludeTotalCount)
        {
            pipe.WriteObject(PagingParameters.NewTotalCount(seen, written >= first ? 0.0 : 1.0));
        }
        foreach (var literal in literalNames)
        {
            if (!found.Contains(literal) && written < first)
            {
                pipe.WriteFailure(new DaytonaException(ErrorIds.NotFound, ErrorCategory.ObjectNotFound, $"No sandbox named '{literal}' matches the filters.", literal), literal);
            }
        }
    }

    internal static string? LiteralPrefix(string pattern)
    {
        var end = pattern.IndexOfAny(new[] { '*', '?', '[', '`' });
        var prefix = end < 0 ? pattern : pattern.Substring(0, end);
        return prefix.Length == 0 ? null : prefix;
    }
}
