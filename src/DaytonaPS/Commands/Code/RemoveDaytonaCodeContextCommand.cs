using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Commands.Command;

namespace DaytonaPS.Commands.Code;

/// <summary>Remove-DaytonaCodeContext: ends interpreter contexts (their state is lost).</summary>
[Cmdlet(VerbsCommon.Remove, "DaytonaCodeContext", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = IdSet)]
[OutputType(typeof(void))]
public sealed class RemoveDaytonaCodeContextCommand : DaytonaToolboxCmdlet
{
    /// <summary>The contexts to remove.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] ContextId { get; set; } = System.Array.Empty<string>();

    /// <summary>Do not ask for confirmation.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private protected override bool ForceConfirmation => Force;

    private protected override object? CaptureRecordState() => ContextId;

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var interpreter = new CodeInterpreter(toolbox);
        foreach (var id in (string[])state!)
        {
            if (!await pipe.ShouldProcessAsync($"interpreter context '{id}' in {display}", "Remove").ConfigureAwait(false)) continue;
            try
            {
                await interpreter.DeleteContextAsync(id, ct).ConfigureAwait(false);
                pipe.WriteVerbose($"Removed interpreter context '{id}' in {display}.");
            }
            catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.NotFound)
            {
                pipe.WriteFailure(ex, id);
            }
        }
    }
}
