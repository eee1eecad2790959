using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Files;

/// <summary>Remove-DaytonaItem: deletes sandbox files, and folders with -Recurse (DELETE /files), like Remove-Item.</summary>
[Cmdlet(VerbsCommon.Remove, "DaytonaItem", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(void))]
public sealed class RemoveDaytonaItemCommand : DaytonaFileCmdlet
{
    /// <summary>Sandbox paths to delete.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Delete folders with everything in them (a folder is refused without it).</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    private protected override object? CaptureRecordState() => Path;

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var files = Files(pipe, toolbox);
        foreach (var path in (string[])state!)
        {
            await ForPathAsync(pipe, path, async () =>
            {
                var info = await files.GetInfoAsync(path, ct).ConfigureAwait(false);
                var isFolder = info.IsDir && !new DaytonaPS.FileInfo(files.SandboxId, info).IsSymbolicLink;
                if (isFolder && !Recurse) throw Invalid($"{InSandbox(path, display)} is a folder: add -Recurse to remove it with its contents.", path);
                if (!await pipe.ShouldProcessAsync(InSandbox(path, display), isFolder ? "Remove folder" : "Remove file").ConfigureAwait(false)) return;
                await files.DeleteAsync(path, isFolder, ct).ConfigureAwait(false);
                pipe.WriteVerbose($"Removed {InSandbox(path, display)}.");
            }).ConfigureAwait(false);
        }
    }
}
