using System;

namespace DaytonaPS;

/// <summary>A commit of a sandbox's repository: one made by New-DaytonaGitCommit, or one of Get-DaytonaGitLog's history.</summary>
public sealed class GitCommit
{
    internal GitCommit(string sandboxId, string repositoryPath, string hash, string message, string author, string email, DateTimeOffset? timestamp = null)
    {
        Timestamp = timestamp;
        SandboxId = sandboxId;
        RepositoryPath = repositoryPath;
        Hash = hash;
        Message = message;
        Author = author;
        Email = email;
    }

    /// <summary>The sandbox the repository is in.</summary>
    public string SandboxId { get; }
    /// <summary>The repository's folder in the sandbox.</summary>
    public string RepositoryPath { get; }
    /// <summary>The full commit hash.</summary>
    public string Hash { get; }
    /// <summary>The first 7 characters of the hash, as git shows it.</summary>
    public string ShortHash => Hash.Length > 7 ? Hash.Substring(0, 7) : Hash;
    public string Message { get; }
    /// <summary>The author's (and committer's) name.</summary>
    public string Author { get; }
    public string Email { get; }
    /// <summary>The author date (Get-DaytonaGitLog); null for a commit just made by New-DaytonaGitCommit.</summary>
    public DateTimeOffset? Timestamp { get; }

    public override string ToString() => Hash;
}
