using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Git;

/// <summary>
/// Remove-DaytonaGitBranch: deletes local branches (DELETE /git/branches), merged or not, as Daytona
/// does (`git branch -D`). A missing branch is DaytonaNotFound.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "DaytonaGitBranch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(void))]
public sealed class RemoveDaytonaGitBranchCommand : DaytonaGitCmdlet
{
    /// <summary>Branches to delete; binds the Name of piped GitBranch objects.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = Array.Empty<string>();

    private protected override object? CaptureRecordState() => (Path, Name);

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var (path, names) = ((string, string[]))state!;
        var git = Git(pipe, toolbox);
        foreach (var name in names)
        {
            if (!await pipe.ShouldProcessAsync(Repository(path, display), $"Delete branch '{name}'").ConfigureAwait(false)) continue;
            await ForPathAsync(pipe, name, () => git.DeleteBranchAsync(path, name, ct)).ConfigureAwait(false);
        }
    }
}
