namespace DaytonaPS;

/// <summary>A sandbox's home and working folders (Get-DaytonaSandboxDirectory), as its toolbox reports them.</summary>
public sealed class SandboxDirectory
{
    internal SandboxDirectory(string sandboxId, string? sandboxName, string? homeDirectory, string? workDirectory)
    {
        SandboxId = sandboxId;
        SandboxName = sandboxName;
        HomeDirectory = homeDirectory;
        WorkDirectory = workDirectory;
    }

    public string SandboxId { get; }
    public string? SandboxName { get; }
    /// <summary>The home folder of the sandbox's user, e.g. /home/daytona.</summary>
    public string? HomeDirectory { get; }
    /// <summary>The folder commands start in and relative paths resolve against: the image's WORKDIR, else the home folder.</summary>
    public string? WorkDirectory { get; }

    public override string ToString() => WorkDirectory ?? HomeDirectory ?? string.Empty;
}
