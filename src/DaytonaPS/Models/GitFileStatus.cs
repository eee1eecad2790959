namespace DaytonaPS;

/// <summary>One changed, staged or untracked file of a <see cref="GitStatus"/>.</summary>
public sealed class GitFileStatus
{
    internal GitFileStatus(Api.GitFileStatusDto dto)
    {
        Path = dto.Name ?? string.Empty;
        OriginalPath = string.IsNullOrEmpty(dto.Extra) ? null : dto.Extra;
        Staging = Parse(dto.Staging);
        Worktree = Parse(dto.Worktree);
    }

    /// <summary>The path relative to the repository's top folder.</summary>
    public string Path { get; }
    /// <summary>The state in the index (what the next commit takes).</summary>
    public GitFileState Staging { get; }
    /// <summary>The state in the working tree, against the index.</summary>
    public GitFileState Worktree { get; }
    /// <summary>For a rename or copy, the path it came from.</summary>
    public string? OriginalPath { get; }

    public override string ToString() => Path;

    internal static GitFileState Parse(string? state) => state switch
    {
        "Untracked" => GitFileState.Untracked,
        "Modified" => GitFileState.Modified,
        "Added" => GitFileState.Added,
        "Deleted" => GitFileState.Deleted,
        "Renamed" => GitFileState.Renamed,
        "Copied" => GitFileState.Copied,
        "Updated but unmerged" => GitFileState.UpdatedButUnmerged,
        _ => GitFileState.Unmodified,
    };
}
