using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Files;

/// <summary>
/// Get-DaytonaChildItem: the files and folders in sandbox folders (GET /files), like Get-ChildItem.
/// -Recurse -Filter asks the daemon to find the names first (GET /files/search, which walks the
/// tree in the sandbox and sends back only the matches) and describes a few matches one by one;
/// when there are many, one recursive listing is cheaper than a call per match, and is used instead.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DaytonaChildItem", DefaultParameterSetName = IdSet)]
[OutputType(typeof(DaytonaPS.FileInfo))]
public sealed class GetDaytonaChildItemCommand : DaytonaFileCmdlet
{
    /// <summary>Sandbox folders (default: the sandbox user's home). A file gives itself.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    /// <summary>Everything below the folders, not only their direct entries.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>A name pattern (wildcards) the entries must match.</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Filter { get; set; }

    /// <summary>Up to this many matches of a search are described one call each (8 at a time); more take one recursive listing.</summary>
    private const int DescribeEachUpTo = 64;

    private protected override object? CaptureRecordState() => Path is { Length: > 0 } ? Path : new[] { string.Empty };

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var files = Files(pipe, toolbox);
        var filter = Filter is null ? null : WildcardPattern.Get(Filter, WildcardOptions.None);
        foreach (var path in (string[])state!)
        {
            await ForPathAsync(pipe, path.Length == 0 ? "~" : path, async () =>
            {
                if (Recurse && Filter is not null && path.Length > 0 && await TrySearchAsync(pipe, files, path, ct).ConfigureAwait(false)) return;
                try
                {
                    foreach (var entry in await files.ListAsync(path, Recurse ? SandboxFiles.AllLevels : 1, ct).ConfigureAwait(false))
                    {
                        if (filter is null || filter.IsMatch(entry.Name ?? string.Empty)) pipe.WriteObject(new DaytonaPS.FileInfo(files.SandboxId, entry));
                    }
                }
                catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.InvalidRequest)
                {
                    // Not a folder: as Get-ChildItem, a file lists itself.
                    var info = await files.GetInfoAsync(path, ct).ConfigureAwait(false);
                    if (info.IsDir) throw;
                    if (filter is null || filter.IsMatch(info.Name ?? string.Empty)) pipe.WriteObject(new DaytonaPS.FileInfo(files.SandboxId, info));
                }
            }).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// -Recurse -Filter through GET /files/search: writes the matches below path and returns true, or
    /// returns false (nothing written) when there are more than <see cref="DescribeEachUpTo"/>.
    /// </summary>
    private async Task<bool> TrySearchAsync(CmdletPipe pipe, SandboxFiles files, string path, CancellationToken ct)
    {
        var found = await files.SearchAsync(path, Filter!, ct).ConfigureAwait(false);
        // The daemon's walk starts with the folder itself; Get-ChildItem lists only what is below it.
        if (found.Count > 0 && IsSameFolder(found[0], path)) found.RemoveAt(0);
        if (found.Count > DescribeEachUpTo) return false;
        using var gate = new SemaphoreSlim(8);
        var infos = found.Select(async p =>
        {
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try { return await files.TryGetInfoAsync(p, ct).ConfigureAwait(false); }
            finally { gate.Release(); }
        }).ToList();
        foreach (var info in infos)
        {
            // A match removed meanwhile is skipped, as a listing would not show it.
            if (await info.ConfigureAwait(false) is { } dto) pipe.WriteObject(new DaytonaPS.FileInfo(files.SandboxId, dto));
        }
        return true;
    }

    /// <summary>Whether a search result is the searched folder itself (a relative path starts at the sandbox user's home).</summary>
    private static bool IsSameFolder(string found, string path)
    {
        var a = found.TrimEnd('/');
        var b = path.TrimEnd('/');
        return a == b || a == "/home/daytona/" + b;
    }
}
