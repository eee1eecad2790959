using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Git;

/// <summary>
/// Switch-DaytonaGitBranch: checks out a branch, or a commit (detached HEAD), like `git switch` /
/// `git checkout` (POST /git/checkout). Local changes the checkout would overwrite are DaytonaGitConflict.
/// </summary>
[Cmdlet(VerbsCommon.Switch, "DaytonaGitBranch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = IdSet)]
[OutputType(typeof(GitStatus))]
public sealed class SwitchDaytonaGitBranchCommand : DaytonaGitCmdlet
{
    /// <summary>The branch (or a commit hash) to check out; binds the Name of a piped GitBranch.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Branch", "Commit")]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>Return the repository's status afterwards.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private protected override object? CaptureRecordState() => (Path, Name);

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var (path, name) = ((string, string))state!;
        if (!await pipe.ShouldProcessAsync(Repository(path, display), $"Check out '{name}'").ConfigureAwait(false)) return;
        var git = Git(pipe, toolbox);
        await ForPathAsync(pipe, path, async () =>
        {
            await git.CheckoutAsync(path, name, ct).ConfigureAwait(false);
            if (PassThru) await WriteStatusAsync(pipe, git, path, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }
}
