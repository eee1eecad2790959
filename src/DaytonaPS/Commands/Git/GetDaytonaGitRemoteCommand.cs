using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Git;

/// <summary>Get-DaytonaGitRemote: the remotes of a repository in a sandbox, like `git remote -v` (GET /git/remotes).</summary>
[Cmdlet(VerbsCommon.Get, "DaytonaGitRemote", DefaultParameterSetName = IdSet)]
[OutputType(typeof(GitRemote))]
public sealed class GetDaytonaGitRemoteCommand : DaytonaGitCmdlet
{
    /// <summary>Only remotes whose name matches (wildcards).</summary>
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
            var remotes = await git.ListRemotesAsync(path, ct).ConfigureAwait(false);
            foreach (var r in remotes.Where(r => !string.IsNullOrEmpty(r.Name) && (filter is null || filter.IsMatch(r.Name!))))
                pipe.WriteObject(new GitRemote(git.SandboxId, path, r.Name!, r.Url ?? string.Empty));
        });
    }
}
