using System;
using System.Management.Automation;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Commands.Files;

namespace DaytonaPS.Commands.Git;

/// <summary>
/// Base of the *-DaytonaGit* cmdlets: the file cmdlets' sandbox binding (-Id without the Name alias:
/// a piped GitBranch's Name is the branch) and per-item failures, plus the repository -Path, which
/// binds from the RepositoryPath of piped git objects and the FullName of a piped FileInfo.
/// </summary>
public abstract class DaytonaGitCmdlet : DaytonaFileCmdlet
{
    /// <summary>The repository's folder in the sandbox (relative paths start at the sandbox user's home).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RepositoryPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public virtual string Path { get; set; } = string.Empty;

    private protected override object? CaptureRecordState() => Path;

    private protected SandboxGit Git(CmdletPipe pipe, ToolboxClient toolbox) => new(Api(pipe), toolbox);

    /// <summary>"repository '/path' in sandbox 'x' (id)", for ShouldProcess and messages.</summary>
    private protected static string Repository(string path, string display) => "repository " + InSandbox(path, display);

    /// <summary>Writes the repository's status (the -PassThru of the cmdlets that change one).</summary>
    private protected static async Task WriteStatusAsync(CmdletPipe pipe, SandboxGit git, string path, CancellationToken ct) =>
        pipe.WriteObject(new GitStatus(git.SandboxId, path, await git.GetStatusAsync(path, ct).ConfigureAwait(false)));

    /// <summary>The plain user name and password for the request body (read only when it is built), or null.</summary>
    private protected static NetworkCredential? Plain(PSCredential? credential) =>
        credential is null || credential == PSCredential.Empty ? null : credential.GetNetworkCredential();

    /// <summary>The default deadline of a clone, push or pull (-TimeoutSec).</summary>
    internal const int DefaultNetworkTimeoutSec = 600;
}
