using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Git;

/// <summary>
/// Update-DaytonaGitBranch: brings the current branch up to date with its remote, like
/// `git pull --ff-only` (POST /git/pull): fast-forward only, never a merge commit. Diverged
/// histories or local changes in the way are DaytonaGitConflict.
/// </summary>
/// <remarks>Pull is no approved verb; Update ("bring a resource up to date") is what a fast-forward pull does.</remarks>
[Cmdlet(VerbsData.Update, "DaytonaGitBranch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = IdSet)]
[OutputType(typeof(GitStatus))]
public sealed class UpdateDaytonaGitBranchCommand : DaytonaGitCmdlet
{
    /// <summary>The remote branch to pull (default: the current branch's upstream).</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Branch { get; set; }

    /// <summary>The remote to pull from (default: origin).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Remote { get; set; }

    /// <summary>User name and password (or access token) for the git server.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>How long the pull may take, in seconds (default 600).</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = DefaultNetworkTimeoutSec;

    /// <summary>Return the repository's status afterwards.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var path = (string)state!;
        var what = $"Pull {(Branch is null ? "the upstream" : "branch '" + Branch + "'")} from {Remote ?? "origin"} (fast-forward only)";
        if (!await pipe.ShouldProcessAsync(Repository(path, display), what).ConfigureAwait(false)) return;
        var git = Git(pipe, toolbox);
        await ForPathAsync(pipe, path, async () =>
        {
            await git.PullAsync(path, Branch, Remote, Plain(Credential), Seconds(TimeoutSec), ct).ConfigureAwait(false);
            if (PassThru) await WriteStatusAsync(pipe, git, path, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }
}
