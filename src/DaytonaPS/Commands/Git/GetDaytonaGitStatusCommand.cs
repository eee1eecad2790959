using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Git;

/// <summary>Get-DaytonaGitStatus: branch, upstream, ahead/behind and changed files of a repository in a sandbox (GET /git/status).</summary>
[Cmdlet(VerbsCommon.Get, "DaytonaGitStatus", DefaultParameterSetName = IdSet)]
[OutputType(typeof(GitStatus))]
public sealed class GetDaytonaGitStatusCommand : DaytonaGitCmdlet
{
    private protected override Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var path = (string)state!;
        var git = Git(pipe, toolbox);
        return ForPathAsync(pipe, path, () => WriteStatusAsync(pipe, git, path, ct));
    }
}
