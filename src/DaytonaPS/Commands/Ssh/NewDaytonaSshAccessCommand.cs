using System.Globalization;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Commands.Sandbox;

namespace DaytonaPS.Commands.Ssh;

/// <summary>
/// New-DaytonaSshAccess: mints an SSH access token for a sandbox (POST /sandbox/{id}/ssh-access).
/// Daytona revokes the sandbox's earlier tokens when it creates one.
/// </summary>
[Cmdlet(VerbsCommon.New, "DaytonaSshAccess", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(SshAccess))]
public sealed class NewDaytonaSshAccessCommand : DaytonaSandboxCmdlet
{
    /// <summary>How long the token is valid, in minutes.</summary>
    [Parameter]
    [ValidateRange(1, 1440)]
    public int ExpiresInMinutes { get; set; } = 60;

    /// <summary>Also fill SshAccess.PlainToken with the token as plain text.</summary>
    [Parameter]
    public SwitchParameter AsPlainText { get; set; }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, object? state, CancellationToken ct)
    {
        var (id, display) = await ResolveAsync(pipe, idOrName, known, ct).ConfigureAwait(false);
        if (!await pipe.ShouldProcessAsync(display, "Create an SSH access token (revokes the sandbox's earlier tokens)").ConfigureAwait(false)) return;
        var access = await Api(pipe).CreateSshAccessAsync(id, ExpiresInMinutes, ct).ConfigureAwait(false);
        var endpoint = SshEndpoint.Parse(access.SshCommand, id);
        var result = new SshAccess(access, id, endpoint, AsPlainText);
        pipe.WriteVerbose(string.Format(CultureInfo.InvariantCulture, "SSH access to {0} via {1}:{2}, expires {3:u}.", display, endpoint.Host, endpoint.Port, result.ExpiresAt));
        pipe.WriteObject(result);
    }
}
