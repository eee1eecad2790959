using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Sandbox;

/// <summary>Stop-DaytonaSandbox: stops (or with -Archive, stops and archives) sandboxes and waits for it.</summary>
[Cmdlet(VerbsLifecycle.Stop, "DaytonaSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(DaytonaPS.Sandbox))]
public sealed class StopDaytonaSandboxCommand : DaytonaSandboxCmdlet
{
    /// <summary>After stopping, archive the sandbox (moves it to cheaper storage).</summary>
    [Parameter]
    public SwitchParameter Archive { get; set; }

    /// <summary>Kill the sandbox's processes (SIGKILL) instead of asking them to end (SIGTERM).</summary>
    [Parameter]
    public SwitchParameter Kill { get; set; }

    [Parameter]
    public SwitchParameter NoWait { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; } = 60;

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, object? state, CancellationToken ct)
    {
        var action = Archive ? "Stop and archive" : "Stop";
        SandboxDto? result;
        string display;
        if (known is not null)
        {
            // A piped sandbox is stopped without looking it up first (one call, not two).
            display = known.Describe();
            if (!await pipe.ShouldProcessAsync(display, action).ConfigureAwait(false)) return;
            result = await Sandboxes(pipe).StopKnownAsync(known.Id, display, Archive, Kill, !NoWait, Seconds(TimeoutSec), ct).ConfigureAwait(false);
        }
        else
        {
            SandboxDto dto;
            (dto, display) = await FetchCurrentAsync(pipe, idOrName, known, ct).ConfigureAwait(false);
            if (!await pipe.ShouldProcessAsync(display, action).ConfigureAwait(false)) return;
            result = await Sandboxes(pipe).StopAsync(dto, display, Archive, Kill, !NoWait, Seconds(TimeoutSec), ct).ConfigureAwait(false);
        }
        if (result is null)
        {
            pipe.WriteVerbose($"{display} was ephemeral and has been deleted.");
            return;
        }
        if (PassThru) pipe.WriteObject(new DaytonaPS.Sandbox(result));
    }
}
