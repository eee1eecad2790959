using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace DaytonaPS.Api;

/// <summary>POST /git/clone (toolbox spec GitCloneRequest).</summary>
internal sealed class GitCloneDto
{
    public string Url { get; set; } = string.Empty;
    public string Path { get; set; } = string.Empty;
    public string? Branch { get; set; }
    [JsonPropertyName("commit_id")]
    public string? CommitId { get; set; }
    public int? Depth { get; set; }
    public string? Username { get; set; }
    public string? Password { get; set; }
}

/// <summary>POST /git/push and /git/pull (GitPushRequest, GitPullRequest).</summary>
internal sealed class GitSyncDto
{
    public string Path { get; set; } = string.Empty;
    public string? Branch { get; set; }
    public string? Remote { get; set; }
    [JsonPropertyName("set_upstream")]
    public bool? SetUpstream { get; set; }
    public string? Username { get; set; }
    public string? Password { get; set; }
}

/// <summary>POST/DELETE /git/branches (GitBranchRequest, GitDeleteBranchRequest).</summary>
internal sealed class GitBranchDto
{
    public string Path { get; set; } = string.Empty;
    public string Name { get; set; } = string.Empty;
}

/// <summary>POST /git/checkout.</summary>
internal sealed class GitCheckoutDto
{
    public string Path { get; set; } = string.Empty;
    public string Branch { get; set; } = string.Empty;
}

/// <summary>POST /git/add.</summary>
internal sealed class GitAddDto
{
    public string Path { get; set; } = string.Empty;
    public List<string> Files { get; set; } = new();
}

/// <summary>POST /git/commit.</summary>
internal sealed class GitCommitDto
{
    public string Path { get; set; } = string.Empty;
    public string Message { get; set; } = string.Empty;
    public string Author { get; set; } = string.Empty;
    public string Email { get; set; } = string.Empty;
    [JsonPropertyName("allow_empty")]
    public bool? AllowEmpty { get; set; }
}

/// <summary>The reply of POST /git/commit.</summary>
internal sealed class GitCommitReplyDto
{
    public string? Hash { get; set; }
}

/// <summary>GET /git/status (GitStatus).</summary>
internal sealed class GitStatusDto
{
    public string? CurrentBranch { get; set; }
    public List<GitFileStatusDto>? FileStatus { get; set; }
    public bool BranchPublished { get; set; }
    public int Ahead { get; set; }
    public int Behind { get; set; }
    public bool Detached { get; set; }
    public string? Upstream { get; set; }
}

/// <summary>One entry of GitStatus.fileStatus.</summary>
internal sealed class GitFileStatusDto
{
    public string? Name { get; set; }
    public string? Extra { get; set; }
    public string? Staging { get; set; }
    public string? Worktree { get; set; }
}

/// <summary>GET /git/branches (ListBranchResponse).</summary>
internal sealed class GitBranchListDto
{
    public List<string>? Branches { get; set; }
    public string? Current { get; set; }
}

/// <summary>One entry of GET /git/history (GitCommitInfo).</summary>
internal sealed class GitCommitInfoDto
{
    public string? Hash { get; set; }
    public string? Author { get; set; }
    public string? Email { get; set; }
    public string? Message { get; set; }
    public string? Timestamp { get; set; }
}

/// <summary>POST /git/init (GitInitRequest).</summary>
internal sealed class GitInitDto
{
    public string Path { get; set; } = string.Empty;
    public bool? Bare { get; set; }
    [JsonPropertyName("initial_branch")]
    public string? InitialBranch { get; set; }
}

/// <summary>POST /git/reset (GitResetRequest).</summary>
internal sealed class GitResetDto
{
    public string Path { get; set; } = string.Empty;
    public string? Mode { get; set; }
    public string? Target { get; set; }
    public List<string>? Files { get; set; }
}

/// <summary>POST /git/restore (GitRestoreRequest).</summary>
internal sealed class GitRestoreDto
{
    public string Path { get; set; } = string.Empty;
    public List<string> Files { get; set; } = new();
    public string? Source { get; set; }
    public bool? Staged { get; set; }
    public bool? Worktree { get; set; }
}

/// <summary>GET /git/remotes (ListRemotesResponse).</summary>
internal sealed class GitRemoteListDto
{
    public List<GitRemoteDto>? Remotes { get; set; }
}

/// <summary>One remote (GitRemote).</summary>
internal sealed class GitRemoteDto
{
    public string? Name { get; set; }
    public string? Url { get; set; }
}

/// <summary>POST /git/remotes (GitAddRemoteRequest).</summary>
internal sealed class GitAddRemoteDto
{
    public string Path { get; set; } = string.Empty;
    public string Name { get; set; } = string.Empty;
    public string Url { get; set; } = string.Empty;
    public bool? Fetch { get; set; }
    public bool? Overwrite { get; set; }
}

/// <summary>POST /git/credentials (GitAuthenticateRequest): stored in the sandbox by git's credential store.</summary>
internal sealed class GitAuthenticateDto
{
    public string Username { get; set; } = string.Empty;
    public string Password { get; set; } = string.Empty;
    public string? Host { get; set; }
    public string? Protocol { get; set; }
}
