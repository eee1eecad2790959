using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Sandbox;

/// <summary>Start-DaytonaSandbox: starts stopped/archived sandboxes (recovers recoverable errored ones) and waits until started.</summary>
[Cmdlet(VerbsLifecycle.Start, "DaytonaSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = IdSet)]
[OutputType(typeof(DaytonaPS.Sandbox))]
public sealed class StartDaytonaSandboxCommand : DaytonaSandboxCmdlet
{
    /// <summary>Return at once instead of waiting for 'started'.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>Write the sandbox to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; } = 60;

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, object? state, CancellationToken ct)
    {
        SandboxDto result;
        if (known is not null)
        {
            // A piped sandbox is started without looking it up first (one call, not two).
            var display = known.Describe();
            if (!await pipe.ShouldProcessAsync(display, "Start").ConfigureAwait(false)) return;
            result = await Sandboxes(pipe).StartKnownAsync(known.Id, display, !NoWait, Seconds(TimeoutSec), ct).ConfigureAwait(false);
        }
        else
        {
            var (dto, display) = await FetchCurrentAsync(pipe, idOrName, known, ct).ConfigureAwait(false);
            if (!await pipe.ShouldProcessAsync(display, "Start").ConfigureAwait(false)) return;
            result = await Sandboxes(pipe).StartAsync(dto, display, !NoWait, Seconds(TimeoutSec), ct).ConfigureAwait(false);
        }
        if (PassThru) pipe.WriteObject(new DaytonaPS.Sandbox(result));
    }
}
