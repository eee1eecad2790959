using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Snapshot;

/// <summary>
/// Get-DaytonaSnapshot: lists snapshots (every page, 200 a call), filtered by name (wildcards) and
/// state. An exact name or id that does not exist is a DaytonaNotFound error. Supports -First/-Skip.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DaytonaSnapshot", SupportsPaging = true)]
[OutputType(typeof(DaytonaPS.Snapshot))]
public sealed class GetDaytonaSnapshotCommand : DaytonaApiCmdlet
{
    /// <summary>Names or ids; wildcards allowed. Default: every snapshot.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id", "SnapshotName")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SnapshotCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only snapshots in these states (active, inactive, pending, pulling, building, error, build_failed, ...).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SnapshotStateCompleter))]
    public string[]? State { get; set; }

    /// <summary>Only snapshots made from this sandbox (an id, a name or a Sandbox object; Daytona's sourceSandboxId filter).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [DaytonaPS.Commands.Files.SandboxReference]
    [ArgumentCompleter(typeof(DaytonaPS.Commands.Sandbox.SandboxCompleter))]
    public string? SourceSandbox { get; set; }

    private readonly List<string> _patterns = new();

    protected override void ProcessRecord()
    {
        if (Name is not null) _patterns.AddRange(Name.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim()));
    }

    protected override void EndProcessing()
    {
        var states = State is null ? null : new HashSet<string>(State, StringComparer.OrdinalIgnoreCase);
        var exact = _patterns.Where(p => !WildcardPattern.ContainsWildcardCharacters(p)).ToList();
        var wildcards = _patterns.Where(WildcardPattern.ContainsWildcardCharacters).Select(p => WildcardPattern.Get(p, WildcardOptions.IgnoreCase)).ToList();
        Run(async (pipe, ct) =>
        {
            var ops = new SnapshotOperations(Api(pipe));
            var found = new List<SnapshotDto>();
            // Daytona filters on the sandbox's id: a name is looked up first.
            var source = SourceSandbox is null ? null : (await FetchAsync(pipe, SourceSandbox, ct).ConfigureAwait(false)).Id;
            // Exact names and ids: one GET each (Daytona's get takes either), unknown = not found.
            foreach (var name in exact)
            {
                try
                {
                    var dto = await ops.GetAsync(name, ct).ConfigureAwait(false);
                    if (source is null || dto.SourceSandboxId == source) found.Add(dto);
                }
                catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.NotFound)
                {
                    pipe.WriteFailure(ex, name);
                }
            }
            if (_patterns.Count == 0 || wildcards.Count > 0)
            {
                // One wildcard pattern: its literal start narrows the list on the server (name contains).
                var narrow = wildcards.Count == 1 && exact.Count == 0 ? LiteralPrefix(_patterns[0]) : null;
                foreach (var dto in await ops.ListAllAsync(narrow, ct, source).ConfigureAwait(false))
                {
                    if (wildcards.Count > 0 && !wildcards.Any(w => w.IsMatch(dto.Name) || w.IsMatch(dto.Id))) continue;
                    if (found.Any(f => f.Id == dto.Id)) continue;
                    found.Add(dto);
                }
            }
            var selected = found.Where(s => states is null || states.Contains(s.State ?? string.Empty)).ToList();
            if (PagingParameters.IncludeTotalCount)
            {
                pipe.WriteObject(PagingParameters.NewTotalCount((ulong)selected.Count, 1.0));
            }
            IEnumerable<SnapshotDto> page = selected;
            if (PagingParameters.Skip > 0) page = page.Skip((int)Math.Min(int.MaxValue, PagingParameters.Skip));
            if (PagingParameters.First < ulong.MaxValue) page = page.Take((int)Math.Min(int.MaxValue, PagingParameters.First));
            foreach (var dto in page) pipe.WriteObject(new DaytonaPS.Snapshot(dto));
        });
    }

    /// <summary>The text before the first wildcard character, or null when there is none to send.</summary>
    private static string? LiteralPrefix(string pattern)
    {
        var end = pattern.IndexOfAny(new[] { '*', '?', '[', '`' });
        var prefix = end < 0 ? pattern : pattern.Substring(0, end);
        return prefix.Length == 0 ? null : prefix;
    }
}
