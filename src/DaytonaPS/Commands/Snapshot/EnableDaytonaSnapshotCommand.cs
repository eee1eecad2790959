using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Commands.Snapshot;

/// <summary>Enable-DaytonaSnapshot: activates inactive snapshots (POST /snapshots/{id}/activate) and waits until active.</summary>
[Cmdlet(VerbsLifecycle.Enable, "DaytonaSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = NameSet)]
[OutputType(typeof(DaytonaPS.Snapshot))]
public sealed class EnableDaytonaSnapshotCommand : DaytonaSnapshotCmdlet
{
    /// <summary>Return once Daytona accepted the activation, without waiting for 'active'.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>Write the snapshot to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Seconds to wait for 'active'; 0 = no limit.</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; } = 600;

    private protected override async Task ProcessSnapshotAsync(CmdletPipe pipe, string id, string display, CancellationToken ct)
    {
        if (!await pipe.ShouldProcessAsync(display, "Activate").ConfigureAwait(false)) return;
        var ops = Snapshots(pipe);
        var dto = await ops.ActivateAsync(id, ct).ConfigureAwait(false) ?? await ops.GetAsync(id, ct).ConfigureAwait(false);
        if (!NoWait) dto = await ops.WaitUntilActiveAsync(dto, Seconds(TimeoutSec), ct).ConfigureAwait(false);
        if (PassThru) pipe.WriteObject(new DaytonaPS.Snapshot(dto));
    }
}
