using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// File operations that stay inside a sandbox's tree even while the sandbox changes it.
/// </summary>
/// <remarks>
/// <see cref="SandboxPaths.Resolve"/> maps a sandbox path to a host path by reading symlinks, and
/// the operation then uses that host path: between the two, a sandbox process can swap a directory
/// on the path for a symlink to a host path (check-then-use), and the emulator, possibly root, would
/// follow it on the host into another sandbox or /etc. So every path is (re)resolved by the kernel
/// with openat2(RESOLVE_IN_ROOT) relative to the tree's root directory: every symlink, ".." and
/// absolute target is taken as the sandbox sees it, and nothing resolves outside the tree. The
/// resulting directory is kept open, and the operation names the entry inside it through
/// /proc/self/fd/N/NAME, so no later swap of a parent can redirect it; the entry itself is opened
/// with openat2 too where the operation follows it (read, chmod), or acted on without following it
/// (create with O_EXCL, rename, unlink, lchown). Recursive deletes walk by file descriptor.
/// Kernels without openat2 (before 5.6, or a seccomp filter that refuses it) fall back to plain
/// paths, as before; <see cref="Available"/> says which.
/// </remarks>
internal static class RootedFiles
{
    private const long SysOpenat2 = 437; // the same on x86_64, arm64 and the generic table
    private const int AtFdCwd = -100;
    private const int AtRemoveDir = 0x200;
    private const int AtEmptyPath = 0x1000;
    private const ulong ResolveNoMagicLinks = 0x02;
    private const ulong ResolveInRoot = 0x10;
    private const int ORdOnly = 0, ONoCtty = 0x100, ONonBlock = 0x800, OCloExec = 0x80000, OPath = 0x200000;
    private const int ENoEnt = 2, EAcces = 13, EExist = 17, ENotDir = 20, ELoop = 40, EPerm = 1, EXDev = 18;

    private static readonly bool Arm = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;
    private static int ODirectory => Arm ? 0x4000 : 0x10000;
    private static int ONoFollow => Arm ? 0x8000 : 0x20000;

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "syscall")]
    private static extern int Openat2(long number, int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, ref OpenHow how, nuint size);

    [DllImport("libc", SetLastError = true, EntryPoint = "openat")]
    private static extern int Openat(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);

    [DllImport("libc", SetLastError = true, EntryPoint = "statx")]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", SetLastError = true, EntryPoint = "mkdirat")]
    private static extern int Mkdirat(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [DllImport("libc", SetLastError = true, EntryPoint = "unlinkat")]
    private static extern int Unlinkat(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    private static readonly Lazy<bool> Probe = new(() =>
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            var how = new OpenHow { Flags = (ulong)(OPath | OCloExec), Resolve = ResolveInRoot };
            var fd = Openat2(SysOpenat2, AtFdCwd, "/", ref how, (nuint)Marshal.SizeOf<OpenHow>());
            if (fd < 0) return false;
            new SafeFileHandle(fd, ownsHandle: true).Dispose();
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    });

    /// <summary>True where the kernel offers openat2 (every path goes through it); false: plain paths.</summary>
    public static bool Available => Probe.Value;

    /// <summary>The tree root and the path below it of a resolved path ("" for the root itself).</summary>
    private static (string Root, string Relative) Split(SandboxPaths.Resolved resolved)
    {
        var root = resolved.TreeRoot ?? throw new InvalidOperationException("the resolved path has no tree root");
        var relative = Path.GetRelativePath(root, resolved.HostPath);
        return (root, relative == "." ? "" : relative);
    }

    /// <summary>Opens relative below root (never outside it), following symlinks as the sandbox would.</summary>
    private static SafeFileHandle OpenInRoot(string root, string relative, int flags)
    {
        using var rootFd = OpenPlain(root, OPath | ODirectory);
        var how = new OpenHow { Flags = (ulong)(flags | OCloExec), Resolve = ResolveInRoot | ResolveNoMagicLinks };
        var fd = Openat2(SysOpenat2, (int)rootFd.DangerousGetHandle(), relative.Length == 0 ? "." : relative, ref how, (nuint)Marshal.SizeOf<OpenHow>());
        if (fd < 0) throw Error(Marshal.GetLastPInvokeError(), relative);
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    private static SafeFileHandle OpenPlain(string path, int flags)
    {
        var fd = Openat(AtFdCwd, path, flags | OCloExec, 0);
        if (fd < 0) throw Error(Marshal.GetLastPInvokeError(), path);
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    private static Exception Error(int errno, string path) => errno switch
    {
        ENoEnt => new FileNotFoundException($"no such file or directory: {path}"),
        EAcces or EPerm or EXDev => new UnauthorizedAccessException($"permission denied: {path}"),
        ENotDir => new IOException($"not a directory: {path}"),
        ELoop => new IOException($"too many levels of symbolic links: {path}"),
        EExist => new IOException($"file exists: {path}"),
        _ => new IOException($"{Marshal.GetPInvokeErrorMessage(errno)}: {path}"),
    };

    /// <summary>A file opened for reading, resolved inside the sandbox's tree; never a FIFO that would block.</summary>
    public static FileStream OpenRead(SandboxPaths.Resolved resolved, int bufferSize = 4096)
    {
        if (!Available) return new FileStream(resolved.HostPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize, FileOptions.SequentialScan);
        var (root, relative) = Split(resolved);
        var handle = OpenInRoot(root, relative, ORdOnly | ONoCtty | ONonBlock);
        try
        {
            if (!IsRegular(handle)) throw new IOException($"not a regular file: {resolved.ApiPath}");
            return new FileStream(handle, FileAccess.Read, bufferSize);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>statx(fd, "", AT_EMPTY_PATH, STATX_TYPE): stx_mode (u16 at offset 28) is S_IFREG.</summary>
    private static bool IsRegular(SafeFileHandle handle)
    {
        var buffer = new byte[256];
        if (Statx((int)handle.DangerousGetHandle(), "", AtEmptyPath, 0x1, buffer) != 0) throw Error(Marshal.GetLastPInvokeError(), "statx");
        return (BitConverter.ToUInt16(buffer, 28) & 0xF000) == 0x8000;
    }

    private static string ProcPath(SafeFileHandle handle) => "/proc/self/fd/" + handle.DangerousGetHandle().ToInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The directory holding resolved's last component, held open: <see cref="Pinned.Entry"/> is a path
    /// for .NET's file APIs that names that entry in exactly this directory, whatever happens to its parents.
    /// </summary>
    public sealed class Pinned : IDisposable
    {
        private readonly SafeFileHandle? _handle;

        internal Pinned(SafeFileHandle? handle, string directory, string name)
        {
            _handle = handle;
            Directory = handle is null ? directory : ProcPath(handle);
            Name = name;
        }

        /// <summary>The directory, as a path through its descriptor (or the plain path without openat2).</summary>
        public string Directory { get; }

        /// <summary>The last component (empty for the tree's root).</summary>
        public string Name { get; }

        /// <summary>The entry itself: only for operations that do not follow a final symlink (rename, unlink, lstat, lchown, O_EXCL create).</summary>
        public string Entry => Name.Length == 0 ? Directory : Directory + "/" + Name;

        internal SafeFileHandle? Handle => _handle;

        public void Dispose() => _handle?.Dispose();
    }

    /// <summary>Pins the parent directory of resolved (which must exist).</summary>
    public static Pinned Parent(SandboxPaths.Resolved resolved)
    {
        var name = resolved.HostPath == resolved.TreeRoot ? "" : Path.GetFileName(resolved.HostPath);
        var parentHost = name.Length == 0 ? resolved.HostPath : Path.GetDirectoryName(resolved.HostPath)!;
        if (!Available) return new Pinned(null, parentHost, name);
        var (root, relative) = Split(resolved);
        var parentRelative = name.Length == 0 ? "" : Path.GetDirectoryName(relative) ?? "";
        try
        {
            return new Pinned(OpenInRoot(root, parentRelative, OPath | ODirectory), parentHost, name);
        }
        catch (FileNotFoundException)
        {
            throw new FileNotFoundException($"file not found: {resolved.ApiPath}");
        }
    }

    /// <summary>Pins resolved itself, a directory (followed inside the tree).</summary>
    public static Pinned OpenDirectory(SandboxPaths.Resolved resolved)
    {
        if (!Available) return new Pinned(null, resolved.HostPath, "");
        var (root, relative) = Split(resolved);
        try
        {
            return new Pinned(OpenInRoot(root, relative, OPath | ODirectory), resolved.HostPath, "");
        }
        catch (FileNotFoundException)
        {
            throw new DirectoryNotFoundException($"directory not found: {resolved.ApiPath}");
        }
    }

    /// <summary>A subdirectory of a pinned directory, pinned in turn; null where name is not a directory (a symlink is not one).</summary>
    public static Pinned? Subdirectory(Pinned parent, string name)
    {
        if (parent.Handle is null)
        {
            var plain = Path.Combine(parent.Directory, name);
            return System.IO.Directory.Exists(plain) && new DirectoryInfo(plain).LinkTarget is null ? new Pinned(null, plain, "") : null;
        }
        var fd = Openat((int)parent.Handle.DangerousGetHandle(), name, OPath | ODirectory | ONoFollow | OCloExec, 0);
        return fd < 0 ? null : new Pinned(new SafeFileHandle(fd, ownsHandle: true), "", "");
    }

    /// <summary>A descriptor of resolved itself (followed inside the tree) for chmod/chown through /proc/self/fd.</summary>
    public static (SafeFileHandle? Handle, string Path) Target(SandboxPaths.Resolved resolved)
    {
        if (!Available) return (null, resolved.HostPath);
        var (root, relative) = Split(resolved);
        var handle = OpenInRoot(root, relative, OPath);
        return (handle, ProcPath(handle));
    }

    /// <summary>
    /// mkdir -p of resolved inside its tree, one component at a time by descriptor (a component that
    /// is, or becomes, a symlink is refused, not followed); adopt gets each directory created (a
    /// path naming it through its parent's descriptor); the last one gets mode. Returns it pinned.
    /// </summary>
    public static Pinned CreateDirectories(SandboxPaths.Resolved resolved, UnixFileMode? mode, Action<string> adopt)
    {
        if (!Available)
        {
            CreatePlain(resolved.HostPath, mode, adopt);
            return new Pinned(null, resolved.HostPath, "");
        }
        var (root, relative) = Split(resolved);
        var current = OpenPlain(root, OPath | ODirectory);
        try
        {
            var parts = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i < parts.Length; i++)
            {
                var last = i == parts.Length - 1;
                var dirMode = (uint)(last && mode is { } m ? m : (UnixFileMode)Convert.ToInt32("755", 8));
                var fd = (int)current.DangerousGetHandle();
                var created = Mkdirat(fd, parts[i], dirMode) == 0;
                if (!created && Marshal.GetLastPInvokeError() is var errno && errno != EExist) throw Error(errno, parts[i]);
                if (created) adopt(ProcPath(current) + "/" + parts[i]);
                var next = Openat(fd, parts[i], OPath | ODirectory | ONoFollow | OCloExec, 0);
                if (next < 0)
                {
                    var e = Marshal.GetLastPInvokeError();
                    throw e is ENotDir or ELoop ? new IOException($"not a directory: {resolved.ApiPath}") : Error(e, parts[i]);
                }
                current.Dispose();
                current = new SafeFileHandle(next, ownsHandle: true);
            }
            return new Pinned(current, resolved.HostPath, "");
        }
        catch
        {
            current.Dispose();
            throw;
        }
    }

    private static void CreatePlain(string hostDir, UnixFileMode? mode, Action<string> adopt)
    {
        if (Directory.Exists(hostDir)) return;
        var parent = Path.GetDirectoryName(hostDir);
        if (parent is not null && !Directory.Exists(parent)) CreatePlain(parent, null, adopt);
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(hostDir);
        else Directory.CreateDirectory(hostDir, mode ?? (UnixFileMode)Convert.ToInt32("755", 8));
        adopt(hostDir);
    }

    /// <summary>rm -r of name in a pinned directory, by descriptor: a symlink is removed, never followed.</summary>
    public static void DeleteTree(Pinned parent, string name)
    {
        if (parent.Handle is null)
        {
            Directory.Delete(Path.Combine(parent.Directory, name), recursive: true);
            return;
        }
        DeleteBelow((int)parent.Handle.DangerousGetHandle(), name);
    }

    private static void DeleteBelow(int dirFd, string name)
    {
        var fd = Openat(dirFd, name, ORdOnly | ODirectory | ONoFollow | OCloExec, 0);
        if (fd < 0)
        {
            // Not a directory (any more): remove the entry itself.
            if (Unlinkat(dirFd, name, 0) != 0 && Marshal.GetLastPInvokeError() is var e && e != ENoEnt) throw Error(e, name);
            return;
        }
        using (var dir = new SafeFileHandle(fd, ownsHandle: true))
        {
            var children = new DirectoryInfo(ProcPath(dir)).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false }).Select(c => c.Name).ToList();
            foreach (var child in children) DeleteBelow(fd, child);
        }
        if (Unlinkat(dirFd, name, AtRemoveDir) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != ENoEnt) throw Error(errno, name);
    }

    /// <summary>The file's host path relative to its tree root as a resolved path of the same tree (for files found by a walk).</summary>
    public static SandboxPaths.Resolved Below(SandboxPaths.Resolved root, string hostPath, string apiPath) =>
        new(apiPath, hostPath, root.ReadOnly, root.TreeRoot);
}
