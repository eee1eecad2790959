namespace DaytonaPS;

/// <summary>The state of a file in the index (staging) or the working tree, as Daytona's git status names it.</summary>
public enum GitFileState
{
    Unmodified,
    Untracked,
    Modified,
    Added,
    Deleted,
    Renamed,
    Copied,
    /// <summary>A merge conflict ("Updated but unmerged").</summary>
    UpdatedButUnmerged,
}
