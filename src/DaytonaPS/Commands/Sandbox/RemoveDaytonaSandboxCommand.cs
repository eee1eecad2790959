using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Commands.Sandbox;

/// <summary>Remove-DaytonaSandbox: deletes sandboxes (piped deletes run concurrently).</summary>
[Cmdlet(VerbsCommon.Remove, "DaytonaSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = IdSet)]
[OutputType(typeof(void))]
public sealed class RemoveDaytonaSandboxCommand : DaytonaSandboxCmdlet
{
    /// <summary>Do not ask for confirmation.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Wait until each sandbox is destroyed.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>How long to keep retrying a busy sandbox and, with -Wait, to wait (0 = no limit).</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; } = 60;

    private protected override bool ForceConfirmation => Force;

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, object? state, CancellationToken ct)
    {
        var (id, display) = await ResolveAsync(pipe, idOrName, known, ct).ConfigureAwait(false);
        if (!await pipe.ShouldProcessAsync(display, "Remove").ConfigureAwait(false)) return;
        try
        {
            await Sandboxes(pipe).RemoveAsync(id, display, Wait, Seconds(TimeoutSec), ct).ConfigureAwait(false);
        }
        catch (DaytonaPS.Api.DaytonaApiException ex) when (ex.StatusCode == 404 && known is not null)
        {
            pipe.WriteFailure(ex, known);
            return;
        }
        pipe.WriteVerbose($"Removed {display}.");
    }
}
