namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// Maps the paths a sandbox sees to where they are on the host and back, for the file API. The
/// sandbox's "/" is its root directory on the host (its writable layer), except the read-only host
/// trees mounted into it (the linux backend's /usr) and the kernel's and the daemon's own trees
/// (/proc, /dev, /sys, /run/daytona), which the file API never touches. Symlinks are followed the
/// way the sandbox sees them (an absolute target is a sandbox path), so no path leaves the sandbox.
/// </summary>
public sealed class SandboxPaths
{
    public const string WorkDir = "/home/daytona";
    public const string HomeDir = "/home/daytona";

    /// <summary>Trees that belong to the kernel or the emulated daemon: never read or written by the file API.</summary>
    public static readonly string[] HiddenTrees = ["/proc", "/dev", "/sys", "/run/daytona"];

    private const int MaxSymlinkHops = 40;
    private readonly string _root;
    private readonly IReadOnlyDictionary<string, string> _readOnly;
    private readonly IReadOnlyDictionary<string, string> _volumes;

    /// <param name="rootDirectory">Host directory that is the sandbox's "/".</param>
    /// <param name="readOnlyMounts">Sandbox path -> host path of read-only trees mounted into the sandbox.</param>
    /// <param name="volumes">Sandbox path -> host path of the volumes mounted read-write into the sandbox.</param>
    public SandboxPaths(string rootDirectory, IReadOnlyDictionary<string, string>? readOnlyMounts = null, IReadOnlyDictionary<string, string>? volumes = null)
    {
        _root = Path.GetFullPath(rootDirectory);
        _readOnly = readOnlyMounts ?? new Dictionary<string, string>();
        _volumes = volumes ?? new Dictionary<string, string>();
    }

    /// <summary>
    /// A path resolved for a file operation: what the caller named, where it lives on the host,
    /// whether it is read-only, and the host directory of the tree it lies in (the sandbox's root or a
    /// read-only mount), which <see cref="RootedFiles"/> never lets an operation leave.
    /// </summary>
    public readonly record struct Resolved(string ApiPath, string HostPath, bool ReadOnly = false, string? TreeRoot = null);

    /// <summary>Makes a sandbox path absolute (relative paths start at the work dir) and folds "." and "..".</summary>
    public static string Normalize(string apiPath)
    {
        var combined = apiPath.StartsWith('/') ? apiPath : WorkDir + "/" + apiPath;
        var stack = new List<string>();
        foreach (var part in combined.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                if (stack.Count > 0) stack.RemoveAt(stack.Count - 1);
                continue;
            }
            stack.Add(part);
        }
        return "/" + string.Join('/', stack);
    }

    private static bool IsUnder(string normalized, string tree) =>
        normalized == tree || normalized.StartsWith(tree + "/", StringComparison.Ordinal);

    /// <summary>The host path of a normalized sandbox path (null inside a hidden tree), whether it is read-only, and its tree's host root.</summary>
    private (string? Host, bool ReadOnly, string? Tree) Map(string normalized)
    {
        if (HiddenTrees.Any(t => IsUnder(normalized, t))) return (null, false, null);
        foreach (var (mount, host) in _readOnly)
        {
            if (IsUnder(normalized, mount)) return (Join(host, normalized[mount.Length..]), true, Path.GetFullPath(host));
        }
        foreach (var (mount, host) in _volumes.OrderByDescending(v => v.Key.Length))
        {
            // A volume is a tree of its own: operations never leave its host directory.
            if (IsUnder(normalized, mount)) return (Join(host, normalized[mount.Length..]), false, Path.GetFullPath(host));
        }
        return (Join(_root, normalized), false, _root);
    }

    private static string Join(string baseDir, string rest)
    {
        rest = rest.TrimStart('/');
        return rest.Length == 0 ? baseDir : Path.Combine(baseDir, rest.Replace('/', Path.DirectorySeparatorChar));
    }

    /// <summary>The host path of a normalized sandbox path, or null inside a hidden tree.</summary>
    public string? MapLexical(string normalized) => Map(normalized).Host;

    /// <summary>The sandbox path of a host path in the sandbox's writable layer, or null.</summary>
    public string? ToApiPath(string hostPath)
    {
        var full = Path.GetFullPath(hostPath);
        if (full == _root) return "/";
        return full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? "/" + full[(_root.Length + 1)..].Replace(Path.DirectorySeparatorChar, '/')
            : null;
    }

    /// <summary>
    /// Resolves a sandbox path to a host path, following symlinks the way the sandbox would see them
    /// (an absolute link target is a sandbox path). With followFinal false the last component is
    /// not followed, so delete and move act on a link itself. With write true a read-only path is refused.
    /// </summary>
    public Resolved Resolve(string? apiPath, bool followFinal = true, bool write = false)
    {
        if (string.IsNullOrWhiteSpace(apiPath)) throw ToolboxException.BadRequest("path is required");
        if (apiPath.Contains('\0')) throw ToolboxException.BadRequest("invalid path");
        var requested = Normalize(apiPath);
        var current = requested;
        for (var hops = 0; ; hops++)
        {
            if (hops > MaxSymlinkHops) throw ToolboxException.Forbidden($"too many levels of symbolic links: {requested}");
            var next = FollowFirstLink(current, followFinal);
            if (next is null) break;
            current = next;
        }
        var (host, readOnly, tree) = Map(current);
        if (host is null) throw ToolboxException.Forbidden($"access denied: {requested} is managed by the sandbox's kernel or daemon");
        if (write && readOnly) throw ToolboxException.Forbidden($"read-only file system: {requested}");
        return new Resolved(requested, host, readOnly, tree);
    }

    /// <summary>Rewrites the path at its first symlink component; null when no component is a link.</summary>
    private string? FollowFirstLink(string normalized, bool followFinal)
    {
        var parts = normalized.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var prefix = "";
        for (var i = 0; i < parts.Length; i++)
        {
            var path = prefix + "/" + parts[i];
            var isLast = i == parts.Length - 1;
            if (isLast && !followFinal) return null;
            var host = MapLexical(path);
            if (host is null) { prefix = path; continue; }
            string? target;
            try { target = new FileInfo(host).LinkTarget; }
            catch (IOException) { target = null; }
            catch (UnauthorizedAccessException) { target = null; }
            if (target is null) { prefix = path; continue; }

            var rest = string.Join('/', parts.Skip(i + 1));
            var joined = target.StartsWith('/') ? target : (prefix.Length == 0 ? "/" : prefix) + "/" + target;
            return Normalize(rest.Length == 0 ? joined : joined + "/" + rest);
        }
        return null;
    }

    /// <summary>The trees every sandbox has (and its home): the file API never deletes or moves them.</summary>
    private static readonly string[] ProtectedPaths =
        ["/", "/bin", "/etc", "/home", HomeDir, "/lib", "/lib64", "/opt", "/root", "/run", "/sbin", "/tmp", "/usr", "/var", "/workspace"];

    public static bool IsProtected(string normalized) =>
        ProtectedPaths.Contains(normalized) || HiddenTrees.Any(t => IsUnder(normalized, t));
}
