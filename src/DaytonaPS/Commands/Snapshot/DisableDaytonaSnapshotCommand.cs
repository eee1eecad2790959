using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Commands.Snapshot;

/// <summary>Disable-DaytonaSnapshot: deactivates snapshots (POST /snapshots/{id}/deactivate); new sandboxes cannot use them until enabled.</summary>
[Cmdlet(VerbsLifecycle.Disable, "DaytonaSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
[OutputType(typeof(DaytonaPS.Snapshot))]
public sealed class DisableDaytonaSnapshotCommand : DaytonaSnapshotCmdlet
{
    /// <summary>Write the snapshot to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private protected override async Task ProcessSnapshotAsync(CmdletPipe pipe, string id, string display, CancellationToken ct)
    {
        if (!await pipe.ShouldProcessAsync(display, "Deactivate").ConfigureAwait(false)) return;
        var ops = Snapshots(pipe);
        await ops.DeactivateAsync(id, ct).ConfigureAwait(false);
        if (PassThru) pipe.WriteObject(new DaytonaPS.Snapshot(await ops.GetAsync(id, ct).ConfigureAwait(false)));
    }
}
