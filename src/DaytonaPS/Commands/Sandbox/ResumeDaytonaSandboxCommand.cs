using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Sandbox;

/// <summary>Resume-DaytonaSandbox: resumes paused sandboxes (Daytona's start of a paused sandbox) and waits until started.</summary>
[Cmdlet(VerbsLifecycle.Resume, "DaytonaSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = IdSet)]
[OutputType(typeof(DaytonaPS.Sandbox))]
public sealed class ResumeDaytonaSandboxCommand : DaytonaSandboxCmdlet
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
        // The current state decides (a piped object may be stale): only a paused sandbox is resumed.
        var (dto, display) = await FetchCurrentAsync(pipe, idOrName, known, ct).ConfigureAwait(false);
        if (dto.State != SandboxStates.Paused)
        {
            throw new DaytonaException(ErrorIds.SandboxNotPaused, ErrorCategory.InvalidOperation,
                $"{display} is not paused (state '{dto.State}').", dto.Id,
                recommendedAction: "Start-DaytonaSandbox starts stopped and archived sandboxes.");
        }
        if (!await pipe.ShouldProcessAsync(display, "Resume").ConfigureAwait(false)) return;
        var result = await Sandboxes(pipe).StartAsync(dto, display, !NoWait, Seconds(TimeoutSec), ct).ConfigureAwait(false);
        if (PassThru) pipe.WriteObject(new DaytonaPS.Sandbox(result));
    }
}
