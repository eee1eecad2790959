namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// The filesystem root and running processes of one sandbox. CONTRACT used by the store:
/// Prepare() on create, KillAll() on stop, Destroy() on delete (kill + remove the directory).
/// </summary>
public sealed class SandboxRuntime
{
    public SandboxRuntime(string rootDirectory, EmulatorOptions options)
    {
        RootDirectory = rootDirectory;
        Options = options;
    }

    /// <summary>The sandbox's own root; /home/daytona and /tmp map below it.</summary>
    public string RootDirectory { get; }

    public EmulatorOptions Options { get; }

    public void Prepare()
    {
        Directory.CreateDirectory(Path.Combine(RootDirectory, "home", "daytona"));
        Directory.CreateDirectory(Path.Combine(RootDirectory, "tmp"));
    }

    public void KillAll() { }

    public void Destroy()
    {
        KillAll();
        try { Directory.Delete(RootDirectory, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    /// <summary>Start-up notes about isolation (bubblewrap or the plain fallback).</summary>
    public static IEnumerable<string> DescribeIsolation(EmulatorOptions options) => [];
}
