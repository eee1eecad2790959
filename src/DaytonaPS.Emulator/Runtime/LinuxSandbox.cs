using System.Globalization;
using System.Text;
using DaytonaPS.Emulator.Toolbox;

namespace DaytonaPS.Emulator.Runtime;

/// <summary>One sandbox of the linux backend (see <see cref="LinuxRuntime"/> for the design).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed partial class LinuxSandbox : ISandboxContainer
{
    private const string ControlInSandbox = "/run/daytona";

    /// <summary>The environment of every host-side launcher: nothing of the emulator's or the caller's.</summary>
    private static readonly KeyValuePair<string, string>[] LauncherEnvironment = [new("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")];

    /// <summary>
    /// bash -c ENV_PRELUDE bash ENV_FILE PROGRAM ARGS...: exports the NUL-separated NAME=VALUE entries
    /// of ENV_FILE and execs PROGRAM. A command's environment reaches it this way, never through the
    /// host-side launchers, so nothing a caller sets (LD_PRELOAD, ...) acts on the host.
    /// </summary>
    private const string EnvPrelude = "while IFS= read -r -d '' __dtn_kv; do export -- \"$__dtn_kv\" 2>/dev/null; done < \"$1\"; unset __dtn_kv; shift; exec \"$@\"";

    /// <summary>
    /// The unshare launcher's PID 1, as root of a user namespace whose root is the sandbox's host uid:
    /// builds the sandbox's mounts, pivots into its root and becomes the supervisor with no capabilities.
    /// </summary>
    private const string UnshareSetup = """
        set -e
        r=$1 ctl=$2 host=$3 ip=$4
        shift 4
        ro() { mount -o remount,bind,ro -- "$1" 2>/dev/null || mount -o remount,bind,ro,nosuid,nodev -- "$1"; }
        mount --bind -- "$r" "$r"
        while [ $# -gt 0 ]; do
          case $1 in rw:*) mount --bind -- "$2" "$r${1#rw:}" ;; *) mount --bind -- "$2" "$r$1"; ro "$r$1" ;; esac
          shift 2
        done
        mount --bind -- "$ctl" "$r/run/daytona"; ro "$r/run/daytona"
        mount -t proc -o nosuid,nodev,noexec proc "$r/proc"
        mount -t tmpfs -o mode=755,nosuid,size=1m tmpfs "$r/dev"
        for n in null zero full random urandom tty; do
          if [ -e "/dev/$n" ]; then : > "$r/dev/$n"; mount --bind "/dev/$n" "$r/dev/$n"; fi
        done
        ln -s /proc/self/fd "$r/dev/fd"; ln -s /proc/self/fd/0 "$r/dev/stdin"; ln -s /proc/self/fd/1 "$r/dev/stdout"; ln -s /proc/self/fd/2 "$r/dev/stderr"
        mkdir "$r/dev/shm"; mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$r/dev/shm"
        hostname "$host"
        if [ -n "$ip" ]; then "$ip" link set lo up
        elif command -v perl >/dev/null; then
          # SIOCSIFFLAGS(lo, IFF_UP | IFF_LOOPBACK | IFF_RUNNING) without iproute2
          perl -e 'socket(my $s, 2, 2, 0) or die "socket: $!"; my $r = pack("a16 s x22", "lo", 0x49); ioctl($s, 0x8914, $r) or die "lo: $!"'
        fi
        cd "$r"
        pivot_root . .
        umount -l .
        cd /
        exec setpriv --bounding-set=-all --inh-caps=-all --ambient-caps=-all --no-new-privs -- /bin/bash -c "$SUPERVISOR"
        """;

    private readonly LinuxRuntime _runtime;
    private readonly SandboxSpec _spec;
    private readonly bool _minimal;
    private readonly object _initLock = new();
    private SandboxInit? _init;
    private SandboxCgroups.SandboxCgroup? _cgroup;
    private (int Cpu, int MemoryGiB)? _limits;

    public LinuxSandbox(LinuxRuntime runtime, SandboxSpec spec, bool minimal = false)
    {
        _runtime = runtime;
        _spec = spec;
        _minimal = minimal;
        Paths = new SandboxPaths(spec.RootDirectory, runtime.ReadOnlyMounts, spec.VolumeMap);
    }

    public SandboxPaths Paths { get; }
    public bool RunsCommands => true;
    public string ControlDirInSandbox => ControlInSandbox;
    public IdMap Ids => _runtime.Ids;

    public int? InitProcessId
    {
        get { lock (_initLock) return _init is { IsAlive: true } i ? i.NamespacePid : null; }
    }

    public void Prepare()
    {
        SandboxRootfs.Lay(_runtime, _spec, _minimal);
        lock (_initLock)
        {
            if (_cgroup is null && !_minimal && _runtime.Cgroups is { } cgroups)
            {
                _cgroup = cgroups.Create(_spec.Id);
                if (_limits is { } l) _cgroup.SetLimits(l.Cpu, l.MemoryGiB);
            }
        }
    }

    /// <summary>Sets the sandbox's cpu and memory limits (at create and on resize) where the runtime enforces them.</summary>
    public void SetLimits(int cpu, int memoryGiB)
    {
        lock (_initLock)
        {
            _limits = (cpu, memoryGiB);
            _cgroup?.SetLimits(cpu, memoryGiB);
        }
    }

    /// <summary>The sandbox's cgroups (tests read its limits through it), or null where limits are not enforced.</summary>
    internal SandboxCgroups.SandboxCgroup? Cgroup
    {
        get { lock (_initLock) return _cgroup; }
    }

    public void CopyLayerFrom(string sourceRoot) => SandboxRootfs.CopyLayer(_runtime, sourceRoot, _spec);

    public void Start() => EnsureInit();

    public void Stop()
    {
        lock (_initLock)
        {
            // SIGKILL to the namespace's PID 1: the kernel ends every process in it.
            _init?.Dispose();
            _init = null;
        }
    }

    public void Delete()
    {
        Stop();
        HostFiles.Discard(_spec.RootDirectory);
        SandboxCgroups.SandboxCgroup? cgroup;
        lock (_initLock) (cgroup, _cgroup) = (_cgroup, null);
        if (cgroup is not null) HostFiles.Later(cgroup.Remove); // rmdir waits for the namespace's last process
    }

    public void Adopt(string hostPath)
    {
        if (_runtime.DropFromRoot) Posix.LChown(hostPath, _runtime.HostUid, _runtime.HostGid);
    }

    public IExecHandle Exec(ExecSpec spec)
    {
        var (program, args, envFile) = PrepareLaunch(spec);
        var (file, launchArgs) = Launch(program, args);
        return StartLaunch(file, launchArgs, envFile);
    }

    /// <summary>The host command (before any privilege drop) that runs spec inside the sandbox, and the environment file it reads.</summary>
    private (string Program, List<string> Args, string EnvFile) PrepareLaunch(ExecSpec spec)
    {
        var init = EnsureInit();
        var envDir = Path.Combine(_spec.ControlDirectory, "env");
        Directory.CreateDirectory(envDir);
        var envName = Guid.NewGuid().ToString("N");
        var envFile = Path.Combine(envDir, envName);
        var text = new StringBuilder();
        foreach (var (k, v) in spec.Environment) text.Append(k).Append('=').Append(v).Append('\0');
        File.WriteAllText(envFile, text.ToString(), new UTF8Encoding(false));

        var tools = _runtime.ToolPaths;
        var args = new List<string>
        {
            "--target", init.NamespacePid.ToString(CultureInfo.InvariantCulture),
            "--user", "--preserve-credentials", "--mount", "--pid", "--ipc", "--uts", "--net",
        };
        // Its cgroup namespace too where the init has its own, so /proc/self/cgroup shows "/" and not
        // the host's cgroup paths (entering the host's own would be refused, hence the check).
        if (HasOwnCgroupNamespace(init.NamespacePid)) args.Add("--cgroup");
        args.AddRange(
        [
            "--",
            // A nested user namespace per command, so setpriv may empty even the bounding set.
            tools.Unshare, "--user", $"--map-user={LinuxRuntime.SandboxUid}", $"--map-group={LinuxRuntime.SandboxUid}", "--keep-caps", "--",
            tools.Setpriv, "--bounding-set=-all", "--inh-caps=-all", "--ambient-caps=-all", "--no-new-privs", "--",
            "/bin/bash", "-c", EnvPrelude, "bash", ControlInSandbox + "/env/" + envName,
        ]);
        args.AddRange(spec.Argv);
        return (tools.Nsenter, args, envFile);
    }

    private HostProcessExec StartLaunch(string file, List<string> launchArgs, string envFile)
    {
        try
        {
            var exec = HostProcessExec.Start(file, launchArgs, LauncherEnvironment, _runtime.Seccomp);
            _ = exec.Exited.ContinueWith(_ => TryDelete(envFile), TaskScheduler.Default);
            return exec;
        }
        catch
        {
            TryDelete(envFile);
            throw;
        }
    }

    private static void TryDelete(string file)
    {
        try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>The sandbox's init, started on first use and again if it died.</summary>
    private SandboxInit EnsureInit()
    {
        lock (_initLock)
        {
            if (_init is { IsAlive: true } alive) return alive;
            _init?.Dispose();
            _init = null;
            Prepare();
            var (file, args) = _runtime.Launcher == LinuxRuntime.LauncherKind.Bwrap ? BwrapInit() : UnshareInit();
            var env = LauncherEnvironment.Append(new("SUPERVISOR", SandboxInit.SupervisorScript));
            try { _init = SandboxInit.Start(file, args, env, _runtime.Seccomp); }
            finally { TryDelete(Path.Combine(_spec.ControlDirectory, "bwrap-args")); } // read by now; it names host paths
            return _init;
        }
    }

    private (string, List<string>) BwrapInit()
    {
        var args = new List<string>
        {
            "--unshare-user", "--uid", "1000", "--gid", "1000",
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net", "--unshare-cgroup-try",
            "--hostname", _spec.Id,
            "--bind", _spec.RootDirectory, "/",
        };
        foreach (var (inside, host) in _runtime.ReadOnlyMounts) args.AddRange(["--ro-bind", host, inside]);
        args.AddRange(["--ro-bind", _spec.ControlDirectory, ControlInSandbox, "--proc", "/proc"]);
        foreach (var v in _spec.Volumes ?? []) args.AddRange(["--bind", v.HostDirectory, v.MountPath]);
        // No --dev: it mounts a devpts, for which bwrap nests a second user namespace that nsenter
        // could not join past. A tmpfs /dev with the usual devices instead.
        args.AddRange(["--tmpfs", "/dev"]);
        foreach (var n in new[] { "null", "zero", "full", "random", "urandom", "tty" })
        {
            if (File.Exists("/dev/" + n)) args.AddRange(["--dev-bind", "/dev/" + n, "/dev/" + n]);
        }
        args.AddRange(["--symlink", "/proc/self/fd", "/dev/fd", "--symlink", "/proc/self/fd/0", "/dev/stdin",
            "--symlink", "/proc/self/fd/1", "/dev/stdout", "--symlink", "/proc/self/fd/2", "/dev/stderr",
            "--perms", "1777", "--tmpfs", "/dev/shm",
            "--chdir", "/", "--new-session"]);
        // The options name host paths; bwrap reads them from a file descriptor so that its
        // command line, which the sandbox sees as its PID 1, shows none of them.
        var argsFile = Path.Combine(_spec.ControlDirectory, "bwrap-args");
        File.WriteAllText(argsFile, string.Join('\0', args) + "\0", new UTF8Encoding(false));
        File.SetUnixFileMode(argsFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Adopt(argsFile);
        return Launch("/bin/sh", ["-c", "exec \"$0\" --args 3 -- /bin/bash -c \"$SUPERVISOR\" 3< \"$1\"", _runtime.ToolPaths.Bwrap!, argsFile]);
    }

    private static bool HasOwnCgroupNamespace(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/cgroup").LinkTarget is { } theirs
                && new FileInfo("/proc/self/ns/cgroup").LinkTarget is { } ours && theirs != ours;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>A host launcher through the runtime (privilege drop), joining the sandbox's cgroups where there are any.</summary>
    private (string FileName, List<string> Args) Launch(string program, IEnumerable<string> args) => _runtime.Launch(program, args, Cgroup);

    private (string, List<string>) UnshareInit()
    {
        var args = new List<string>
        {
            "--user", "--map-root-user", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child",
            "--ipc", "--uts", "--net", "--cgroup", "--",
            "/bin/bash", "-c", UnshareSetup, "bash", _spec.RootDirectory, _spec.ControlDirectory, _spec.Id, _runtime.ToolPaths.Ip ?? "",
        };
        foreach (var (inside, host) in _runtime.ReadOnlyMounts) args.AddRange([inside, host]);
        foreach (var v in _spec.Volumes ?? []) args.AddRange(["rw:" + v.MountPath, v.HostDirectory]);
        return Launch(_runtime.ToolPaths.Unshare, args);
    }
}
