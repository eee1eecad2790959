using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Git;

/// <summary>New-DaytonaGitRepository: creates a repository in a sandbox folder, like `git init` (POST /git/init).</summary>
[Cmdlet(VerbsCommon.New, "DaytonaGitRepository", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = IdSet)]
[OutputType(typeof(GitStatus))]
public sealed class NewDaytonaGitRepositoryCommand : DaytonaGitCmdlet
{
    /// <summary>A repository without a working tree (to push to).</summary>
    [Parameter]
    public SwitchParameter Bare { get; set; }

    /// <summary>The name of the first branch (default: git's, usually master).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? InitialBranch { get; set; }

    /// <summary>Return the new repository's status (not with -Bare: a bare repository has none).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing()
    {
        if (Bare && PassThru) ThrowInvalidArgument("-PassThru returns the repository's status, which a bare repository does not have: leave out one of -Bare and -PassThru.");
        base.BeginProcessing();
    }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var path = (string)state!;
        var what = "Create a " + (Bare ? "bare " : string.Empty) + "git repository" + (InitialBranch is null ? string.Empty : $" with branch '{InitialBranch}'");
        if (!await pipe.ShouldProcessAsync(InSandbox(path, display), what).ConfigureAwait(false)) return;
        var git = Git(pipe, toolbox);
        await ForPathAsync(pipe, path, async () =>
        {
            await git.InitAsync(path, Bare, InitialBranch, ct).ConfigureAwait(false);
            pipe.WriteVerbose($"Created a {(Bare ? "bare " : string.Empty)}repository at {InSandbox(path, display)}.");
            if (PassThru) await WriteStatusAsync(pipe, git, path, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }
}
