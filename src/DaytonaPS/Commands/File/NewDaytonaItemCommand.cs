using System;
using System.IO;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Files;

/// <summary>New-DaytonaItem: creates files (empty, or with -Value) and folders (with their parents) in sandboxes, like New-Item.</summary>
[Cmdlet(VerbsCommon.New, "DaytonaItem", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(DaytonaPS.FileInfo))]
public sealed class NewDaytonaItemCommand : DaytonaFileCmdlet
{
    /// <summary>Sandbox paths to create.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>File (default) or Directory.</summary>
    [Parameter]
    [ValidateSet("File", "Directory")]
    [Alias("Type")]
    public string ItemType { get; set; } = "File";

    /// <summary>The content of a new file (UTF-8, as given).</summary>
    [Parameter]
    public string? Value { get; set; }

    /// <summary>Replace an existing file; for a folder, an existing folder is returned as it is.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private bool Directory => string.Equals(ItemType, "Directory", StringComparison.OrdinalIgnoreCase);

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        if (Directory && Value is not null) ThrowInvalidArgument("-Value is for files: a folder has no content.");
    }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var files = Files(pipe, toolbox);
        foreach (var path in Path)
        {
            if (!await pipe.ShouldProcessAsync(InSandbox(path, display), Directory ? "Create folder" : "Create file").ConfigureAwait(false)) continue;
            await ForPathAsync(pipe, path, async () =>
            {
                var existing = await files.TryGetInfoAsync(path, ct).ConfigureAwait(false);
                if (existing is not null && (existing.IsDir != Directory || !Force))
                    throw new DaytonaException(ErrorIds.PathExists, ErrorCategory.ResourceExists,
                        $"{InSandbox(path, display)} already exists{(existing.IsDir ? " as a folder" : " as a file")}." + (existing.IsDir == Directory ? " Add -Force to " + (Directory ? "accept it." : "replace it.") : string.Empty), path);
                if (Directory)
                {
                    if (existing is null) await files.CreateFolderAsync(path, "0755", ct).ConfigureAwait(false);
                }
                else
                {
                    var bytes = new UTF8Encoding(false).GetBytes(Value ?? string.Empty);
                    await files.UploadAsync(new[] { new SandboxFiles.UploadItem(path, () => new MemoryStream(bytes, writable: false), bytes.Length) }, null, ct).ConfigureAwait(false);
                }
                pipe.WriteObject(new DaytonaPS.FileInfo(files.SandboxId, await files.GetInfoAsync(path, ct).ConfigureAwait(false)));
            }).ConfigureAwait(false);
        }
    }
}
