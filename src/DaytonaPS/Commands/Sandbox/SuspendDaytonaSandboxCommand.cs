using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Sandbox;

/// <summary>
/// Suspend-DaytonaSandbox: pauses started sandboxes (POST /pause; memory is kept, unlike a stop) and
/// waits until paused. Daytona pauses only VM sandbox classes (linux-vm, windows); others are refused.
/// </summary>
[Cmdlet(VerbsLifecycle.Suspend, "DaytonaSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(DaytonaPS.Sandbox))]
public sealed class SuspendDaytonaSandboxCommand : DaytonaSandboxCmdlet
{
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; } = 60;

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, object? state, CancellationToken ct)
    {
        var (id, display) = await ResolveAsync(pipe, idOrName, known, ct).ConfigureAwait(false);
        if (!await pipe.ShouldProcessAsync(display, "Pause").ConfigureAwait(false)) return;
        var reply = await Api(pipe).PauseSandboxAsync(id, ct).ConfigureAwait(false);
        var result = NoWait || reply?.State == SandboxStates.Paused
            ? reply ?? await FetchAsync(pipe, id, ct).ConfigureAwait(false)
            : await Sandboxes(pipe).WaitForStateAsync(id, display, new[] { SandboxStates.Paused }, Seconds(TimeoutSec), ct).ConfigureAwait(false);
        if (PassThru && result is not null) pipe.WriteObject(new DaytonaPS.Sandbox(result));
    }
}
