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
