using System.Text;

namespace DaytonaPS.Emulator.Runtime;

/// <summary>Lays out a linux-backend sandbox's root directory (see <see cref="LinuxRuntime"/>).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class SandboxRootfs
{
    private static readonly (string Path, string Mode)[] Directories =
    [
        ("home", "755"), ("home/daytona", "755"), ("tmp", "1777"), ("workspace", "755"), ("opt", "755"),
        ("root", "700"), ("srv", "755"), ("mnt", "755"), ("media", "755"),
        ("var", "755"), ("var/tmp", "1777"), ("var/log", "755"), ("var/lib", "755"), ("var/cache", "755"), ("var/spool", "755"),
        ("run", "755"), ("run/daytona", "755"), ("usr", "755"), ("proc", "555"), ("dev", "755"), ("etc", "755"),
    ];

    public static void Lay(LinuxRuntime runtime, SandboxSpec spec, bool minimal)
    {
        var root = spec.RootDirectory;
        var first = !Directory.Exists(root);
        Directory.CreateDirectory(root);
        // The control directory holds command environments: only the sandbox user may read it.
        Directory.CreateDirectory(spec.ControlDirectory);
        File.SetUnixFileMode(spec.ControlDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Own(runtime, spec.ControlDirectory);
        if (!first)
        {
            LayVolumes(runtime, spec);
            return;
        }

        foreach (var (path, mode) in Directories) MakeDir(Path.Combine(root, path), mode);
        foreach (var inside in runtime.ReadOnlyMounts.Keys) Directory.CreateDirectory(Path.Combine(root, inside.TrimStart('/')));
        foreach (var (name, target) in runtime.TopLevelLinks)
        {
            var link = Path.Combine(root, name);
            if (!Path.Exists(link)) File.CreateSymbolicLink(link, target);
        }
        if (!minimal)
        {
            CopyWorldReadable("/etc", Path.Combine(root, "etc"));
            WriteIdentity(Path.Combine(root, "etc"), spec.Id);
            CopySkeleton(Path.Combine(root, "etc", "skel"), Path.Combine(root, "home", "daytona"));
        }
        if (runtime.DropFromRoot) OwnTree(runtime, root);
        LayVolumes(runtime, spec);
    }

    /// <summary>
    /// The new sandbox's root as a copy of <paramref name="source"/> (another sandbox's root or a built
    /// snapshot layer), then its own hostname and hosts. cp runs as the sandbox user's host uid, never
    /// with the emulator's privileges, so it reads only what the sandbox user could; --reflink=auto shares
    /// blocks copy-on-write where the filesystem can (btrfs, XFS) and copies them elsewhere. Symlinks are
    /// copied as symlinks, never followed.
    /// </summary>
    public static void CopyLayer(LinuxRuntime runtime, string source, SandboxSpec spec)
    {
        var root = spec.RootDirectory;
        if (Directory.Exists(root)) throw new InvalidOperationException("the sandbox's filesystem exists already");
        Directory.CreateDirectory(root);
        Own(runtime, root);
        var cp = Posix.Tool("cp") ?? throw new InvalidOperationException("cp (coreutils) is not installed");
        var (file, args) = runtime.Launch(cp, ["-a", "--reflink=auto", "--", source.TrimEnd('/') + "/.", root]);
        using var process = HostProcessExec.Launch(file, args, [new("PATH", "/usr/bin:/bin"), new("LC_ALL", "C")]);
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            // cp names host paths; the caller sees the sandbox's own paths only.
            var message = error.Result.Replace(source.TrimEnd('/') + "/./", "/").Replace(source.TrimEnd('/') + "/.", "/")
                .Replace(root.TrimEnd('/') + "/", "/").Trim();
            throw new InvalidOperationException("copying the sandbox's files failed: " + message);
        }
        if (runtime.DropFromRoot) Posix.LChown(root, runtime.HostUid, runtime.HostGid);
        Rehost(runtime, spec);
    }

    /// <summary>
    /// A copied root's /etc/hostname and /etc/hosts for its new id. Nothing runs in the new sandbox yet, so
    /// checking, then replacing is safe: /etc must be a real directory, and the two files are deleted (a
    /// symlink the source made is removed, never followed) and written again.
    /// </summary>
    private static void Rehost(LinuxRuntime runtime, SandboxSpec spec)
    {
        var etc = new DirectoryInfo(Path.Combine(spec.RootDirectory, "etc"));
        if (!etc.Exists || etc.LinkTarget is not null) return;
        foreach (var (name, text) in new[] { ("hostname", spec.Id + "\n"), ("hosts", HostsFile(spec.Id)) })
        {
            var path = Path.Combine(etc.FullName, name);
            try
            {
                var existing = new FileInfo(path);
                if (existing.LinkTarget is not null || existing.Exists) existing.Delete();
                if (Directory.Exists(path)) continue;
                File.WriteAllText(path, text);
                Own(runtime, path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    private static string HostsFile(string id) => $"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t{id}\n";

    private static void MakeDir(string path, string mode)
    {
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(mode, 8));
    }

    /// <summary>Volume mount points, and the volumes' host directories (owned by the sandbox user); at every start.</summary>
    private static void LayVolumes(LinuxRuntime runtime, SandboxSpec spec)
    {
        foreach (var v in spec.Volumes ?? [])
        {
            if (!Directory.Exists(v.HostDirectory))
            {
                Directory.CreateDirectory(v.HostDirectory);
                Own(runtime, v.HostDirectory);
            }
            var point = Path.Combine(spec.RootDirectory, v.MountPath.TrimStart('/'));
            if (!Directory.Exists(point))
            {
                Directory.CreateDirectory(point);
                Own(runtime, point);
            }
        }
    }

    private static void Own(LinuxRuntime runtime, string path)
    {
        if (runtime.DropFromRoot) Posix.LChown(path, runtime.HostUid, runtime.HostGid);
    }

    /// <summary>Hands the whole new tree to the sandbox user (a root emulator created it).</summary>
    private static void OwnTree(LinuxRuntime runtime, string dir)
    {
        Own(runtime, dir);
        // Symlinks are chowned themselves (lchown) and never descended into.
        foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = true }))
        {
            if (entry is DirectoryInfo { LinkTarget: null }) OwnTree(runtime, entry.FullName);
            else Own(runtime, entry.FullName);
        }
    }

    /// <summary>
    /// Copies the host's /etc without anything other users of the host could not read anyway
    /// (shadow, private keys): directories, symlinks and world-readable regular files.
    /// </summary>
    private static void CopyWorldReadable(string from, string to)
    {
        Directory.CreateDirectory(to);
        IEnumerable<FileSystemInfo> entries;
        try { entries = new DirectoryInfo(from).EnumerateFileSystemInfos().ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        foreach (var entry in entries)
        {
            var target = Path.Combine(to, entry.Name);
            try
            {
                if (entry.LinkTarget is { } link) File.CreateSymbolicLink(target, link);
                else if (entry is DirectoryInfo dir)
                {
                    if (!dir.UnixFileMode.HasFlag(UnixFileMode.OtherRead) || !dir.UnixFileMode.HasFlag(UnixFileMode.OtherExecute)) continue;
                    CopyWorldReadable(dir.FullName, target);
                    File.SetUnixFileMode(target, dir.UnixFileMode & ~(UnixFileMode.SetUser | UnixFileMode.SetGroup));
                }
                else if (entry is FileInfo file && file.UnixFileMode.HasFlag(UnixFileMode.OtherRead) && file.Length < 16 * 1024 * 1024)
                {
                    file.CopyTo(target);
                    File.SetUnixFileMode(target, file.UnixFileMode & ~(UnixFileMode.SetUser | UnixFileMode.SetGroup));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>The sandbox user in passwd/group (replacing whatever the host has at uid/gid 1000), hostname and hosts.</summary>
    private static void WriteIdentity(string etc, string id)
    {
        var user = LinuxRuntime.SandboxUserName;
        var uid = LinuxRuntime.SandboxUid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Rewrite(Path.Combine(etc, "passwd"), f => f[0] != user && f.Length > 2 && f[2] != uid, $"{user}:x:{uid}:{uid}:{user}:/home/{user}:/bin/bash");
        Rewrite(Path.Combine(etc, "group"), f => f[0] != user && f.Length > 2 && f[2] != uid, $"{user}:x:{uid}:");
        File.WriteAllText(Path.Combine(etc, "hostname"), id + "\n");
        File.WriteAllText(Path.Combine(etc, "hosts"), HostsFile(id));
    }

    private static void Rewrite(string file, Func<string[], bool> keep, string line)
    {
        var lines = File.Exists(file) ? File.ReadAllLines(file).Where(l => keep(l.Split(':'))).ToList() : [];
        lines.Add(line);
        File.Delete(file);
        File.WriteAllText(file, string.Join('\n', lines) + "\n", new UTF8Encoding(false));
    }

    private static void CopySkeleton(string skel, string home)
    {
        if (!Directory.Exists(skel)) return;
        foreach (var file in Directory.EnumerateFiles(skel))
        {
            var target = Path.Combine(home, Path.GetFileName(file));
            if (!File.Exists(target) && new FileInfo(file).LinkTarget is null) File.Copy(file, target);
        }
    }
}
