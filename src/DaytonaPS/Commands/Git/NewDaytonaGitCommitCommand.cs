using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Git;

/// <summary>
/// New-DaytonaGitCommit: commits what is staged (POST /git/commit) with the given author, who is
/// the committer too. Nothing staged is an error unless -AllowEmpty.
/// </summary>
[Cmdlet(VerbsCommon.New, "DaytonaGitCommit", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = IdSet)]
[OutputType(typeof(GitCommit))]
public sealed class NewDaytonaGitCommitCommand : DaytonaGitCmdlet
{
    /// <summary>The commit message.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Message { get; set; } = string.Empty;

    /// <summary>The author's name (Daytona's API needs one; it is the committer too).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Author { get; set; } = string.Empty;

    /// <summary>The author's e-mail address.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Email { get; set; } = string.Empty;

    /// <summary>Commit even when nothing is staged.</summary>
    [Parameter]
    public SwitchParameter AllowEmpty { get; set; }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var path = (string)state!;
        if (!await pipe.ShouldProcessAsync(Repository(path, display), $"Commit '{FirstLine(Message)}' as {Author} <{Email}>").ConfigureAwait(false)) return;
        var git = Git(pipe, toolbox);
        await ForPathAsync(pipe, path, async () =>
        {
            var hash = await git.CommitAsync(path, Message, Author, Email, AllowEmpty, ct).ConfigureAwait(false);
            pipe.WriteObject(new GitCommit(git.SandboxId, path, hash, Message, Author, Email));
        }).ConfigureAwait(false);
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOf('\n');
        return end < 0 ? text : text.Substring(0, end).TrimEnd('\r');
    }
}
