using System.Globalization;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// `git status --porcelain=v2 --branch -z` as the daemon's GitStatus: currentBranch, upstream,
/// ahead/behind (only with an upstream), branchPublished, detached, and one fileStatus per path
/// with go-git's status names (an untracked file is Untracked in both columns).
/// </summary>
public static class GitStatusParser
{
    public sealed record FileStatus(string Name, string Extra, string Staging, string Worktree);

    public sealed record Status(string CurrentBranch, List<FileStatus> FileStatus, bool BranchPublished, int Ahead, int Behind, bool Detached, string Upstream);

    public static Status Parse(string porcelain)
    {
        var branch = "";
        var upstream = "";
        int ahead = 0, behind = 0;
        var detached = false;
        var files = new List<FileStatus>();
        var entries = porcelain.Split('\0');
        for (var i = 0; i < entries.Length; i++)
        {
            var e = entries[i];
            if (e.Length == 0) continue;
            if (e.StartsWith("# branch.head ", StringComparison.Ordinal))
            {
                branch = e["# branch.head ".Length..];
                // go-git's Head().Name().Short() on a detached HEAD is "HEAD".
                if (branch == "(detached)") { branch = "HEAD"; detached = true; }
            }
            else if (e.StartsWith("# branch.upstream ", StringComparison.Ordinal)) upstream = e["# branch.upstream ".Length..];
            else if (e.StartsWith("# branch.ab ", StringComparison.Ordinal))
            {
                var parts = e["# branch.ab ".Length..].Split(' ');
                ahead = int.Parse(parts[0].TrimStart('+'), CultureInfo.InvariantCulture);
                behind = int.Parse(parts[1].TrimStart('-'), CultureInfo.InvariantCulture);
            }
            else if (e[0] == '1') files.Add(Changed(e, Field(e, 8), ""));
            else if (e[0] == '2')
            {
                // A rename or copy: the original path is the next NUL-separated entry.
                var original = i + 1 < entries.Length ? entries[++i] : "";
                files.Add(Changed(e, Field(e, 9), original));
            }
            else if (e[0] == 'u') files.Add(new FileStatus(Field(e, 10), "", "Updated but unmerged", "Updated but unmerged"));
            else if (e[0] == '?') files.Add(new FileStatus(e[2..], "", "Untracked", "Untracked"));
        }
        files.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new Status(branch, files, upstream.Length > 0, ahead, behind, detached, upstream);
    }

    /// <summary>The path: everything after the first <paramref name="spaces"/> fields (a path may hold spaces).</summary>
    private static string Field(string entry, int spaces)
    {
        var at = 0;
        for (var n = 0; n < spaces; n++) at = entry.IndexOf(' ', at) + 1;
        return entry[at..];
    }

    private static FileStatus Changed(string entry, string path, string extra) =>
        new(path, extra, Name(entry[2]), Name(entry[3]));

    private static string Name(char code) => code switch
    {
        'M' or 'T' => "Modified",
        'A' => "Added",
        'D' => "Deleted",
        'R' => "Renamed",
        'C' => "Copied",
        'U' => "Updated but unmerged",
        _ => "Unmodified",
    };
}
