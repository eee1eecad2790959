namespace DaytonaPS;

/// <summary>A local branch of a git repository in a sandbox (Get-DaytonaGitBranch, New-DaytonaGitBranch).</summary>
public sealed class GitBranch
{
    internal GitBranch(string sandboxId, string repositoryPath, string name, bool isCurrent)
    {
        SandboxId = sandboxId;
        RepositoryPath = repositoryPath;
        Name = name;
        IsCurrent = isCurrent;
    }

    /// <summary>The sandbox the repository is in.</summary>
    public string SandboxId { get; }
    /// <summary>The repository's folder in the sandbox.</summary>
    public string RepositoryPath { get; }
    /// <summary>The branch name, e.g. "main" or "feature/x".</summary>
    public string Name { get; }
    /// <summary>True for the checked-out branch.</summary>
    public bool IsCurrent { get; }

    public override string ToString() => Name;
}
