using System.Formats.Tar;

namespace DaytonaPS.Emulator.Build;

/// <summary>An uploaded build context (a tar, as the SDK's ObjectStorage makes it), unpacked for a build.</summary>
internal static class ContextArchive
{
    /// <summary>
    /// Unpacks the regular files and directories of <paramref name="archive"/> below <paramref name="target"/>
    /// (each handed to the sandbox user by <paramref name="adopt"/>); entries that would leave it are refused,
    /// and links and devices are skipped (their names are returned), so nothing is written outside the target.
    /// </summary>
    public static List<string> Extract(string archive, string target, Action<string> adopt)
    {
        var skipped = new List<string>();
        var root = Path.GetFullPath(target);
        using var stream = File.OpenRead(archive);
        using var reader = new TarReader(stream);
        while (reader.GetNextEntry() is { } entry)
        {
            var name = entry.Name.Replace('\\', '/').TrimStart('/');
            while (name.StartsWith("./", StringComparison.Ordinal)) name = name[2..];
            if (name.Length == 0 || name == ".") continue;
            var path = Path.GetFullPath(Path.Combine(root, name));
            if (!path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new InvalidOperationException($"the build context has an entry outside itself: {entry.Name}");
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    MakeDirectories(root, path, adopt);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    MakeDirectories(root, Path.GetDirectoryName(path)!, adopt);
                    if (new FileInfo(path).LinkTarget is not null || Directory.Exists(path)) throw new InvalidOperationException($"the build context names {entry.Name} twice");
                    entry.ExtractToFile(path, overwrite: true);
                    if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, (UnixFileMode)((int)entry.Mode & 0x1ff) | UnixFileMode.UserRead | UnixFileMode.UserWrite);
                    adopt(path);
                    break;
                default:
                    skipped.Add($"{entry.Name} ({entry.EntryType})");
                    break;
            }
        }
        return skipped;
    }

    private static void MakeDirectories(string root, string dir, Action<string> adopt)
    {
        if (dir.Length <= root.Length) return;
        MakeDirectories(root, Path.GetDirectoryName(dir)!, adopt);
        if (Directory.Exists(dir)) return;
        Directory.CreateDirectory(dir);
        adopt(dir);
    }
}
