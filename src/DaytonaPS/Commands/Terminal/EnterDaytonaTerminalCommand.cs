using System;
using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Commands.Sandbox;
using DaytonaPS.Ssh;
using DaytonaPS.Terminal;

namespace DaytonaPS.Commands.Terminal;

/// <summary>
/// Enter-DaytonaTerminal: an interactive shell in a sandbox over the toolbox PTY API, for
/// networks and machines without SSH. The console is raw while it runs (Ctrl+C goes to the remote
/// program); exiting the shell, or Ctrl+] to detach, returns a TerminalResult with the exit code.
/// The protocol is <see cref="PtyTerminal"/>'s.
/// </summary>
[Cmdlet(VerbsCommon.Enter, "DaytonaTerminal", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(TerminalResult))]
public sealed class EnterDaytonaTerminalCommand : DaytonaApiCmdlet
{
    private const string IdSet = "Id";
    private const string InputObjectSet = "InputObject";

    /// <summary>The sandbox id or name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    [Alias("SandboxId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SandboxCompleter))]
    public string Id { get; set; } = string.Empty;

    /// <summary>A sandbox from Get-DaytonaSandbox or New-DaytonaSandbox.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public DaytonaPS.Sandbox? InputObject { get; set; }

    /// <summary>The directory the shell starts in (default: the sandbox's working directory).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? WorkingDirectory { get; set; }

    /// <summary>Environment variables for the shell.</summary>
    [Parameter]
    public Hashtable? Environment { get; set; }

    private System.Collections.Generic.Dictionary<string, string>? _environment;

    protected override void BeginProcessing()
    {
        // Refuse before any call: without a console there is nothing to relay.
        var why = SshInteractivity.WhyNotInteractive(Host);
        if (why is not null)
        {
            ThrowTerminatingError(ErrorMapper.ToErrorRecord(new DaytonaException(ErrorIds.TerminalNotInteractive, ErrorCategory.InvalidOperation,
                $"Enter-DaytonaTerminal needs an interactive console: {why}.", terminating: true,
                recommendedAction: "Run commands with Invoke-DaytonaCommand, or code with Invoke-DaytonaCode."), null));
        }
        if (Environment is not null)
        {
            _environment = ParameterMaps.ToStringMap(Environment);
            foreach (var name in _environment.Keys)
            {
                if (!CommandScript.IsValidEnvironmentName(name))
                    ThrowInvalidArgument($"-Environment: '{name}' is not a valid environment variable name (letters, digits and _, not starting with a digit).", target: name);
            }
        }
        base.BeginProcessing();
    }

    protected override void ProcessRecord()
    {
        var key = ParameterSetName == InputObjectSet ? InputObject!.Id : Id.Trim();
        var since = Stopwatch.StartNew();
        Run((pipe, ct) => SessionAsync(pipe, key, since, ct), (object?)InputObject ?? key);
    }

    private async Task SessionAsync(CmdletPipe pipe, string idOrName, Stopwatch since, CancellationToken ct)
    {
        var (toolbox, display) = await ToolboxClient.ForSandboxAsync(Api(pipe), idOrName, InputObject, ct).ConfigureAwait(false);
        if (!await pipe.ShouldProcessAsync(display, "Open an interactive terminal").ConfigureAwait(false)) return;
        var started = DateTimeOffset.Now;
        var watch = Stopwatch.StartNew();
        TerminalOutcome outcome;
        using (var console = RawConsole.Open())
        {
            var hint = Encoding.UTF8.GetBytes($"Terminal in {display}: leave with 'exit', or Ctrl+] to detach.\r\n");
            console.WriteOutput(hint, hint.Length);
            outcome = await new PtyTerminal(toolbox).RunAsync(console, WorkingDirectory, _environment, since, ct).ConfigureAwait(false);
        }
        if (outcome.FirstOutputAfter is { } first)
            pipe.WriteVerbose(string.Format(CultureInfo.InvariantCulture, "First terminal output {0:0} ms after the cmdlet started.", first.TotalMilliseconds));
        pipe.WriteVerbose(outcome.Detached ? $"Detached from {display}; the terminal's shell was ended." : $"The terminal's shell exited with code {outcome.ExitCode}.");
        pipe.WriteObject(new TerminalResult(toolbox.SandboxId, outcome.ExitCode, outcome.Detached, started, watch.Elapsed));
    }
}
