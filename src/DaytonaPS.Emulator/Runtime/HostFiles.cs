namespace DaytonaPS.Emulator.Runtime;

/// <summary>Host-side file helpers the backends share.</summary>
public static class HostFiles
{
    /// <summary>The folder beside a discarded tree that holds it until the deleter gets to it.</summary>
    public const string TrashFolderName = ".trash";

    private static readonly System.Collections.Concurrent.BlockingCollection<Action> Work = new();
    private static readonly Lazy<Thread> Deleter = new(() =>
    {
        var thread = new Thread(DeleteDiscarded) { IsBackground = true, Name = "emulator-deleter" };
        thread.Start();
        return thread;
    });

    /// <summary>
    /// Takes a tree out of its place at once (one rename into a trash folder beside it) and deletes
    /// it later on one background thread. Why: a sandbox's tree holds its copy of /etc (~1,300
    /// entries), ~15 ms of CPU to delete; a bulk remove deleted hundreds of them on thread-pool
    /// threads at once, and on a 2-core machine the requests waited for the CPU (200 DELETEs at 16 at
    /// a time took 3-4 s instead of 0.7 s). Renamed, the tree is gone from where it was (a 404
    /// after delete still means its directory is gone) and the deletion takes at most one core.
    /// Falls back to deleting in place where the rename is refused.
    /// </summary>
    public static void Discard(string path)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(path));
        if (parent is null || !Path.Exists(path)) return;
        var trash = Path.Combine(parent, TrashFolderName);
        var target = Path.Combine(trash, Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(trash);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(trash, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.Move(path, target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DeleteTree(path);
            return;
        }
        Later(() => DeleteTree(target));
    }

    /// <summary>Runs slow host clean-up (deleting trees, removing cgroups) on the one background thread, in order.</summary>
    public static void Later(Action work)
    {
        _ = Deleter.Value;
        Work.Add(work);
    }

    /// <summary>Queues what an earlier run (killed before its deleter finished) left in parent's trash folder.</summary>
    public static void EmptyTrash(string parent)
    {
        var trash = Path.Combine(parent, TrashFolderName);
        if (!Directory.Exists(trash)) return;
        foreach (var entry in Directory.EnumerateDirectories(trash)) Later(() => DeleteTree(entry));
    }

    private static void DeleteDiscarded()
    {
        foreach (var work in Work.GetConsumingEnumerable())
        {
            try { work(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // its data dir may be gone already
        }
    }

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
