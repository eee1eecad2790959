using DaytonaPS.Emulator.Toolbox;

namespace DaytonaPS.Emulator.Runtime;

/// <summary>One sandbox's runtime: its filesystem, its init (if any) and the processes run in it.</summary>
public interface ISandboxContainer
{
    /// <summary>False where nothing runs (--runtime none): process routes answer SANDBOX_RUNTIME_UNAVAILABLE.</summary>
    bool RunsCommands { get; }

    /// <summary>Lays out the sandbox's filesystem (idempotent); runs at create and before every start.</summary>
    void Prepare();

    /// <summary>
    /// Before the first <see cref="Prepare"/>: makes this sandbox's writable layer a copy of the one at
    /// <paramref name="sourceRoot"/> (a fork's parent, or a snapshot's built layer), so it starts with those files.
    /// </summary>
    /// <exception cref="InvalidOperationException">The copy failed (the message names no host path).</exception>
    void CopyLayerFrom(string sourceRoot);

    /// <summary>Makes sure the sandbox's init runs (a no-op where nothing runs).</summary>
    void Start();

    /// <summary>Ends every process of the sandbox, background jobs included; files stay.</summary>
    void Stop();

    /// <summary>The sandbox's vCPUs and memory (GiB), at create and on resize; enforced where the backend can.</summary>
    void SetLimits(int cpu, int memoryGiB) { }

    /// <summary>Stop, then remove everything the sandbox had.</summary>
    void Delete();

    /// <summary>Starts argv inside the sandbox in sandbox directory cwd with exactly env as its environment.</summary>
    /// <exception cref="ToolboxException">SANDBOX_RUNTIME_UNAVAILABLE where the backend runs nothing.</exception>
    IExecHandle Exec(ExecSpec spec);

    /// <summary>Sandbox path ⇄ host path for the file API (the same files commands see).</summary>
    SandboxPaths Paths { get; }

    /// <summary>The daemon's control directory as commands see it.</summary>
    string ControlDirInSandbox { get; }

    /// <summary>Host pid of the sandbox's PID 1 while it has one.</summary>
    int? InitProcessId { get; }

    /// <summary>Hands a file or directory the file API created to the sandbox user (chown where the emulator is root).</summary>
    void Adopt(string hostPath);

    /// <summary>The sandbox's uid/gid as the file API reports them for a host uid/gid, and back.</summary>
    IdMap Ids { get; }
}

/// <param name="Cwd">A sandbox path (absolute).</param>
/// <param name="Environment">The whole environment (nothing of the emulator's is inherited).</param>
/// <param name="Argv">Program and arguments, run inside the sandbox.</param>
public sealed record ExecSpec(string Cwd, IReadOnlyList<KeyValuePair<string, string>> Environment, IReadOnlyList<string> Argv);

/// <summary>A process running in a sandbox: its three pipes, exit and kill.</summary>
public interface IExecHandle : IDisposable
{
    /// <summary>A host-side id (the launcher's pid) used to track it.</summary>
    int Id { get; }
    Stream StandardInput { get; }
    Stream StandardOutput { get; }
    Stream StandardError { get; }
    Task Exited { get; }
    int ExitCode { get; }
    void Kill();
}

/// <summary>
/// How sandbox ids appear on the host. The linux backend maps one sandbox uid/gid (1000, daytona)
/// to one host uid/gid; every other host id shows inside as the overflow id 65534 (nobody).
/// </summary>
public sealed record IdMap(uint SandboxUid, uint HostUid, uint SandboxGid, uint HostGid)
{
    public const uint Overflow = 65534;

    /// <summary>The identity map (the none backend: files are the emulator's own).</summary>
    public static IdMap Identity { get; } = new(0, 0, 0, 0) { IsIdentity = true };

    public bool IsIdentity { get; private init; }

    public uint UidToSandbox(uint host) => IsIdentity ? host : host == HostUid ? SandboxUid : Overflow;
    public uint GidToSandbox(uint host) => IsIdentity ? host : host == HostGid ? SandboxGid : Overflow;
    public uint? UidToHost(uint sandbox) => IsIdentity ? sandbox : sandbox == SandboxUid ? HostUid : null;
    public uint? GidToHost(uint sandbox) => IsIdentity ? sandbox : sandbox == SandboxGid ? HostGid : null;
}
