using System.Diagnostics;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// The long-lived "container" of one started sandbox: a launcher (bwrap, or util-linux unshare)
/// whose PID-1 child owns the sandbox's namespaces and whose only job is to stay alive. Commands
/// join its namespaces with nsenter, so, as in a Daytona sandbox, they share one PID namespace and
/// one filesystem view, and a background job (`nohup python3 -m http.server 8000 &amp;`) outlives the
/// command that started it: when its shell exits it is re-parented to the namespace's PID 1.
/// </summary>
/// <remarks>
/// Why this shape:
/// - Stopping is exact: killing PID 1 of a PID namespace makes the kernel SIGKILL every process
///   in it, however it daemonized, renamed itself or cleared its environment.
/// - Nothing escapes the filesystem view: setns(CLONE_NEWNS) puts the joining process's root and
///   cwd at the namespace's root (the sandbox's), never the emulator's; its /proc is the sandbox's.
/// - No --die-with-parent here: PR_SET_PDEATHSIG fires when the *thread* that forked the child
///   ends, and .NET retires idle thread-pool threads, which would kill a sandbox at random. The
///   supervisor instead reads its stdin, a pipe whose write end only the emulator holds: when the
///   emulator exits (even killed), the read sees EOF, the supervisor exits, PID 1 exits and the
///   kernel ends the namespace.
/// - The supervisor can die (a command may `kill -9` it); the runtime then starts a fresh one on
///   the next command, as a restarted container would.
/// </remarks>
internal sealed class SandboxInit : IDisposable
{
    /// <summary>Stays alive until stdin closes; prints "ready" once the namespaces are set up.</summary>
    public const string SupervisorScript = "echo ready; while read -r _; do :; done";

    private readonly Process _launcher;

    private SandboxInit(Process launcher, int namespacePid)
    {
        _launcher = launcher;
        NamespacePid = namespacePid;
    }

    /// <summary>Host pid of PID 1 of the sandbox's PID namespace (the launcher's child).</summary>
    public int NamespacePid { get; }

    public bool IsAlive
    {
        get
        {
            try { return !_launcher.HasExited && Directory.Exists($"/proc/{NamespacePid}"); }
            catch (InvalidOperationException) { return false; }
        }
    }

    /// <summary>Starts the launcher (whose command ends in the supervisor) and waits until it is ready.</summary>
    public static SandboxInit Start(string fileName, IEnumerable<string> args, IEnumerable<KeyValuePair<string, string>> environment, Runtime.SandboxSeccomp? seccomp = null)
    {
        var launcher = Runtime.HostProcessExec.Launch(fileName, args, environment, seccomp);
        try
        {
            // A blocking read on a thread of its own: an async read's completion needs a thread-pool
            // thread, and this wait blocks one, so a starved pool (a busy test run) made a healthy
            // launcher look dead ("no answer") and the sandbox's commands fail with exit -1.
            var ready = Task.Factory.StartNew(() => launcher.StandardOutput.ReadLine(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            if (!ready.Wait(TimeSpan.FromSeconds(15)) || ready.Result != "ready")
            {
                var why = launcher.HasExited ? launcher.StandardError.ReadToEnd().Trim() : "no answer";
                throw new InvalidOperationException($"the sandbox's init did not start: {why}");
            }
            var nsPid = ChildOf(launcher.Id) ?? throw new InvalidOperationException("the sandbox's init has no child process");
            // Drain what the supervisor might print so its pipes never fill.
            _ = launcher.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
            _ = launcher.StandardError.BaseStream.CopyToAsync(Stream.Null);
            return new SandboxInit(launcher, nsPid);
        }
        catch
        {
            Kill(launcher);
            launcher.Dispose();
            throw;
        }
    }

    /// <summary>Ends every process of the sandbox: SIGKILL to its PID 1 takes the whole namespace.</summary>
    public void Dispose()
    {
        try
        {
            using var pid1 = Process.GetProcessById(NamespacePid);
            pid1.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception) { }
        // Not Kill(entireProcessTree): .NET finds a tree by reading every /proc/*/stat, which over a
        // bulk delete of hundreds of sandboxes cost more CPU than the rest of the teardown. The
        // launcher's only child is PID 1, already killed, which takes the whole namespace with it.
        try { _launcher.Kill(); }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { }
        try { _launcher.WaitForExit(5000); } catch (InvalidOperationException) { }
        _launcher.Dispose();
    }

    private static void Kill(Process p)
    {
        try { p.Kill(entireProcessTree: true); }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { }
    }

    /// <summary>The first child of pid (from /proc/*/stat), or null.</summary>
    private static int? ChildOf(int parent)
    {
        var children = $"/proc/{parent}/task/{parent}/children";
        try
        {
            if (File.Exists(children))
            {
                var first = File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
                if (int.TryParse(first, out var c)) return c;
            }
        }
        catch (IOException) { }
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.TryParse(fields[1], out var ppid) && ppid == parent) return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException or IndexOutOfRangeException) { }
        }
        return null;
    }
}
