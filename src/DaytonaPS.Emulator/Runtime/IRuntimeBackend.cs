namespace DaytonaPS.Emulator.Runtime;

/// <summary>
/// Where sandboxes run: one backend per emulator, chosen by --runtime (see <see cref="RuntimeSelector"/>).
/// It creates one <see cref="ISandboxContainer"/> per sandbox; everything the toolbox does with a
/// sandbox's processes and files goes through that container.
/// </summary>
/// <remarks>
/// The shape is a container runtime's: create (lay out the filesystem), start, stop (processes end,
/// files stay), delete, exec a process with stdin/stdout/stderr, and map a sandbox path to where the
/// file API reads and writes it. A Docker backend fits the same interface: exec through the engine's
/// exec API (its hijacked stream gives the three pipes) and files through a host path where the
/// engine exposes one (a bind-mounted volume) or by copying through the container.
/// </remarks>
public interface IRuntimeBackend
{
    /// <summary>"linux" or "none" (what --runtime resolved to).</summary>
    string Name { get; }

    /// <summary>False for "none": toolbox routes that run processes answer SANDBOX_RUNTIME_UNAVAILABLE.</summary>
    bool RunsCommands { get; }

    /// <summary>What sandboxes get from this backend, for start-up notes and GET /_emulator/runtime.</summary>
    RuntimeInfo Info { get; }

    /// <summary>A sandbox's runtime (nothing runs until its first exec or Start).</summary>
    ISandboxContainer Create(SandboxSpec spec);
}

/// <param name="Id">The sandbox id (its hostname).</param>
/// <param name="Snapshot">Its snapshot name (DAYTONA_SANDBOX_SNAPSHOT).</param>
/// <param name="User">The sandbox user (DAYTONA_SANDBOX_USER; the backend's user is always daytona, uid 1000).</param>
/// <param name="RootDirectory">Host directory that is the sandbox's "/" (its writable layer).</param>
/// <param name="ControlDirectory">Host directory of the emulated daemon's own files, read-only inside at /run/daytona.</param>
/// <param name="Volumes">Volumes bind-mounted read-write into the sandbox (shared with every sandbox that mounts them).</param>
public sealed record SandboxSpec(string Id, string Snapshot, string User, string RootDirectory, string ControlDirectory, IReadOnlyList<VolumeMount>? Volumes = null)
{
    /// <summary>Mount path -> host directory, for the file API.</summary>
    public IReadOnlyDictionary<string, string> VolumeMap =>
        (Volumes ?? []).GroupBy(v => v.MountPath).ToDictionary(g => g.Key, g => g.Last().HostDirectory);
}

/// <param name="MountPath">The absolute path inside the sandbox.</param>
/// <param name="HostDirectory">The volume's (or its subpath's) directory on the host.</param>
public sealed record VolumeMount(string MountPath, string HostDirectory);

/// <summary>What a backend gives, as shown at start-up and by GET /_emulator/runtime.</summary>
public sealed record RuntimeInfo(
    string Runtime,
    string Requested,
    string? Launcher,
    bool RunsCommands,
    bool UserNamespace,
    string? SandboxUser,
    string? HostUid,
    string Filesystem,
    string Network,
    IReadOnlyList<string> Notes);
