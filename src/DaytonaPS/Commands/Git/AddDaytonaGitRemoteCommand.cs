using System;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Git;

/// <summary>
/// Add-DaytonaGitRemote: adds a remote to a repository in a sandbox, like `git remote add`
/// (POST /git/remotes); -Force replaces one of the same name, -Fetch fetches from it at once.
/// A URL with a password is refused, as Copy-DaytonaGitRepository refuses one: it would be kept in
/// .git/config and shown by git; Set-DaytonaGitCredential or -Credential is the way.
/// </summary>
[Cmdlet(VerbsCommon.Add, "DaytonaGitRemote", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = IdSet)]
[OutputType(typeof(GitRemote))]
public sealed class AddDaytonaGitRemoteCommand : DaytonaGitCmdlet
{
    /// <summary>The remote's name, e.g. upstream.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>The remote's URL.</summary>
    [Parameter(Mandatory = true, Position = 2)]
    [ValidateNotNullOrEmpty]
    public string Url { get; set; } = string.Empty;

    /// <summary>Fetch from the remote right after adding it (a network call, bounded by -TimeoutSec).</summary>
    [Parameter]
    public SwitchParameter Fetch { get; set; }

    /// <summary>Replace a remote of the same name (without it, an existing name is DaytonaGitConflict).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>How long the call may take with -Fetch, in seconds (default 600).</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = DefaultNetworkTimeoutSec;

    /// <summary>Return the remote as added.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        if (Uri.TryCreate(Url, UriKind.Absolute, out var uri) && uri.UserInfo.IndexOf(':') >= 0)
            ThrowInvalidArgument("-Url holds a password: leave it out and store the credential with Set-DaytonaGitCredential (or pass -Credential to Push-/Update-DaytonaGitBranch), so it never lands in the repository's config.", target: "Url");
    }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var path = (string)state!;
        var shown = GitRemote.MaskUserInfo(Url);
        var what = $"{(Force ? "Add or replace" : "Add")} remote '{Name}' ({shown}){(Fetch ? " and fetch from it" : string.Empty)}";
        if (!await pipe.ShouldProcessAsync(Repository(path, display), what).ConfigureAwait(false)) return;
        var git = Git(pipe, toolbox);
        await ForPathAsync(pipe, path, async () =>
        {
            var secret = GitRemote.Secret(Url);
            await git.AddRemoteAsync(path, Name, Url, Fetch, Force, Fetch ? Seconds(TimeoutSec) : null, secret is null ? null : new NetworkCredential(string.Empty, secret), ct).ConfigureAwait(false);
            pipe.WriteVerbose($"Added remote '{Name}' ({shown}) to {Repository(path, display)}.");
            if (PassThru)
            {
                var added = (await git.ListRemotesAsync(path, ct).ConfigureAwait(false)).FirstOrDefault(r => r.Name == Name);
                if (added is not null) pipe.WriteObject(new GitRemote(git.SandboxId, path, Name, added.Url ?? string.Empty));
            }
        }).ConfigureAwait(false);
    }
}
