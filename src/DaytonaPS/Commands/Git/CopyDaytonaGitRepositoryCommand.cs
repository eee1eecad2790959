using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Git;

/// <summary>
/// Copy-DaytonaGitRepository: clones a git repository into a sandbox folder (POST /git/clone, which
/// runs git inside the sandbox): one branch (-Branch, else the remote's default), optionally a
/// commit checked out (-Commit) or a shallow history (-Depth). -Credential authenticates over
/// HTTPS; it goes to Daytona in the request body only. A clone has a deadline (-TimeoutSec).
/// </summary>
/// <remarks>Named Copy- as Copy-Item copies into a session: a clone is a copy of a repository.</remarks>
[Cmdlet(VerbsCommon.Copy, "DaytonaGitRepository", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = IdSet)]
[OutputType(typeof(GitStatus))]
public sealed class CopyDaytonaGitRepositoryCommand : DaytonaGitCmdlet
{
    /// <summary>The repository's URL (https://, http://, file://, ssh://).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Url { get; set; } = string.Empty;

    /// <summary>The folder to clone into (it must not exist or be empty).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("RepositoryPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public override string Path { get; set; } = string.Empty;

    /// <summary>The branch to clone (only that branch is fetched).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Branch { get; set; }

    /// <summary>A commit to check out after the clone (detached HEAD).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Commit { get; set; }

    /// <summary>Fetch only this many commits of history.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Depth { get; set; }

    /// <summary>User name and password (or access token) for the git server.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>How long the clone may take, in seconds (default 600).</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = DefaultNetworkTimeoutSec;

    /// <summary>Return the new clone's status.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        if (Uri.TryCreate(Url, UriKind.Absolute, out var uri) && uri.UserInfo.IndexOf(':') >= 0)
        {
            // Would land in .git/config, git's messages and the sandbox's process list.
            ThrowInvalidArgument("-Url holds a password: pass the credentials with -Credential instead, so they never reach a command line or the repository's config.", target: "Url");
        }
    }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var path = (string)state!;
        var what = $"Clone '{Url}'" + (Branch is null ? string.Empty : $" (branch {Branch})") + (Commit is null ? string.Empty : $" at {Commit}");
        if (!await pipe.ShouldProcessAsync(Repository(path, display), what).ConfigureAwait(false)) return;
        var git = Git(pipe, toolbox);
        await ForPathAsync(pipe, path, async () =>
        {
            await git.CloneAsync(Url, path, Branch, Commit, Depth, Plain(Credential), Seconds(TimeoutSec), ct).ConfigureAwait(false);
            pipe.WriteVerbose($"Cloned '{Url}' into {Repository(path, display)}.");
            if (PassThru) await WriteStatusAsync(pipe, git, path, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }
}
