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
}
