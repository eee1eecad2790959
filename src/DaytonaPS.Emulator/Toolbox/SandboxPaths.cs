namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// Maps the paths a sandbox sees (/home/..., /tmp/...) to its root on the host and back. The same
/// mapping holds with and without bubblewrap, so the file API behaves identically either way.
/// Anything that would leave /home or /tmp (through "..", an absolute path or a symlink) is refused.
/// </summary>
public sealed class SandboxPaths
{
    public const string WorkDir = "/home/daytona";
    public const string HomeDir = "/home/daytona";

    /// <summary>Sandbox paths that are bind-mounted from the sandbox root.</summary>
    private static readonly string[] MountPoints = ["/home", "/tmp"];

    private const int MaxSymlinkHops = 40;
    private readonly string _root;

    public SandboxPaths(string rootDirectory) => _root = Path.GetFullPath(rootDirectory);

    /// <summary>A path resolved for a file operation: what the caller named and where it lives on the host.</summary>
    public readonly record struct Resolved(string ApiPath, string HostPath);

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

    /// <summary>The host path of a normalized sandbox path, or null when it is outside /home and /tmp.</summary>
    public string? MapLexical(string normalized)
    {
        foreach (var mount in MountPoints)
        {
            if (normalized == mount || normalized.StartsWith(mount + "/", StringComparison.Ordinal))
            {
                var rest = normalized[mount.Length..].TrimStart('/');
                var baseDir = Path.Combine(_root, mount.TrimStart('/'));
                return rest.Length == 0 ? baseDir : Path.Combine(baseDir, rest.Replace('/', Path.DirectorySeparatorChar));
            }
        }
        return null;
    }

    /// <summary>The sandbox path of a host path below the root, or null.</summary>
    public string? ToApiPath(string hostPath)
    {
        var full = Path.GetFullPath(hostPath);
        foreach (var mount in MountPoints)
        {
            var baseDir = Path.Combine(_root, mount.TrimStart('/'));
            if (full == baseDir) return mount;
            if (full.StartsWith(baseDir + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                return mount + "/" + full[(baseDir.Length + 1)..].Replace(Path.DirectorySeparatorChar, '/');
        }
        return null;
    }

    /// <summary>
    /// Resolves a sandbox path to a host path, following symlinks the way the sandbox would see them
    /// (an absolute link target is a sandbox path). With followFinal false the last component is
    /// not followed, so delete and move act on a link itself.
    /// </summary>
    public Resolved Resolve(string? apiPath, bool followFinal = true)
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
        var host = MapLexical(current)
            ?? throw ToolboxException.Forbidden($"access denied: {requested} is outside the sandbox's /home and /tmp");
        return new Resolved(requested, host);
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

            // Without bubblewrap a command may have linked to a host path below the root.
            var targetApi = target.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                ? ToApiPath(target) ?? target
                : target;
            var rest = string.Join('/', parts.Skip(i + 1));
            var joined = targetApi.StartsWith('/') ? targetApi : (prefix.Length == 0 ? "/" : prefix) + "/" + targetApi;
            return Normalize(rest.Length == 0 ? joined : joined + "/" + rest);
        }
        return null;
    }

    /// <summary>Mount points and the home directory, which the file API never deletes or moves.</summary>
    public static bool IsProtected(string normalized) =>
        normalized == "/" || MountPoints.Contains(normalized) || normalized == HomeDir;
}
