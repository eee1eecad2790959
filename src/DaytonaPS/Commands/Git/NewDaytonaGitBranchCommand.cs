using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Git;

/// <summary>
/// New-DaytonaGitBranch: creates a branch at the current commit and switches to it (POST /git/branches,
/// which Daytona does as `git checkout -b`). An existing branch is DaytonaGitConflict.
/// </summary>
[Cmdlet(VerbsCommon.New, "DaytonaGitBranch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = IdSet)]
[OutputType(typeof(GitBranch))]
public sealed class NewDaytonaGitBranchCommand : DaytonaGitCmdlet
{
    /// <summary>The new branch's name.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var path = (string)state!;
        if (!await pipe.ShouldProcessAsync(Repository(path, display), $"Create branch '{Name}' and switch to it").ConfigureAwait(false)) return;
        var git = Git(pipe, toolbox);
        await ForPathAsync(pipe, path, async () =>
        {
            await git.CreateBranchAsync(path, Name, ct).ConfigureAwait(false);
            pipe.WriteObject(new GitBranch(git.SandboxId, path, Name, isCurrent: true));
        }).ConfigureAwait(false);
    }
}
