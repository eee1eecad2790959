using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Git;

/// <summary>Get-DaytonaGitBranch: the local branches of a repository in a sandbox (GET /git/branches).</summary>
[Cmdlet(VerbsCommon.Get, "DaytonaGitBranch", DefaultParameterSetName = IdSet)]
[OutputType(typeof(GitBranch))]
public sealed class GetDaytonaGitBranchCommand : DaytonaGitCmdlet
{
    /// <summary>Only branches whose name matches (wildcards).</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    private protected override Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var path = (string)state!;
        var git = Git(pipe, toolbox);
        var filter = Name is null ? null : WildcardPattern.Get(Name, WildcardOptions.None);
        return ForPathAsync(pipe, path, async () =>
        {
            var list = await git.ListBranchesAsync(path, ct).ConfigureAwait(false);
            foreach (var name in (list.Branches ?? new()).Where(b => filter is null || filter.IsMatch(b)))
                pipe.WriteObject(new GitBranch(git.SandboxId, path, name, name == list.Current));
        });
    }
}
