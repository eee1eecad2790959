using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Git;

/// <summary>
/// Reset-DaytonaGitBranch: moves the current branch to a commit, like `git reset` (POST /git/reset):
/// -Mode Soft keeps the index and files, Mixed (the default) keeps the files, Hard discards every
/// uncommitted change, Merge and Keep as git's. With -Item only those files are unstaged
/// (reset in the index to -Target); HEAD does not move.
/// </summary>
[Cmdlet(VerbsCommon.Reset, "DaytonaGitBranch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(GitStatus))]
public sealed class ResetDaytonaGitBranchCommand : DaytonaGitCmdlet
{
    /// <summary>The commit to reset to: a hash, branch, tag or expression like HEAD~1 (default HEAD).</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Target { get; set; }

    /// <summary>Soft, Mixed (default), Hard, Merge or Keep, as git reset's modes.</summary>
    [Parameter]
    [ValidateSet("Soft", "Mixed", "Hard", "Merge", "Keep")]
    public string? Mode { get; set; }

    /// <summary>Only these files (paths relative to the repository): unstaged, HEAD stays where it is.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Item { get; set; }

    /// <summary>Return the repository's status afterwards.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing()
    {
        if (Mode is not null && Item is not null)
            ThrowInvalidArgument("-Mode moves the branch, -Item only unstages files: git takes no mode with files. Leave out one of them.");
        base.BeginProcessing();
    }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var path = (string)state!;
        var target = Target ?? "HEAD";
        var what = Item is not null
            ? $"Unstage {string.Join(", ", Item)} (index reset to {target})"
            : $"Reset the current branch to {target} ({(Mode ?? "Mixed").ToLowerInvariant()}" +
              (string.Equals(Mode, "Hard", StringComparison.OrdinalIgnoreCase) ? ": uncommitted changes are discarded)" : ")");
        if (!await pipe.ShouldProcessAsync(Repository(path, display), what).ConfigureAwait(false)) return;
        var git = Git(pipe, toolbox);
        await ForPathAsync(pipe, path, async () =>
        {
            await git.ResetAsync(path, Mode?.ToLowerInvariant(), Target, Item, ct).ConfigureAwait(false);
            if (PassThru) await WriteStatusAsync(pipe, git, path, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }
}
