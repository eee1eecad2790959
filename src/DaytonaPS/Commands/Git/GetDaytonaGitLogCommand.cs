using System;
using System.Globalization;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Git;

/// <summary>
/// Get-DaytonaGitLog: the history of a repository in a sandbox, newest first, like `git log`
/// (GET /git/history: every commit reachable from HEAD). -First stops after that many.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DaytonaGitLog", DefaultParameterSetName = IdSet)]
[OutputType(typeof(GitCommit))]
public sealed class GetDaytonaGitLogCommand : DaytonaGitCmdlet
{
    /// <summary>Only the newest N commits (Daytona returns the whole history; the rest is not written).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int First { get; set; } = int.MaxValue;

    private protected override Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var path = (string)state!;
        var git = Git(pipe, toolbox);
        return ForPathAsync(pipe, path, async () =>
        {
            var written = 0;
            foreach (var c in await git.GetHistoryAsync(path, ct).ConfigureAwait(false))
            {
                if (written++ >= First) break;
                pipe.WriteObject(new GitCommit(git.SandboxId, path, c.Hash ?? string.Empty, (c.Message ?? string.Empty).TrimEnd('\n'),
                    c.Author ?? string.Empty, c.Email ?? string.Empty, ParseTimestamp(c.Timestamp)));
            }
        });
    }

    private static DateTimeOffset? ParseTimestamp(string? value) =>
        !string.IsNullOrEmpty(value) && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
}
