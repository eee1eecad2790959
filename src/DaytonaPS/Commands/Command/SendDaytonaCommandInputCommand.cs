using System.Management.Automation;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Auth;

namespace DaytonaPS.Commands.Command;

/// <summary>
/// Send-DaytonaCommandInput: answers a prompt of a command running in a session (from
/// Start-DaytonaCommand): the text goes to its stdin, with a newline added when it has none. The
/// protocol is <see cref="ToolboxClient.SendInputAsync"/>'s.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "DaytonaCommandInput", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = TextSet)]
[OutputType(typeof(void))]
public sealed class SendDaytonaCommandInputCommand : DaytonaApiCmdlet
{
    private const string TextSet = "Text";
    private const string SecureSet = "Secure";

    /// <summary>The text to send (a line; a newline is added when it ends without one).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = TextSet)]
    [AllowEmptyString]
    public string InputText { get; set; } = string.Empty;

    /// <summary>A secret to send (a password at a prompt): never shown in any stream.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SecureSet)]
    [ValidateNotNull]
    public SecureString SecureInput { get; set; } = null!;

    /// <summary>The sandbox id (or name).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DaytonaPS.Commands.Sandbox.SandboxCompleter))]
    public string SandboxId { get; set; } = string.Empty;

    /// <summary>The session the command runs in.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DaytonaPS.Commands.Session.SessionCompleter))]
    public string SessionId { get; set; } = string.Empty;

    /// <summary>The command id (from Start-DaytonaCommand).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string CommandId { get; set; } = string.Empty;

    protected override void ProcessRecord()
    {
        var sandbox = SandboxId;
        var session = SessionId;
        var command = CommandId;
        var secret = ParameterSetName == SecureSet;
        var text = secret ? SecretText.Reveal(SecureInput) : InputText;
        Run((pipe, ct) => SendAsync(pipe, sandbox, session, command, text, secret, ct), command);
    }

    private async Task SendAsync(CmdletPipe pipe, string sandbox, string session, string commandId, string text, bool secret, CancellationToken ct)
    {
        var (toolbox, display) = await ToolboxClient.ForSandboxAsync(Api(pipe), sandbox, null, ct).ConfigureAwait(false);
        var target = $"command {commandId} in session '{session}' of {display}";
        var what = secret ? "a secret line (-SecureInput)" : $"'{CommandRunner.Shorten(text)}'";
        if (!await pipe.ShouldProcessAsync(target, "Send " + what).ConfigureAwait(false)) return;
        await toolbox.SendInputAsync(session, commandId, text, ct).ConfigureAwait(false);
        pipe.WriteVerbose($"Sent {(secret ? "a secret line" : text.Length + " characters")} to {target}.");
    }
}
