using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Git;

/// <summary>
/// Restore-DaytonaGitItem: puts files back as they were, like `git restore` (POST /git/restore):
/// by default the working tree from the index (throwing away unstaged edits); -Staged unstages,
/// -Source takes the content from a commit.
/// </summary>
[Cmdlet(VerbsData.Restore, "DaytonaGitItem", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(GitStatus))]
public sealed class RestoreDaytonaGitItemCommand : DaytonaGitCmdlet
{
    /// <summary>The files to restore: paths relative to the repository, or git pathspecs ("." for everything).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Item { get; set; } = System.Array.Empty<string>();

    /// <summary>The commit to take the content from (a hash, branch or HEAD~1); default: the index.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Source { get; set; }

    /// <summary>Restore the index (unstage); with -Worktree too, both.</summary>
    [Parameter]
    public SwitchParameter Staged { get; set; }

    /// <summary>Restore the working tree (the default when -Staged is not given).</summary>
    [Parameter]
    public SwitchParameter Worktree { get; set; }

    /// <summary>Return the repository's status afterwards.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var path = (string)state!;
        var where = Staged && Worktree ? "index and working tree" : Staged ? "index" : "working tree";
        var what = $"Restore {string.Join(", ", Item)} in the {where} from {Source ?? (Staged ? "HEAD" : "the index")}";
        if (!await pipe.ShouldProcessAsync(Repository(path, display), what).ConfigureAwait(false)) return;
        var git = Git(pipe, toolbox);
        await ForPathAsync(pipe, path, async () =>
        {
            await git.RestoreAsync(path, Item, Source, Staged, Worktree, ct).ConfigureAwait(false);
            if (PassThru) await WriteStatusAsync(pipe, git, path, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }
}
