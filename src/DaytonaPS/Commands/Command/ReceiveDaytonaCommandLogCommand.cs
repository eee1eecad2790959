using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Command;

/// <summary>
/// Receive-DaytonaCommandLog: the output of a session command so far, or with -Follow its output
/// live (shown as Invoke-DaytonaCommand -Stream shows it) until it ends; returns a CommandLog.
/// Follow and collect are <see cref="CommandRunner"/>'s, shared with Invoke-DaytonaCommand -Stream.
/// </summary>
[Cmdlet(VerbsCommunications.Receive, "DaytonaCommandLog", DefaultParameterSetName = CommandSet)]
[OutputType(typeof(CommandLog))]
public sealed class ReceiveDaytonaCommandLogCommand : DaytonaApiCmdlet
{
    private const string CommandSet = "Command";
    private const string EntrypointSet = "Entrypoint";

    /// <summary>The sandbox id (or name).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    public string SandboxId { get; set; } = string.Empty;

    /// <summary>The session.</summary>
    [ArgumentCompleter(typeof(DaytonaPS.Commands.Session.SessionCompleter))]
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = CommandSet)]
    [ValidateNotNullOrEmpty]
    public string SessionId { get; set; } = string.Empty;

    /// <summary>The command id (from Start-DaytonaCommand).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = CommandSet)]
    [ValidateNotNullOrEmpty]
    public string CommandId { get; set; } = string.Empty;

    /// <summary>The log of the snapshot's entrypoint (the sandbox's own service, started with it), from its entrypoint session.</summary>
    [Parameter(Mandatory = true, ParameterSetName = EntrypointSet)]
    public SwitchParameter Entrypoint { get; set; }

    /// <summary>Stream the output until the command ends.</summary>
    [Parameter]
    public SwitchParameter Follow { get; set; }

    /// <summary>Seconds to follow before giving up (0 = until the command ends).</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; }

    /// <summary>The most bytes of stdout, and of stderr, kept in the result (0 = no limit).</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long MaximumOutputSize { get; set; } = CommandRunner.DefaultOutputLimit;

    protected override void ProcessRecord()
    {
        var sandbox = SandboxId;
        var entrypoint = ParameterSetName == EntrypointSet;
        var session = entrypoint ? ToolboxClient.EntrypointSessionId : SessionId;
        var command = entrypoint ? null : CommandId;
        Run((pipe, ct) => ReceiveAsync(pipe, sandbox, session, command, ct), sandbox);
    }

    private async Task ReceiveAsync(CmdletPipe pipe, string sandbox, string session, string? commandId, CancellationToken ct)
    {
        var (toolbox, _) = await ToolboxClient.ForSandboxAsync(Api(pipe), sandbox, null, ct).ConfigureAwait(false);
        var relay = Follow ? new OutputRelay(pipe, toolbox.SandboxId) : null;
        var log = await new CommandRunner(toolbox.Api).ReceiveAsync(toolbox, session, commandId, Follow, TimeoutSec, MaximumOutputSize, relay is null ? null : relay.Line, ct).ConfigureAwait(false);
        pipe.WriteObject(log);
    }
}
