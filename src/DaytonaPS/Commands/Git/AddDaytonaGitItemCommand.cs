using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Git;

/// <summary>Add-DaytonaGitItem: stages files for the next commit, like `git add` (POST /git/add).</summary>
[Cmdlet(VerbsCommon.Add, "DaytonaGitItem", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = IdSet)]
[OutputType(typeof(GitStatus))]
public sealed class AddDaytonaGitItemCommand : DaytonaGitCmdlet
{
    /// <summary>What to stage: paths relative to the repository, or git pathspecs ("." for everything, the default).</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Pathspec { get; set; } = { "." };

    /// <summary>Return the repository's status afterwards.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var path = (string)state!;
        if (!await pipe.ShouldProcessAsync(Repository(path, display), "Stage " + string.Join(", ", Pathspec)).ConfigureAwait(false)) return;
        var git = Git(pipe, toolbox);
        await ForPathAsync(pipe, path, async () =>
        {
            await git.AddAsync(path, Pathspec, ct).ConfigureAwait(false);
            if (PassThru) await WriteStatusAsync(pipe, git, path, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }
}
