using System;
using System.IO;
using System.Linq;
using System.Management.Automation;

namespace DaytonaPS.Api;

/// <summary>
/// Path arithmetic of copies between this machine and a sandbox. Every name that comes from the
/// other side (a remote listing, a local tree) is checked before it is joined to a destination, so
/// a "..", an absolute path or a separator inside a name can never place a file outside it.
/// </summary>
internal static class TransferPaths
{
    /// <summary>A remote folder and a name, joined with one '/'.</summary>
    public static string RemoteJoin(string directory, string relative)
    {
        var dir = directory.Length > 1 ? directory.TrimEnd('/') : directory;
        return dir.EndsWith("/", StringComparison.Ordinal) ? dir + relative : dir + "/" + relative;
    }

    /// <summary>The last segment of a remote path ("/a/b/" gives "b").</summary>
    public static string RemoteName(string path)
    {
        var trimmed = path.Length > 1 ? path.TrimEnd('/') : path;
        var slash = trimmed.LastIndexOf('/');
        return slash < 0 ? trimmed : trimmed.Substring(slash + 1);
    }

    /// <summary>The remote folder of a path ("/a/b" gives "/a", "b" gives "").</summary>
    public static string RemoteParent(string path)
    {
        var trimmed = path.Length > 1 ? path.TrimEnd('/') : path;
        var slash = trimmed.LastIndexOf('/');
        return slash < 0 ? string.Empty : slash == 0 ? "/" : trimmed.Substring(0, slash);
    }

    /// <summary>
    /// The path of <paramref name="entryPath"/> below <paramref name="rootPath"/> (both remote, as the
    /// toolbox reports them), checked: it must lie below the root and hold no "." or ".." segment.
    /// </summary>
    public static string RemoteRelative(string rootPath, string entryPath)
    {
        var root = rootPath.Length > 1 ? rootPath.TrimEnd('/') : rootPath;
        var prefix = root == "/" ? "/" : root + "/";
        if (!entryPath.StartsWith(prefix, StringComparison.Ordinal) || entryPath.Length == prefix.Length)
            throw Unsafe(entryPath, $"it is not below {rootPath}");
        var relative = entryPath.Substring(prefix.Length);
        CheckSegments(relative, entryPath);
        return relative;
    }

    /// <summary>
    /// <paramref name="root"/> joined with a '/'-separated relative path, refused when any segment is
    /// empty, "." or "..", holds a separator of this system, or the result would leave the root.
    /// </summary>
    public static string LocalJoin(string root, string relative)
    {
        var segments = CheckSegments(relative, relative);
        var fullRoot = Path.GetFullPath(root);
        var joined = Path.GetFullPath(Path.Combine(new[] { fullRoot }.Concat(segments).ToArray()));
        var rootWithSep = fullRoot.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? fullRoot : fullRoot + Path.DirectorySeparatorChar;
        if (!joined.StartsWith(rootWithSep, StringComparison.Ordinal)) throw Unsafe(relative, $"it would leave {root}");
        return joined;
    }

    /// <summary>One name (a file or folder name from the other side), checked as <see cref="LocalJoin"/> does.</summary>
    public static string LocalChild(string directory, string name) => LocalJoin(directory, name);

    private static string[] CheckSegments(string relative, string shown)
    {
        if (string.IsNullOrEmpty(relative) || relative.StartsWith("/", StringComparison.Ordinal))
            throw Unsafe(shown, "it is empty or absolute");
        var segments = relative.Split('/');
        foreach (var segment in segments)
        {
            if (segment.Length == 0 || segment == "." || segment == "..")
                throw Unsafe(shown, "it holds an empty, '.' or '..' segment");
            if (segment.IndexOf('\0') >= 0 || segment.IndexOf(Path.DirectorySeparatorChar) >= 0 || segment.IndexOf(Path.AltDirectorySeparatorChar) >= 0
                || (Path.DirectorySeparatorChar == '\\' && segment.IndexOf(':') >= 0))
                throw Unsafe(shown, "a name holds a path separator");
        }
        return segments;
    }

    private static DaytonaException Unsafe(string path, string why) => new(
        ErrorIds.InvalidArgument, ErrorCategory.SecurityError,
        $"Refused the path '{path}': {why}, so it could place a file outside the destination.", path);
}
