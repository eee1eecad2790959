using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Command;

/// <summary>
/// Start-DaytonaCommand: starts a command in a session (created when missing) and returns at once
/// with a SessionCommand; Receive-DaytonaCommandLog reads or follows its output. The protocol is
/// <see cref="CommandRunner.StartAsync"/>'s.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "DaytonaCommand", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(SessionCommand))]
public sealed class StartDaytonaCommandCommand : DaytonaToolboxCmdlet
{
    /// <summary>The command line, run by bash.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Command { get; set; } = string.Empty;

    /// <summary>The session to run in (created when missing). Default: a new session.</summary>
    [ArgumentCompleter(typeof(DaytonaPS.Commands.Session.SessionCompleter))]
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidatePattern("^[A-Za-z0-9._-]{1,128}$")]
    public string? SessionId { get; set; }

    /// <summary>The directory to run in.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? WorkingDirectory { get; set; }

    /// <summary>Environment variables for the command.</summary>
    [Parameter]
    public Hashtable? Environment { get; set; }

    /// <summary>Run in a login shell (profiles first).</summary>
    [Parameter]
    public SwitchParameter LoginShell { get; set; }

    /// <summary>Start a stopped or archived sandbox (and wait until it is started) instead of failing.</summary>
    [Parameter]
    public SwitchParameter AutoStart { get; set; }

    /// <summary>Keep the command's stdin open for Send-DaytonaCommandInput (default: stdin is empty, /dev/null).</summary>
    [Parameter]
    public SwitchParameter AcceptInput { get; set; }

    /// <summary>Input sent with Send-DaytonaCommandInput is not echoed into the command's log (for passwords); implies -AcceptInput.</summary>
    [Parameter]
    public SwitchParameter NoInputEcho { get; set; }

    private Dictionary<string, string>? _environment;
    private ConfirmationShortcut? _confirmation;

    private protected override object? CaptureRecordState() => SessionId;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        _environment = EnvironmentMap(Environment);
        _confirmation = ConfirmationShortcut.For(this, ConfirmImpact.Medium);
    }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var session = state is string given && given.Length > 0 ? given : "daytonaps-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var action = "Start '" + CommandRunner.Shorten(Command) + "'" + (AutoStart ? " (starting the sandbox first if it is not started)" : string.Empty);
        if (!await _confirmation!.ShouldProcessAsync(pipe, $"{display}, session '{session}'", action).ConfigureAwait(false)) return;
        var request = new CommandRequest(Command)
        {
            WorkingDirectory = WorkingDirectory,
            Environment = _environment,
            LoginShell = LoginShell,
            AutoStart = AutoStart,
            SuppressInputEcho = NoInputEcho,
            AcceptInput = AcceptInput || NoInputEcho,
        };
        var commandId = await new CommandRunner(toolbox.Api).StartAsync(toolbox, session, request, ct).ConfigureAwait(false);
        pipe.WriteVerbose($"Started command {commandId} in session '{session}' of {display}.");
        pipe.WriteObject(new SessionCommand(toolbox.SandboxId, session, commandId, Command, null) { SandboxName = toolbox.SandboxName });
    }
}
