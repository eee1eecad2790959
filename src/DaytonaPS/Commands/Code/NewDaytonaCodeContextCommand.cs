using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Commands.Command;

namespace DaytonaPS.Commands.Code;

/// <summary>New-DaytonaCodeContext: creates a stateful interpreter context in sandboxes.</summary>
[Cmdlet(VerbsCommon.New, "DaytonaCodeContext", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = IdSet)]
[OutputType(typeof(CodeContext))]
public sealed class NewDaytonaCodeContextCommand : DaytonaToolboxCmdlet
{
    /// <summary>The context's working directory in the sandbox. Default: the sandbox's working directory.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? WorkingDirectory { get; set; }

    /// <summary>The interpreter's language (Daytona has Python contexts only).</summary>
    [Parameter]
    [ValidateSet("python")]
    public string Language { get; set; } = "python";

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        if (!await pipe.ShouldProcessAsync(display, $"Create a {Language} interpreter context").ConfigureAwait(false)) return;
        var context = await new CodeInterpreter(toolbox).CreateContextAsync(WorkingDirectory, Language, ct).ConfigureAwait(false);
        pipe.WriteVerbose($"Created interpreter context '{context.ContextId}' in {display}.");
        pipe.WriteObject(context);
    }
}
