using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Files;

/// <summary>
/// Select-DaytonaString: finds lines that contain a text in sandbox files (GET /files/find), like
/// Select-String -SimpleMatch -CaseSensitive: Daytona matches plain text, case-sensitively, in
/// every text file below the given folders (binary files are skipped). Results are MatchInfo
/// objects (Path, LineNumber, Line), in file and line order.
/// </summary>
[Cmdlet(VerbsCommon.Select, "DaytonaString", DefaultParameterSetName = IdSet)]
[OutputType(typeof(DaytonaPS.MatchInfo))]
public sealed class SelectDaytonaStringCommand : DaytonaFileCmdlet
{
    /// <summary>The text to find (plain text, case-sensitive; several: lines with any of them).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[] Pattern { get; set; } = Array.Empty<string>();

    /// <summary>Sandbox folders to search (everything below them) or files.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Only files whose name matches one of these patterns (wildcards).</summary>
    [Parameter]
    [SupportsWildcards]
    public string[]? Include { get; set; }

    /// <summary>Leave out files whose name matches one of these patterns (wildcards).</summary>
    [Parameter]
    [SupportsWildcards]
    public string[]? Exclude { get; set; }

    /// <summary>Only the first matching line of each file.</summary>
    [Parameter]
    public SwitchParameter List { get; set; }

    private protected override object? CaptureRecordState() => Path;

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var files = Files(pipe, toolbox);
        var include = Patterns(Include);
        var exclude = Patterns(Exclude);
        foreach (var path in (string[])state!)
        {
            await ForPathAsync(pipe, path, async () =>
            {
                var found = new Dictionary<(string File, int Line), DaytonaPS.MatchInfo>();
                foreach (var pattern in Pattern)
                {
                    foreach (var m in await files.FindAsync(path, pattern, ct).ConfigureAwait(false))
                    {
                        var file = m.File ?? string.Empty;
                        var name = file.Substring(file.LastIndexOf('/') + 1);
                        if (include.Length > 0 && !include.Any(p => p.IsMatch(name))) continue;
                        if (exclude.Any(p => p.IsMatch(name))) continue;
                        // The first pattern that matched a line names it, as Select-String does.
                        if (!found.ContainsKey((file, m.Line))) found[(file, m.Line)] = new DaytonaPS.MatchInfo(files.SandboxId, file, m.Line, m.Content ?? string.Empty, pattern);
                    }
                }
                string? lastFile = null;
                foreach (var match in found.Values.OrderBy(m => m.Path, StringComparer.Ordinal).ThenBy(m => m.LineNumber))
                {
                    if (List && match.Path == lastFile) continue;
                    lastFile = match.Path;
                    pipe.WriteObject(match);
                }
            }).ConfigureAwait(false);
        }
    }

    private static WildcardPattern[] Patterns(string[]? patterns) =>
        (patterns ?? Array.Empty<string>()).Select(p => WildcardPattern.Get(p, WildcardOptions.None)).ToArray();
}
