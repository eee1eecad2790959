using System.Collections.Concurrent;
using DaytonaPS.Emulator.Runtime;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// What the toolbox uses of one sandbox: its files (<see cref="Paths"/>), its sessions and the
/// commands it runs, over the sandbox's <see cref="ISandboxContainer"/> (the backend chosen by
/// --runtime). CONTRACT used by the store: Prepare() on create, KillAll() on stop, Destroy() on delete.
/// </summary>
/// <remarks>
/// On disk: RootDirectory is the sandbox's "/" (its writable layer); a sibling "&lt;id&gt;.daytona"
/// holds the emulated daemon's own files (session command files, upload spools), which commands
/// see read-only at /run/daytona.
/// </remarks>
public sealed class SandboxRuntime
{
    private readonly ConcurrentDictionary<int, SandboxProcess> _processes = new();
    private readonly ConcurrentDictionary<int, IExecHandle> _shells = new();

    public SandboxRuntime(ISandboxContainer container, SandboxSpec spec)
    {
        Container = container;
        Spec = spec;
        var rootDirectory = spec.RootDirectory;
        var controlDirectory = spec.ControlDirectory;
        RootDirectory = Path.GetFullPath(rootDirectory);
        ControlDirOnHost = Path.GetFullPath(controlDirectory);
        Sessions = new SessionManager(this);
        Interpreters = new InterpreterManager(this);
    }

    /// <summary>A sandbox's runtime from the emulator's backend, with its directories below the data dir.</summary>
    public static SandboxRuntime Create(EmulatorContext context, string id, string? snapshot, string? user, IReadOnlyList<VolumeMount>? volumes = null)
    {
        var root = Path.Combine(context.DataDir, "sandboxes", id);
        var control = root + ".daytona";
        var spec = new SandboxSpec(id, snapshot ?? SnapshotStore.DefaultSnapshotName, string.IsNullOrEmpty(user) ? "daytona" : user, root, control, volumes);
        return new SandboxRuntime(context.Runtime.Create(spec), spec);
    }

    public ISandboxContainer Container { get; }

    /// <summary>Id, snapshot, user and directories of the sandbox.</summary>
    public SandboxSpec Spec { get; }

    /// <summary>The sandbox's "/" on the host.</summary>
    public string RootDirectory { get; }

    public SandboxPaths Paths => Container.Paths;

    public SessionManager Sessions { get; }

    /// <summary>The sandbox's Python interpreter contexts (/process/interpreter).</summary>
    public InterpreterManager Interpreters { get; }

    /// <summary>The daemon's own directory on the host.</summary>
    public string ControlDirOnHost { get; }

    /// <summary>The same directory as commands of this sandbox see it.</summary>
    public string ControlDirInSandbox => Container.ControlDirInSandbox;

    public void Prepare()
    {
        Directory.CreateDirectory(ControlDirOnHost);
        Container.Prepare();
    }

    /// <summary>
    /// Starts /bin/bash with bashArgs inside the sandbox, in sandbox directory cwd, with a clean
    /// environment (nothing of the emulator's own, which may hold keys) plus env. Its output ends
    /// with an end marker (see <see cref="SandboxProcess"/>) so background jobs can outlive it.
    /// </summary>
    public SandboxProcess Start(string cwd, IEnumerable<KeyValuePair<string, string>> env, IReadOnlyList<string> bashArgs)
    {
        var sandboxCwd = SandboxPaths.Normalize(cwd);
        var hostCwd = Paths.Resolve(sandboxCwd).HostPath;
        if (!Directory.Exists(hostCwd)) throw new DirectoryNotFoundException($"chdir {cwd}: no such file or directory");

        // Written by the wrapper shell to stdout and stderr once the command's shell has exited;
        // the end file is created right after (see SandboxProcess.WaitForOutputAsync).
        var endToken = Guid.NewGuid().ToString("N");
        // The end file must be writable by the sandbox user and visible to the emulator: /run/daytona is
        // read-only inside, so it goes to the sandbox's /tmp (removed when the process is disposed).
        var endFileInSandbox = "/tmp/.daytona-end-" + endToken;
        var endFileOnHost = Paths.Resolve(endFileInSandbox, followFinal: false).HostPath;
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in BaseEnvironment()) environment[k] = v;
        foreach (var (k, v) in env) environment[k] = v;
        var argv = new List<string> { "/bin/bash", "-c", WrapperScript, "bash", sandboxCwd, endToken, endFileInSandbox };
        argv.AddRange(bashArgs);

        var handle = Container.Exec(new ExecSpec(sandboxCwd, environment.ToList(), argv));
        var process = new SandboxProcess(handle, SandboxProcess.EndMarker(endToken), endFileOnHost);
        _processes[process.Id] = process;
        _ = process.Exited.ContinueWith(_ => _processes.TryRemove(process.Id, out SandboxProcess? _), TaskScheduler.Default);
        return process;
    }

    /// <summary>
    /// Starts a session's long-lived shell (<see cref="SessionShell"/>) in the sandbox with the same
    /// clean environment plus env; it reads its commands from stdin. Stop and delete end it.
    /// </summary>
    internal IExecHandle StartShell(IEnumerable<KeyValuePair<string, string>> env) =>
        StartDirect(env, ["/bin/bash", "-c", SessionShell.Launcher]);

    /// <summary>
    /// Starts argv in the sandbox (in "/": argv changes directory itself) with the same clean environment plus env, its
    /// three pipes as they are (no wrapper, no end marker: for byte streams such as the SSH
    /// gateway's sftp subsystem). Stop and delete end it.
    /// </summary>
    internal IExecHandle StartDirect(IEnumerable<KeyValuePair<string, string>> env, IReadOnlyList<string> argv)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in BaseEnvironment()) environment[k] = v;
        foreach (var (k, v) in env) environment[k] = v;
        var handle = Container.Exec(new ExecSpec(SandboxPaths.WorkDir, environment.ToList(), argv));
        _shells[handle.Id] = handle;
        _ = handle.Exited.ContinueWith(_ => _shells.TryRemove(handle.Id, out IExecHandle? _), TaskScheduler.Default);
        return handle;
    }

    /// <summary>
    /// bash -c WrapperScript bash CWD END_TOKEN END_FILE BASH_ARGS...: moves to cwd, runs the
    /// command's bash as a child, then writes the end marker (see <see cref="SandboxProcess"/>) to
    /// stdout and stderr, creates END_FILE, and exits with the command's status.
    /// </summary>
    private const string WrapperScript = "cd -- \"$1\" || exit 1; __dtn_end=$2; __dtn_end_file=$3; shift 3; /bin/bash \"$@\"; __dtn_rc=$?; " +
        "builtin printf '\\036daytona-end-%s\\036' \"$__dtn_end\"; builtin printf '\\036daytona-end-%s\\036' \"$__dtn_end\" >&2; " +
        ": 2>/dev/null >\"$__dtn_end_file\"; exit $__dtn_rc";

    /// <summary>What every command starts with (a Daytona sandbox's environment), before the sandbox's and the request's variables.</summary>
    internal IEnumerable<KeyValuePair<string, string>> BaseEnvironment()
    {
        yield return new("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        yield return new("HOME", SandboxPaths.HomeDir);
        yield return new("SHELL", "/bin/bash");
        yield return new("LANG", "C.UTF-8");
        yield return new("USER", "daytona");
        yield return new("LOGNAME", "daytona");
        yield return new("DAYTONA_SANDBOX_ID", Spec.Id);
        yield return new("DAYTONA_SANDBOX_SNAPSHOT", Spec.Snapshot);
        yield return new("DAYTONA_SANDBOX_USER", Spec.User);
    }

    /// <summary>Host pid of the sandbox's PID 1 while it has one.</summary>
    public int? InitProcessId => Container.InitProcessId;

    /// <summary>Host ids of the commands and session shells this sandbox is running now (their launchers; not its init).</summary>
    public IReadOnlyCollection<int> ProcessIds => _processes.Keys.Concat(_shells.Keys).ToArray();

    /// <summary>Kills every process of the sandbox (background jobs included) and ends its sessions.</summary>
    public void KillAll()
    {
        Sessions.Clear();
        Interpreters.Clear();
        Container.Stop();
        foreach (var p in _processes.Values) p.Kill();
        _processes.Clear();
        foreach (var s in _shells.Values) s.Kill();
    }

    public void Destroy()
    {
        KillAll();
        Container.Delete();
        HostFiles.Discard(ControlDirOnHost);
    }
}
