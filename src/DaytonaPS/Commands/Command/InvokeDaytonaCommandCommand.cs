using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Command;

/// <summary>
/// Invoke-DaytonaCommand: runs a shell command in sandboxes and returns a CommandResult per
/// sandbox (piped sandboxes run concurrently). The command runs in a session of DaytonaPS's own
/// (reused between calls), in a child bash, so stdout and stderr come back separately and nothing
/// the command does can end the session.
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

    private Dictionary<string, string>? _environment;
    private bool _neutralise;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        _neutralise = OutputRelay.InAzureDevOps;
        _environment = EnvironmentMap(Environment);
    }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        if (!await pipe.ShouldProcessAsync(display, "Run '" + Shorten(Command) + "'").ConfigureAwait(false)) return;

        string? stdinPath = null;
        // The command's own wrapper removes the stdin file once it has opened it; if the exec call
        // did not come back, remove it here (a second removal is harmless).
        var completed = false;
        try
        {
            if (InputText is not null)
            {
                stdinPath = "/tmp/daytonaps-stdin-" + Guid.NewGuid().ToString("N");
                await toolbox.UploadAsync(stdinPath, new UTF8Encoding(false).GetBytes(InputText), ct).ConfigureAwait(false);
            }
            var line = CommandScript.Build(Command, WorkingDirectory, _environment, LoginShell, stdinPath, TimeoutSec);
            var startedAt = DateTimeOffset.Now;
            var watch = Stopwatch.StartNew();
            CommandResult result;
            try
            {
                result = Stream
                    ? await RunStreamingAsync(pipe, toolbox, line, startedAt, watch, ct).ConfigureAwait(false)
                    : await RunAsync(toolbox, line, startedAt, watch, ct).ConfigureAwait(false);
                completed = true;
            }
            catch (TimeoutException ex)
            {
                pipe.WriteFailure(TimedOut(toolbox, watch.Elapsed, ex), toolbox.SandboxId);
                return;
            }
            if (TimeoutSec > 0 && (result.ExitCode == 124 || result.ExitCode == 137) && watch.Elapsed.TotalSeconds >= TimeoutSec - 0.25)
            {
                // coreutils timeout stopped it in the sandbox.
                pipe.WriteFailure(TimedOut(toolbox, watch.Elapsed, null, result), toolbox.SandboxId);
                return;
            }
            pipe.WriteObject(result);
            if (ErrorOnNonZeroExit && result.ExitCode != 0)
            {
                pipe.WriteFailure(new DaytonaException(ErrorIds.CommandFailed, ErrorCategory.InvalidResult,
                    string.Format(CultureInfo.InvariantCulture, "'{0}' exited with code {1} in {2}.", Shorten(Command), result.ExitCode, display), result), result);
            }
        }
        finally
        {
            if (stdinPath is not null && !completed) await BestEffortDeleteAsync(toolbox, stdinPath).ConfigureAwait(false);
        }
    }

    private DaytonaException TimedOut(ToolboxClient toolbox, TimeSpan elapsed, Exception? inner, CommandResult? partial = null) =>
        new(ErrorIds.CommandTimeout, ErrorCategory.OperationTimeout,
            string.Format(CultureInfo.InvariantCulture, "'{0}' did not finish within -TimeoutSec {1} in sandbox {2} (stopped after {3:0.#} s).",
                Shorten(Command), TimeoutSec, toolbox.SandboxId, elapsed.TotalSeconds),
            (object?)partial ?? toolbox.SandboxId, recommendedAction: "Raise -TimeoutSec, or run it in the background with Start-DaytonaCommand.", innerException: inner);

    /// <summary>The HTTP wait: longer than the command's own timeout, which stops it in the sandbox first.</summary>
    private TimeSpan? Deadline => TimeoutSec > 0 ? TimeSpan.FromSeconds(TimeoutSec + 10) : null;

    private async Task<CommandResult> RunAsync(ToolboxClient toolbox, string line, DateTimeOffset startedAt, Stopwatch watch, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (session, fresh) = await toolbox.RentExecSessionAsync(ct).ConfigureAwait(false);
            SessionExecuteResponseDto reply;
            try
            {
                reply = await toolbox.ExecSyncAsync(session, line, Deadline, ct).ConfigureAwait(false);
            }
            catch (DaytonaApiException ex) when (ex.StatusCode == 404 && !fresh && attempt < 3)
            {
                // A session kept from an earlier call is gone (the sandbox restarted): nothing ran; use another.
                continue;
            }
            catch (Exception ex) when (ex is TimeoutException || ex is OperationCanceledException || (ex is DaytonaApiException d && d.Kind != DaytonaFailureKind.HttpError))
            {
                // The command may still run: end its session, which stops it.
                await toolbox.DiscardSessionAsync(session).ConfigureAwait(false);
                throw;
            }
            toolbox.ReturnExecSession(session);
            watch.Stop();
            return new CommandResult(toolbox.SandboxId, Command, reply.ExitCode ?? -1, reply.Output ?? (reply.Stdout + reply.Stderr),
                reply.Stdout ?? string.Empty, reply.Stderr ?? string.Empty, startedAt, watch.Elapsed);
        }
    }

    private async Task<CommandResult> RunStreamingAsync(CmdletPipe pipe, ToolboxClient toolbox, string line, DateTimeOffset startedAt, Stopwatch watch, CancellationToken ct)
    {
        string session, commandId;
        for (var attempt = 0; ; attempt++)
        {
            var (s, fresh) = await toolbox.RentExecSessionAsync(ct).ConfigureAwait(false);
            try
            {
                commandId = await toolbox.ExecAsyncCommand(s, line, ct).ConfigureAwait(false);
                session = s;
                break;
            }
            catch (DaytonaApiException ex) when (ex.StatusCode == 404 && !fresh && attempt < 3)
            {
            }
        }

        var relay = new OutputRelay(pipe, toolbox.SandboxId, _neutralise);
        var collector = new LogCollector(relay.Line);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (Deadline is { } d) deadline.CancelAfter(d);
        try
        {
            await toolbox.FollowLogsAsync(session, commandId, collector.Add, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException || ex is DaytonaApiException)
        {
            collector.Complete();
            await toolbox.DiscardSessionAsync(session).ConfigureAwait(false);
            if (ex is OperationCanceledException && !ct.IsCancellationRequested) throw new TimeoutException("The command did not finish in time.", ex);
            throw;
        }
        collector.Complete();
        var command = await toolbox.GetCommandAsync(session, commandId, ct).ConfigureAwait(false);
        toolbox.ReturnExecSession(session);
        watch.Stop();
        return new CommandResult(toolbox.SandboxId, Command, command.ExitCode ?? -1, collector.Output, collector.Stdout, collector.Stderr, startedAt, watch.Elapsed);
    }

    private static async Task BestEffortDeleteAsync(ToolboxClient toolbox, string path)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await toolbox.DeleteFileAsync(path, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DaytonaApiException || ex is OperationCanceledException)
        {
        }
    }

    internal static string Shorten(string command)
    {
        var oneLine = command.Replace("\r", string.Empty).Replace('\n', ' ').Trim();
        return oneLine.Length <= 60 ? oneLine : oneLine.Substring(0, 57) + "...";
    }
}
