using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Git;

/// <summary>
/// Push-DaytonaGitBranch: pushes a branch (default: the current one) to a remote (default origin),
/// like `git push` (POST /git/push). A rejected push (the remote moved on) is DaytonaGitConflict.
/// </summary>
[Cmdlet(VerbsCommon.Push, "DaytonaGitBranch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(GitStatus))]
public sealed class PushDaytonaGitBranchCommand : DaytonaGitCmdlet
{
    /// <summary>The branch to push (default: the checked-out branch).</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Branch { get; set; }

    /// <summary>The remote to push to (default: origin).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Remote { get; set; }

    /// <summary>Record the pushed branch as the local branch's upstream.</summary>
    [Parameter]
    public SwitchParameter SetUpstream { get; set; }

    /// <summary>User name and password (or access token) for the git server.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>How long the push may take, in seconds (default 600).</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = DefaultNetworkTimeoutSec;

    /// <summary>Return the repository's status afterwards.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var path = (string)state!;
        var what = $"Push {(Branch is null ? "the current branch" : "branch '" + Branch + "'")} to {Remote ?? "origin"}";
        if (!await pipe.ShouldProcessAsync(Repository(path, display), what).ConfigureAwait(false)) return;
        var git = Git(pipe, toolbox);
        await ForPathAsync(pipe, path, async () =>
        {
            await git.PushAsync(path, Branch, Remote, SetUpstream, Plain(Credential), Seconds(TimeoutSec), ct).ConfigureAwait(false);
            if (PassThru) await WriteStatusAsync(pipe, git, path, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }
}
