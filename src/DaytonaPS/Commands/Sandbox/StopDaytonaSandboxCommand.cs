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

    /// <summary>Turn auto-delete off first (and check that Daytona did), so the stopped sandbox is kept.</summary>
    [Parameter]
    public SwitchParameter Retain { get; set; }

    [Parameter]
    public SwitchParameter NoWait { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; } = 60;

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, object? state, CancellationToken ct)
    {
        var action = (Retain ? "Disable auto-delete, " : string.Empty) + (Archive ? "Stop and archive" : "Stop");
        SandboxDto? result;
        string display;
        if (known is not null)
        {
            // A piped sandbox is stopped without looking it up first (one call, not two).
            display = known.Describe();
            if (!await pipe.ShouldProcessAsync(display, action).ConfigureAwait(false)) return;
            if (Retain) await RetainAsync(pipe, known.Id, display, ct).ConfigureAwait(false);
            result = await Sandboxes(pipe).StopKnownAsync(known.Id, display, Archive, Kill, !NoWait, Seconds(TimeoutSec), ct).ConfigureAwait(false);
        }
        else
        {
            SandboxDto dto;
            (dto, display) = await FetchCurrentAsync(pipe, idOrName, known, ct).ConfigureAwait(false);
            if (!await pipe.ShouldProcessAsync(display, action).ConfigureAwait(false)) return;
            if (Retain) await RetainAsync(pipe, dto.Id, display, ct).ConfigureAwait(false);
            result = await Sandboxes(pipe).StopAsync(dto, display, Archive, Kill, !NoWait, Seconds(TimeoutSec), ct).ConfigureAwait(false);
        }
        if (result is null)
        {
            pipe.WriteVerbose($"{display} was ephemeral and has been deleted.");
            return;
        }
        if (PassThru) pipe.WriteObject(new DaytonaPS.Sandbox(result));
    }

    /// <summary>
    /// Sets auto-delete to -1 (never) and reads it back before the stop: an ephemeral sandbox (0) would be
    /// deleted by the stop itself, so a setting that did not take is an error and nothing is stopped.
    /// </summary>
    private async Task RetainAsync(CmdletPipe pipe, string id, string display, CancellationToken ct)
    {
        var api = Api(pipe);
        await api.SetIntervalAsync(id, "autodelete", -1, ct).ConfigureAwait(false);
        var now = await FetchAsync(pipe, id, ct).ConfigureAwait(false);
        if (now.AutoDeleteInterval != -1)
        {
            throw new DaytonaException(ErrorIds.RetainFailed, System.Management.Automation.ErrorCategory.InvalidResult,
                $"{display}: auto-delete is still {now.AutoDeleteInterval?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"} min after turning it off; not stopped.",
                id, recommendedAction: "Check the sandbox with Get-DaytonaSandbox; Set-DaytonaSandbox -AutoDeleteMinutes -1 turns auto-delete off.");
        }
        pipe.WriteVerbose($"{display}: auto-delete is off.");
    }
}
