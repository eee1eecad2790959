using System.Collections.Generic;
using System.Linq;

namespace DaytonaPS;

/// <summary>
/// The state of a git repository in a sandbox (Get-DaytonaGitStatus): its branch, how far it is
/// ahead of and behind its upstream, and its changed files.
/// </summary>
public sealed class GitStatus
{
    internal GitStatus(string sandboxId, string repositoryPath, Api.GitStatusDto dto)
    {
        SandboxId = sandboxId;
        RepositoryPath = repositoryPath;
        Branch = dto.CurrentBranch ?? string.Empty;
        Upstream = string.IsNullOrEmpty(dto.Upstream) ? null : dto.Upstream;
        IsPublished = dto.BranchPublished;
        IsDetached = dto.Detached;
        Ahead = dto.Ahead;
        Behind = dto.Behind;
        Files = (dto.FileStatus ?? new List<Api.GitFileStatusDto>()).Select(f => new GitFileStatus(f)).ToArray();
    }

    /// <summary>The sandbox the repository is in.</summary>
    public string SandboxId { get; }
    /// <summary>The repository's folder in the sandbox, as it was given.</summary>
    public string RepositoryPath { get; }
    /// <summary>The checked-out branch ("HEAD" when detached).</summary>
    public string Branch { get; }
    /// <summary>The upstream branch, e.g. "origin/main"; null when the branch has none.</summary>
    public string? Upstream { get; }
    /// <summary>True when the branch has an upstream.</summary>
    public bool IsPublished { get; }
    /// <summary>True when HEAD is a commit, not a branch.</summary>
    public bool IsDetached { get; }
    /// <summary>Commits on the branch that its upstream does not have.</summary>
    public int Ahead { get; }
    /// <summary>Commits on the upstream that the branch does not have (as last fetched).</summary>
    public int Behind { get; }
    /// <summary>Every file that is not unmodified: staged, changed or untracked.</summary>
    public IReadOnlyList<GitFileStatus> Files { get; }
    /// <summary>True when no file is staged, changed or untracked.</summary>
    public bool IsClean => Files.Count == 0;

    public override string ToString() => Branch;
}
