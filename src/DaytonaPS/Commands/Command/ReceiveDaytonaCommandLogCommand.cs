using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Command;

/// <summary>
/// Receive-DaytonaCommandLog: the output of a session command so far, or with -Follow its output
/// live (shown as Invoke-DaytonaCommand -Stream shows it) until it ends; returns a CommandLog.
/// </summary>
[Cmdlet(VerbsCommunications.Receive, "DaytonaCommandLog")]
[OutputType(typeof(CommandLog))]
public sealed class ReceiveDaytonaCommandLogCommand : DaytonaApiCmdlet
{
    /// <summary>The sandbox id (or name).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    public string SandboxId { get; set; } = string.Empty;

    /// <summary>The session.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string SessionId { get; set; } = string.Empty;

    /// <summary>The command id (from Start-DaytonaCommand).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string CommandId { get; set; } = string.Empty;

    /// <summary>Stream the output until the command ends.</summary>
    [Parameter]
    public SwitchParameter Follow { get; set; }

    /// <summary>Seconds to follow before giving up (0 = until the command ends).</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; }

    protected override void ProcessRecord()
    {
        var sandbox = SandboxId;
        var session = SessionId;
        var command = CommandId;
        Run((pipe, ct) => ReceiveAsync(pipe, sandbox, session, command, ct), sandbox);
    }

    private async Task ReceiveAsync(CmdletPipe pipe, string sandbox, string session, string commandId, CancellationToken ct)
    {
        var (toolbox, _) = await ToolboxClient.ForSandboxAsync(Api(pipe), sandbox, null, ct).ConfigureAwait(false);
        if (!Follow)
        {
            var logs = await toolbox.GetCommandLogsAsync(session, commandId, ct).ConfigureAwait(false);
            var info = await toolbox.GetCommandAsync(session, commandId, ct).ConfigureAwait(false);
            pipe.WriteObject(new CommandLog(toolbox.SandboxId, session, commandId, info.ExitCode, logs.Output ?? string.Empty, logs.Stdout ?? string.Empty, logs.Stderr ?? string.Empty));
            return;
        }
        var relay = new OutputRelay(pipe, toolbox.SandboxId, OutputRelay.InAzureDevOps);
        var collector = new LogCollector(relay.Line);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (TimeoutSec > 0) deadline.CancelAfter(System.TimeSpan.FromSeconds(TimeoutSec));
        try
        {
            await toolbox.FollowLogsAsync(session, commandId, collector.Add, deadline.Token).ConfigureAwait(false);
        }
        catch (System.OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            collector.Complete();
            throw new DaytonaException(ErrorIds.CommandTimeout, ErrorCategory.OperationTimeout,
                $"Command {commandId} was still running after -TimeoutSec {TimeoutSec}; it keeps running (Receive-DaytonaCommandLog again, or Remove-DaytonaSession to stop it).",
                sandbox);
        }
        collector.Complete();
        var done = await toolbox.GetCommandAsync(session, commandId, ct).ConfigureAwait(false);
        pipe.WriteObject(new CommandLog(toolbox.SandboxId, session, commandId, done.ExitCode, collector.Output, collector.Stdout, collector.Stderr));
    }
}
