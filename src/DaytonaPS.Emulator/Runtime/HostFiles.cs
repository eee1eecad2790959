namespace DaytonaPS.Emulator.Runtime;

/// <summary>Host-side file helpers the backends share.</summary>
public static class HostFiles
{
    /// <summary>Deletes a tree even where a command made directories read-only; never follows symlinks.</summary>
    public static void DeleteTree(string path)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException) { return; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (OperatingSystem.IsWindows()) { Thread.Sleep(100); continue; }
                foreach (var dir in Directory.EnumerateDirectories(path, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint }))
                {
                    try { File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); }
                    catch (Exception inner) when (inner is IOException or UnauthorizedAccessException) { }
                }
                Thread.Sleep(50);
            }
        }
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
    }

    /// <summary>
    /// Copies the tree at <paramref name="from"/> into <paramref name="to"/> (created): directories, files with
    /// their modes, and symlinks as symlinks (never followed). For the none backend, whose files are the
    /// emulator's own; the linux backend copies with cp as the sandbox user instead (SandboxRootfs.CopyLayer).
    /// </summary>
    public static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = true }))
        {
            var target = Path.Combine(to, entry.Name);
            if (entry.LinkTarget is { } link) File.CreateSymbolicLink(target, link);
            else if (entry is DirectoryInfo dir) CopyTree(dir.FullName, target);
            else if (entry is FileInfo file) file.CopyTo(target, overwrite: true);
        }
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(to, File.GetUnixFileMode(from));
    }
}
