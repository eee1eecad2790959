using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Command;

/// <summary>
/// Invoke-DaytonaCommand: runs a shell command in sandboxes and returns a CommandResult per
/// sandbox (piped sandboxes run concurrently). Binding and output only: the protocol (sessions,
/// retries, following, output limits) is <see cref="CommandRunner"/>'s.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "DaytonaCommand", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(CommandResult))]
public sealed class InvokeDaytonaCommandCommand : DaytonaToolboxCmdlet
{
    /// <summary>The command line, run by bash.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Command { get; set; } = string.Empty;

    /// <summary>The directory to run in (default: the sandbox's working directory).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? WorkingDirectory { get; set; }

    /// <summary>Environment variables for the command.</summary>
    [Parameter]
    public Hashtable? Environment { get; set; }

    /// <summary>Seconds the command may run (0 = no limit).</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; }

    /// <summary>Run in a login shell (profiles first).</summary>
    [Parameter]
    public SwitchParameter LoginShell { get; set; }

    /// <summary>Text given to the command as stdin.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? InputText { get; set; }

    /// <summary>Show output lines live, then return the result.</summary>
    [Parameter]
    public SwitchParameter Stream { get; set; }

    /// <summary>Write a DaytonaCommandFailed error when the exit code is not 0.</summary>
    [Parameter]
    public SwitchParameter ErrorOnNonZeroExit { get; set; }

    /// <summary>Start a stopped or archived sandbox (and wait until it is started) instead of failing.</summary>
    [Parameter]
    public SwitchParameter AutoStart { get; set; }

    /// <summary>The most bytes of stdout, and of stderr, kept in the result (0 = no limit).</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long MaximumOutputSize { get; set; } = CommandRunner.DefaultOutputLimit;

    /// <summary>Write the command's stdout, byte for byte, to this local file instead of the result.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutFile { get; set; }

    private Dictionary<string, string>? _environment;
    private ConfirmationShortcut? _confirmation;
    private string? _outFile;
    private int _outFileTaken;
    private LogGroups? _logGroups;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        _environment = EnvironmentMap(Environment);
        _confirmation = ConfirmationShortcut.For(this, ConfirmImpact.Medium);
        // Azure DevOps: each sandbox's live output folds into a ##[group] section of the log.
        if (Stream && AzurePipelines.Detected) _logGroups = new LogGroups(Pipe);
        if (OutFile is not null)
        {
            _outFile = SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutFile);
            var folder = Path.GetDirectoryName(_outFile);
            if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
            {
                ThrowTerminatingError(new ErrorRecord(
                    new DirectoryNotFoundException($"-OutFile: the folder '{folder}' does not exist."),
                    ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, OutFile));
            }
        }
    }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var action = "Run '" + CommandRunner.Shorten(Command) + "'" + (AutoStart ? " (starting the sandbox first if it is not started)" : string.Empty);
        if (!await _confirmation!.ShouldProcessAsync(pipe, display, action).ConfigureAwait(false)) return;
        if (_outFile is not null && Interlocked.Exchange(ref _outFileTaken, 1) == 1)
        {
            throw new DaytonaException(ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
                $"-OutFile takes the output of one sandbox; {display} is another one, so the command did not run there.", toolbox.SandboxId,
                recommendedAction: "Run Invoke-DaytonaCommand -OutFile once per sandbox, each with its own file.");
        }
        var relay = Stream
            ? new OutputRelay(pipe, toolbox.SandboxId, _logGroups, $"{MyInvocation.MyCommand.Name}: '{CommandRunner.Shorten(Command)}' in {display}")
            : null;
        var request = new CommandRequest(Command)
        {
            WorkingDirectory = WorkingDirectory,
            Environment = _environment,
            LoginShell = LoginShell,
            InputText = InputText,
            TimeoutSec = TimeoutSec,
            OutputLimit = MaximumOutputSize,
            OnLine = relay is null ? null : relay.Line,
            OutFile = _outFile,
            AutoStart = AutoStart,
        };
        CommandResult result;
        try
        {
            result = await new CommandRunner(toolbox.Api).RunAsync(toolbox, request, ct).ConfigureAwait(false);
        }
        finally
        {
            relay?.End();
        }
        result.SandboxName = toolbox.SandboxName;
        pipe.WriteObject(result);
        if (ErrorOnNonZeroExit && result.ExitCode != 0)
        {
            pipe.WriteFailure(new DaytonaException(ErrorIds.CommandFailed, ErrorCategory.InvalidResult,
                string.Format(CultureInfo.InvariantCulture, "'{0}' exited with code {1} in {2}.", CommandRunner.Shorten(Command), result.ExitCode, display), result), result);
        }
    }
}
