using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Commands.Files;

namespace DaytonaPS.Commands.Git;

/// <summary>
/// Set-DaytonaGitCredential: stores a git credential in the sandbox (POST /git/credentials, the
/// SDK's dangerouslyAuthenticate), so later clones, pushes and pulls to that host need no
/// -Credential. Git's credential store keeps it in plain text in the sandbox user's home: anything
/// that runs in the sandbox can read it. The credential goes in the request body only; it is never
/// shown, logged or put in a message (the user name included).
/// </summary>
[Cmdlet(VerbsCommon.Set, "DaytonaGitCredential", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(void))]
public sealed class SetDaytonaGitCredentialCommand : DaytonaFileCmdlet
{
    /// <summary>User name and password (or access token) for the git server.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Credential]
    [ValidateNotNull]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    /// <summary>The git server's host, with a port if it is not the default one (default github.com, as Daytona's).</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? HostName { get; set; }

    /// <summary>https (default) or http.</summary>
    [Parameter]
    [ValidateSet("https", "http")]
    public string? Protocol { get; set; }

    protected override void BeginProcessing()
    {
        if (Credential == PSCredential.Empty || string.IsNullOrEmpty(Credential.UserName))
            ThrowInvalidArgument("-Credential needs a user name and a password or token (Get-Credential, or [pscredential]::new('user', $secureToken)).");
        base.BeginProcessing();
    }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var host = HostName ?? "github.com";
        var where = (Protocol ?? "https") + "://" + host;
        if (!await pipe.ShouldProcessAsync(display, $"Store a git credential for {where} (plain text in the sandbox user's git credential store)").ConfigureAwait(false)) return;
        var git = new SandboxGit(Api(pipe), toolbox);
        await git.StoreCredentialAsync(Credential.GetNetworkCredential(), HostName, Protocol, ct).ConfigureAwait(false);
        pipe.WriteVerbose($"{display}: git credential stored for {where}.");
    }
}
