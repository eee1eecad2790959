using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// The filesystem root and running processes of one sandbox. CONTRACT used by the store:
/// Prepare() on create, KillAll() on stop, Destroy() on delete (kill + remove the directory).
/// </summary>
/// <remarks>
/// Layout below RootDirectory: home/daytona (the sandbox's /home/daytona), tmp (its /tmp) and
/// .daytona (the emulated daemon's own files: session state, upload spools), which commands see as
/// /run/daytona under bubblewrap. Under bubblewrap a started sandbox has one long-lived bwrap
/// (<see cref="SandboxInit"/>: own mount, PID and IPC namespaces) and every command joins it with
/// nsenter, so background jobs keep running until the sandbox stops, and stopping kills the
/// namespace's PID 1, which ends them all. Without nsenter each command gets its own bwrap and its
/// background jobs end with it. Without bubblewrap commands run as plain children carrying a
/// marker variable; background jobs survive and stop finds them by the marker.
/// </remarks>
public sealed class SandboxRuntime
{
    private const string BwrapControlDir = "/run/daytona";
    /// <summary>Marks the processes of this sandbox so the plain fallback can find orphans.</summary>
    private const string MarkerVariable = "DAYTONA_EMULATOR_SANDBOX_ROOT";

    private readonly ConcurrentDictionary<int, SandboxProcess> _processes = new();
    private readonly object _initLock = new();
    private SandboxInit? _init;

    public SandboxRuntime(string rootDirectory, EmulatorOptions options)
    {
        RootDirectory = Path.GetFullPath(rootDirectory);
        Options = options;
        Paths = new SandboxPaths(RootDirectory);
        Sessions = new SessionManager(this);
    }

    /// <summary>The sandbox's own root; /home/daytona and /tmp map below it.</summary>
    public string RootDirectory { get; }

    public EmulatorOptions Options { get; }

    public SandboxPaths Paths { get; }

    public SessionManager Sessions { get; }

    /// <summary>True when commands run under bubblewrap, false for the plain fallback.</summary>
    public bool UsesBubblewrap => !Options.NoSandboxing && Bubblewrap.Available;

    /// <summary>The daemon's own directory on the host.</summary>
    public string ControlDirOnHost => Path.Combine(RootDirectory, ".daytona");

    /// <summary>The same directory as commands of this sandbox see it.</summary>
    public string ControlDirInSandbox => UsesBubblewrap ? BwrapControlDir : ControlDirOnHost;

    public void Prepare()
    {
        Directory.CreateDirectory(Path.Combine(RootDirectory, "home", "daytona"));
        Directory.CreateDirectory(Path.Combine(RootDirectory, "tmp"));
        Directory.CreateDirectory(ControlDirOnHost);
        if (!OperatingSystem.IsWindows())
        {
            // /tmp is world-writable with the sticky bit, as on any Linux box.
            File.SetUnixFileMode(Path.Combine(RootDirectory, "tmp"), (UnixFileMode)Convert.ToInt32("1777", 8));
        }
    }

    /// <summary>
    /// Starts /bin/bash with bashArgs inside the sandbox, in sandbox directory cwd, with a clean
    /// environment (nothing of the emulator's own, which may hold keys) plus env. Its output ends
    /// with an end marker (see <see cref="SandboxProcess"/>) so background jobs can outlive it.
    /// </summary>
    public SandboxProcess Start(string cwd, IEnumerable<KeyValuePair<string, string>> env, IReadOnlyList<string> bashArgs)
    {
        Prepare();
        var sandboxCwd = SandboxPaths.Normalize(cwd);
        var hostCwd = Paths.MapLexical(sandboxCwd)
            ?? throw new DirectoryNotFoundException($"chdir {cwd}: no such file or directory");
        if (!Directory.Exists(hostCwd)) throw new DirectoryNotFoundException($"chdir {cwd}: no such file or directory");

        // Written by the wrapper shell to stdout and stderr once the command's shell has exited;
        // the end file is created right after (see SandboxProcess.WaitForOutputAsync).
        var endToken = Guid.NewGuid().ToString("N");
        var endFile = "end-" + endToken;

        var psi = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment.Clear();
        foreach (var (k, v) in BaseEnvironment()) psi.Environment[k] = v;
        foreach (var (k, v) in env) psi.Environment[k] = v;

        string shellCwd;
        if (UsesBubblewrap && Bubblewrap.CanJoin)
        {
            // Enter the sandbox's long-lived namespaces (see SandboxInit).
            var init = EnsureInit();
            psi.FileName = Bubblewrap.NsenterPath;
            foreach (var a in init.NsenterArgs()) psi.ArgumentList.Add(a);
            psi.ArgumentList.Add("--");
            psi.ArgumentList.Add("/bin/bash");
            shellCwd = sandboxCwd;
        }
        else if (UsesBubblewrap)
        {
            // No usable nsenter: each command gets its own bwrap and PID namespace, so its
            // background jobs end with it (said at start-up).
            psi.FileName = Bubblewrap.Path;
            foreach (var a in NamespaceArgs(sandboxCwd)) psi.ArgumentList.Add(a);
            foreach (var a in new[] { "--die-with-parent", "--", "/bin/bash" }) psi.ArgumentList.Add(a);
            shellCwd = sandboxCwd;
        }
        else
        {
            psi.FileName = OperatingSystem.IsWindows() ? "bash" : "/bin/bash";
            psi.WorkingDirectory = hostCwd;
            psi.Environment[MarkerVariable] = RootDirectory;
            shellCwd = hostCwd;
        }
        foreach (var a in new[] { "-c", WrapperScript, "bash", shellCwd, endToken, ControlDirInSandbox + "/" + endFile }) psi.ArgumentList.Add(a);
        foreach (var a in bashArgs) psi.ArgumentList.Add(a);

        var process = new SandboxProcess(Process.Start(psi) ?? throw new InvalidOperationException("the process did not start"),
            SandboxProcess.EndMarker(endToken), Path.Combine(ControlDirOnHost, endFile));
        _processes[process.Id] = process;
        _ = process.Exited.ContinueWith(_ => _processes.TryRemove(process.Id, out SandboxProcess? _), TaskScheduler.Default);
        return process;
    }

    /// <summary>
    /// bash -c WrapperScript bash CWD END_TOKEN END_FILE BASH_ARGS...: moves to cwd, runs the
    /// command's bash as a child, then writes the end marker (see <see cref="SandboxProcess"/>) to
    /// stdout and stderr, creates END_FILE, and exits with the command's status.
    /// </summary>
    private const string WrapperScript = "cd -- \"$1\" || exit 1; __dtn_end=$2; __dtn_end_file=$3; shift 3; /bin/bash \"$@\"; __dtn_rc=$?; " +
        "builtin printf '\\036daytona-end-%s\\036' \"$__dtn_end\"; builtin printf '\\036daytona-end-%s\\036' \"$__dtn_end\" >&2; " +
        ": 2>/dev/null >\"$__dtn_end_file\"; exit $__dtn_rc";

    /// <summary>bwrap's arguments for this sandbox's filesystem view and namespaces (before "--").</summary>
    private IEnumerable<string> NamespaceArgs(string sandboxCwd)
    {
        foreach (var a in Bubblewrap.SystemArgs) yield return a;
        foreach (var a in new[]
        {
            "--bind", Path.Combine(RootDirectory, "home"), "/home",
            "--bind", Path.Combine(RootDirectory, "tmp"), "/tmp",
            "--bind", ControlDirOnHost, BwrapControlDir,
            "--proc", "/proc", "--dev", "/dev",
            "--unshare-pid", "--unshare-ipc",
            "--chdir", sandboxCwd,
        })
        {
            yield return a;
        }
    }

    /// <summary>The sandbox's init, started on first use and again if it died.</summary>
    private SandboxInit EnsureInit()
    {
        lock (_initLock)
        {
            if (_init is { IsAlive: true } alive) return alive;
            _init?.Dispose();
            _init = null;
            _init = SandboxInit.Start(NamespaceArgs(SandboxPaths.HomeDir).ToList(), BaseEnvironment());
            return _init;
        }
    }

    /// <summary>Host pid of the sandbox's PID 1 while it has one (bubblewrap with nsenter only).</summary>
    public int? InitProcessId
    {
        get { lock (_initLock) return _init is { IsAlive: true } i ? i.NamespacePid : null; }
    }

    private IEnumerable<KeyValuePair<string, string>> BaseEnvironment()
    {
        var home = UsesBubblewrap ? SandboxPaths.HomeDir : Path.Combine(RootDirectory, "home", "daytona");
        yield return new("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        yield return new("HOME", home);
        yield return new("SHELL", "/bin/bash");
        yield return new("LANG", "C.UTF-8");
        yield return new("USER", "daytona");
        yield return new("LOGNAME", "daytona");
        if (!UsesBubblewrap) yield return new("TMPDIR", Path.Combine(RootDirectory, "tmp"));
    }

    /// <summary>Host ids of the commands this sandbox is running now (nsenter or bwrap, or bash without it; not its init).</summary>
    public IReadOnlyCollection<int> ProcessIds => _processes.Keys.ToArray();

    /// <summary>Kills every process of the sandbox (background jobs included) and ends its sessions.</summary>
    public void KillAll()
    {
        Sessions.Clear();
        lock (_initLock)
        {
            // SIGKILL to the namespace's PID 1: the kernel ends every process in it.
            _init?.Dispose();
            _init = null;
        }
        foreach (var p in _processes.Values) p.Kill();
        _processes.Clear();
        if (!UsesBubblewrap) KillMarkedOrphans();
    }

    public void Destroy()
    {
        KillAll();
        DeleteTree(RootDirectory);
    }

    /// <summary>Start-up notes about isolation (bubblewrap or the plain fallback).</summary>
    public static IEnumerable<string> DescribeIsolation(EmulatorOptions options)
    {
        if (options.NoSandboxing)
        {
            yield return "--no-sandboxing: sandbox commands run directly on this machine in <data-dir>/<sandbox>/home/daytona with HOME mapped there; they can see the host's filesystem.";
        }
        else if (Bubblewrap.Available)
        {
            yield return $"isolation: bubblewrap ({Bubblewrap.Path}); each sandbox sees its own /home and /tmp, the host's /usr and /etc read-only, and a private PID namespace that its commands share (background processes run until the sandbox stops).";
            if (!Bubblewrap.CanJoin)
                yield return $"note: cannot join a sandbox's namespaces ({Bubblewrap.JoinProblem}); each command gets its own bwrap, so background processes end with their command.";
        }
        else
        {
            yield return $"isolation: bubblewrap is not available ({Bubblewrap.Problem}); sandbox commands run directly on this machine in <data-dir>/<sandbox>/home/daytona with HOME mapped there, so they can see the host's filesystem. Install bubblewrap (apt-get install bubblewrap) for isolation.";
        }
    }

    /// <summary>Without bubblewrap a command can leave daemons behind; they carry the marker variable.</summary>
    private void KillMarkedOrphans()
    {
        if (!OperatingSystem.IsLinux()) return;
        var marker = Encoding.UTF8.GetBytes(MarkerVariable + "=" + RootDirectory + "\0");
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                var environ = File.ReadAllBytes(Path.Combine(dir, "environ"));
                if (environ.AsSpan().IndexOf(marker) < 0) continue;
                using var p = Process.GetProcessById(pid);
                p.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone already, or not ours to read.
            }
        }
    }

    /// <summary>Deletes a tree even where a command made directories read-only.</summary>
    private static void DeleteTree(string path)
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
        Directory.Delete(path, recursive: true);
    }
}

/// <summary>Finds bubblewrap once and checks that it really runs here (user namespaces may be off).</summary>
internal static class Bubblewrap
{
    private static readonly Lazy<(string? Path, string? Problem, string[] Args)> Probe = new(Detect);
    private static readonly Lazy<(string? Path, string? Problem)> JoinProbe = new(DetectJoin);

    public static bool Available => Probe.Value.Path is not null;
    public static string Path => Probe.Value.Path ?? "bwrap";
    public static string Problem => Probe.Value.Problem ?? "";

    /// <summary>The host's /usr and /etc read-only, with /bin, /lib... as the host has them.</summary>
    public static IReadOnlyList<string> SystemArgs => Probe.Value.Args;

    /// <summary>True when nsenter can join a running bwrap's namespaces (needs util-linux nsenter and the right to setns).</summary>
    public static bool CanJoin => Available && JoinProbe.Value.Path is not null;
    public static string NsenterPath => JoinProbe.Value.Path ?? "nsenter";
    public static string JoinProblem => JoinProbe.Value.Problem ?? "";

    /// <summary>Starts a throwaway init (no binds, so nothing is written) and runs /bin/true inside it.</summary>
    private static (string?, string?) DetectJoin()
    {
        if (!Available) return (null, Problem);
        var path = new[] { "/usr/bin/nsenter", "/usr/sbin/nsenter", "/bin/nsenter" }.FirstOrDefault(File.Exists);
        if (path is null) return (null, "nsenter not found (util-linux)");
        try
        {
            using var init = SandboxInit.Start(
                [.. SystemArgs, "--proc", "/proc", "--dev", "/dev", "--unshare-pid", "--unshare-ipc", "--chdir", "/"],
                [new("PATH", "/usr/bin:/bin")]);
            var psi = new ProcessStartInfo(path) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in init.NsenterArgs()) psi.ArgumentList.Add(a);
            foreach (var a in new[] { "--", "/bin/bash", "-c", "test -d /proc/1 && ! test -d /proc/" + init.NamespacePid }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(10_000)) { p.Kill(true); return (null, "nsenter did not answer"); }
            return p.ExitCode == 0 ? (path, null) : (null, $"nsenter failed: {err.Result.Trim()}");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return (null, $"nsenter failed: {e.Message}");
        }
    }

    private static (string?, string?, string[]) Detect()
    {
        if (!OperatingSystem.IsLinux()) return (null, "not Linux", []);
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':')
            .Select(d => System.IO.Path.Combine(d, "bwrap"))
            .Prepend("/usr/bin/bwrap")
            .FirstOrDefault(File.Exists);
        if (path is null) return (null, "bwrap not found", []);

        var args = new List<string> { "--ro-bind", "/usr", "/usr" };
        foreach (var top in new[] { "bin", "sbin", "lib", "lib32", "lib64", "libx32" })
        {
            var host = "/" + top;
            var info = new DirectoryInfo(host);
            if (info.LinkTarget is { } target) args.AddRange(["--symlink", target, host]);
            else if (info.Exists) args.AddRange(["--ro-bind", host, host]);
        }
        args.AddRange(["--ro-bind", "/etc", "/etc"]);

        try
        {
            var psi = new ProcessStartInfo(path) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            foreach (var a in new[] { "--proc", "/proc", "--dev", "/dev", "--unshare-pid", "--die-with-parent", "--", "/bin/true" }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEnd();
            if (!p.WaitForExit(10_000)) { p.Kill(true); return (null, "bwrap did not answer", []); }
            return p.ExitCode == 0 ? (path, null, args.ToArray()) : (null, $"bwrap failed: {err.Trim()}", []);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException)
        {
            return (null, $"bwrap failed: {e.Message}", []);
        }
    }
}
