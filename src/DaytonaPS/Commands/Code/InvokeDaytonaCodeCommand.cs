using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Commands.Command;

namespace DaytonaPS.Commands.Code;

/// <summary>
/// Invoke-DaytonaCode: runs code in sandboxes and returns a CodeResult per sandbox. Python runs
/// in a stateful interpreter context (the sandbox's default one, or -ContextId), with output
/// streamed as it is written; with -Argv, or another language, the code runs once through
/// Daytona's code-run. An exception in the code is data on the result. The protocol is
/// <see cref="CodeInterpreter"/>'s.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "DaytonaCode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(CodeResult))]
public sealed class InvokeDaytonaCodeCommand : DaytonaToolboxCmdlet
{
    /// <summary>The code to run.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Code { get; set; } = string.Empty;

    /// <summary>The language of the code.</summary>
    [Parameter]
    [ValidateSet("python", "javascript", "typescript")]
    public string Language { get; set; } = "python";

    /// <summary>The interpreter context to run in (from New-DaytonaCodeContext). Default: the sandbox's default context.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ContextId { get; set; }

    /// <summary>Arguments for the program (sys.argv[1:] in Python); runs the code once through code-run, not in a context.</summary>
    [Parameter]
    [AllowEmptyCollection]
    public string[]? Argv { get; set; }

    /// <summary>Environment variables while the code runs.</summary>
    [Parameter]
    public Hashtable? Environment { get; set; }

    /// <summary>Seconds the code may run (0 = no limit). Default: Daytona's (10 minutes in a context).</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; }

    /// <summary>Show output lines live, then return the result.</summary>
    [Parameter]
    public SwitchParameter Stream { get; set; }

    /// <summary>Write a DaytonaCodeFailed error when the code raised an exception or exited with a non-zero code.</summary>
    [Parameter]
    public SwitchParameter ErrorOnCodeError { get; set; }

    private Dictionary<string, string>? _environment;
    private ConfirmationShortcut? _confirmation;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        _environment = EnvironmentMap(Environment);
        _confirmation = ConfirmationShortcut.For(this, ConfirmImpact.Medium);
        if (MyInvocation.BoundParameters.ContainsKey(nameof(ContextId)) && (Argv is not null || Language != "python"))
            ThrowInvalidArgument("-ContextId runs Python in an interpreter context; -Argv and other languages run through code-run, which has no contexts.", target: ContextId);
    }

    private protected override object? CaptureRecordState() => ContextId;

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var contextId = (string?)state;
        var request = new CodeRequest(Language, Code)
        {
            ContextId = contextId,
            Argv = Argv,
            Environment = _environment,
            TimeoutSec = MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSec)) ? TimeoutSec : null,
            OnLine = Stream ? new OutputRelay(pipe, toolbox.SandboxId).Line : null,
        };
        if (contextId is not null && !request.UsesInterpreter)
        {
            throw new DaytonaException(ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
                $"-ContextId '{contextId}' came with -Argv or a language other than python, which run through code-run without contexts; nothing ran in {display}.", contextId);
        }
        var where = request.UsesInterpreter ? $" in interpreter context '{contextId ?? "default"}'" : string.Empty;
        if (!await _confirmation!.ShouldProcessAsync(pipe, display, $"Run {Language} code{where}").ConfigureAwait(false)) return;
        CodeResult result;
        try
        {
            result = await new CodeInterpreter(toolbox).RunAsync(request, ct).ConfigureAwait(false);
        }
        catch (DaytonaException ex) when (ex.ErrorId == ErrorIds.CodeTimeout && ex.Target is CodeResult partial)
        {
            // The error's TargetObject is what the code wrote before it was stopped.
            pipe.WriteFailure(ex, partial);
            return;
        }
        pipe.WriteObject(result);
        if (ErrorOnCodeError && !result.Succeeded)
        {
            var why = result.Error is { } e
                ? $"raised {e.Name}: {e.Value}"
                : string.Format(CultureInfo.InvariantCulture, "exited with code {0}", result.ExitCode);
            pipe.WriteFailure(new DaytonaException(ErrorIds.CodeFailed, ErrorCategory.InvalidResult, $"The {Language} code {why} in {display}.", result), result);
        }
    }
}
