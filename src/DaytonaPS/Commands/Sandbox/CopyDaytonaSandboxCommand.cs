using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Sandbox;

/// <summary>
/// Copy-DaytonaSandbox: forks sandboxes (Daytona's fork: a new sandbox that starts with a copy of the
/// source's filesystem, e.g. one per CI job from a prepared one) and waits until each fork is started.
/// Daytona forks only started sandboxes of the linux-vm and windows classes, without GPUs.
/// </summary>
/// <remarks>
/// The fork's name is -NewName, not -Name: -Name is the alias by which -Id takes a piped object's Name
/// (as on every sandbox cmdlet), so `Copy-DaytonaSandbox -Name web-1` names the source, as Start-DaytonaSandbox -Name does.
/// </remarks>
[Cmdlet(VerbsCommon.Copy, "DaytonaSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = IdSet)]
[OutputType(typeof(DaytonaPS.Sandbox))]
public sealed class CopyDaytonaSandboxCommand : DaytonaSandboxCmdlet
{
    /// <summary>The fork's name; omitted, Daytona gives it one.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? NewName { get; set; }

    /// <summary>Return the fork at once instead of waiting for 'started'.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>Seconds to wait for the fork to be started (0 = no limit).</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; } = 60;

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, object? state, CancellationToken ct)
    {
        var (id, display) = await ResolveAsync(pipe, idOrName, known, ct).ConfigureAwait(false);
        var action = NewName is null ? "Fork" : $"Fork as '{NewName}'";
        if (!await pipe.ShouldProcessAsync(display, action).ConfigureAwait(false)) return;
        SandboxDto fork;
        try
        {
            fork = await new SandboxForks(Sandboxes(pipe)).ForkAsync(id, NewName, !NoWait, Seconds(TimeoutSec), ct).ConfigureAwait(false);
        }
        catch (DaytonaApiException ex) when (ex.StatusCode == 422)
        {
            throw new DaytonaException(ErrorIds.ForkNotSupported, ErrorCategory.InvalidOperation,
                $"{display} cannot be forked: {ex.ServerMessage ?? ex.Message} Daytona forks sandboxes of the linux-vm and windows classes only, without GPUs: " +
                "create the source from a snapshot made with New-DaytonaSnapshot -SandboxClass linux-vm.", id);
        }
        pipe.WriteObject(new DaytonaPS.Sandbox(fork));
    }
}
