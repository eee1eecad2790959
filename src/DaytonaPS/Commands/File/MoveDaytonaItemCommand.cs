using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Files;

/// <summary>
/// Move-DaytonaItem: moves or renames a file or folder inside a sandbox (POST /files/move), like
/// Move-Item: into -Destination when that is an existing folder, else to that path. An existing file
/// at the destination is never replaced (DaytonaPathExists).
/// </summary>
[Cmdlet(VerbsCommon.Move, "DaytonaItem", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(DaytonaPS.FileInfo))]
public sealed class MoveDaytonaItemCommand : DaytonaFileCmdlet
{
    /// <summary>Sandbox paths to move.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>The new path, or an existing folder to move into.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = string.Empty;

    /// <summary>Return the moved item.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var files = Files(pipe, toolbox);
        var destination = await files.TryGetInfoAsync(Destination, ct).ConfigureAwait(false);
        var intoFolder = destination?.IsDir == true;
        if (!intoFolder && Path.Length > 1)
        {
            pipe.WriteFailure(Invalid($"Moving several items needs an existing folder as -Destination; {InSandbox(Destination, display)} is not one.", Destination), Destination);
            return;
        }
        foreach (var path in Path)
        {
            var target = intoFolder ? TransferPaths.RemoteJoin(destination!.Path ?? Destination, TransferPaths.RemoteName(path)) : Destination;
            if (!await pipe.ShouldProcessAsync(InSandbox(path, display), $"Move to '{target}'").ConfigureAwait(false)) continue;
            await ForPathAsync(pipe, path, async () =>
            {
                await files.MoveAsync(path, target, ct).ConfigureAwait(false);
                if (PassThru) pipe.WriteObject(new DaytonaPS.FileInfo(files.SandboxId, await files.GetInfoAsync(target, ct).ConfigureAwait(false)));
            }).ConfigureAwait(false);
        }
    }
}
