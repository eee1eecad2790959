using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Commands.Command;

namespace DaytonaPS.Commands.Session;

/// <summary>Remove-DaytonaSession: ends sessions (and the commands still running in them).</summary>
[Cmdlet(VerbsCommon.Remove, "DaytonaSession", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = IdSet)]
[OutputType(typeof(void))]
public sealed class RemoveDaytonaSessionCommand : DaytonaToolboxCmdlet
{
    /// <summary>The sessions to remove.</summary>
    [ArgumentCompleter(typeof(DaytonaPS.Commands.Session.SessionCompleter))]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] SessionId { get; set; } = System.Array.Empty<string>();

    /// <summary>Do not ask for confirmation.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private protected override bool ForceConfirmation => Force;

    private protected override object? CaptureRecordState() => SessionId;

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        foreach (var id in (string[])state!)
        {
            if (!await pipe.ShouldProcessAsync($"session '{id}' in {display}", "Remove").ConfigureAwait(false)) continue;
            try
            {
                await toolbox.DeleteSessionAsync(id, ct).ConfigureAwait(false);
                pipe.WriteVerbose($"Removed session '{id}' in {display}.");
            }
            catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.NotFound)
            {
                pipe.WriteFailure(ex, id);
            }
        }
    }
}
