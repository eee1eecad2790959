using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Commands.Snapshot;

/// <summary>Remove-DaytonaSnapshot: deletes snapshots (general snapshots cannot be deleted).</summary>
[Cmdlet(VerbsCommon.Remove, "DaytonaSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
[OutputType(typeof(void))]
public sealed class RemoveDaytonaSnapshotCommand : DaytonaSnapshotCmdlet
{
    /// <summary>Do not ask for confirmation.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private protected override bool ForceConfirmation => Force;

    private protected override async Task ProcessSnapshotAsync(CmdletPipe pipe, string id, string display, CancellationToken ct)
    {
        if (!await pipe.ShouldProcessAsync(display, "Remove").ConfigureAwait(false)) return;
        await Snapshots(pipe).DeleteAsync(id, ct).ConfigureAwait(false);
        pipe.WriteVerbose($"Removed {display}.");
    }
}
