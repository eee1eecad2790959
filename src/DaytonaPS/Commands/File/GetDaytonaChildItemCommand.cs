using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Files;

/// <summary>Get-DaytonaChildItem: the files and folders in sandbox folders (GET /files), like Get-ChildItem.</summary>
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

    private protected override object? CaptureRecordState() => Path is { Length: > 0 } ? Path : new[] { string.Empty };

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var files = Files(pipe, toolbox);
        var filter = Filter is null ? null : WildcardPattern.Get(Filter, WildcardOptions.None);
        foreach (var path in (string[])state!)
        {
            await ForPathAsync(pipe, path.Length == 0 ? "~" : path, async () =>
            {
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
}
