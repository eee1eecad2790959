using System.Diagnostics;
using System.Globalization;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// The long-lived "container" of one started sandbox under bubblewrap: a bwrap with its own mount,
/// PID and IPC namespaces whose only job is to stay alive. Commands join its namespaces with
/// nsenter, so, as in a Daytona sandbox, they share one PID namespace and one filesystem view, and
/// a background job (`nohup python3 -m http.server 8000 &`) outlives the command that started it:
/// when its shell exits it is re-parented to the namespace's PID 1 (bwrap's reaper).
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
    private const string SupervisorScript = "echo ready; while read -r _; do :; done";

    private readonly Process _bwrap;

    private SandboxInit(Process bwrap, int namespacePid, bool joinUserNamespace)
    {
        _bwrap = bwrap;
        NamespacePid = namespacePid;
        JoinUserNamespace = joinUserNamespace;
    }

    /// <summary>Host pid of PID 1 of the sandbox's PID namespace (bwrap's inner process).</summary>
    public int NamespacePid { get; }

    /// <summary>Host pid of the outer bwrap.</summary>
    public int BwrapPid => _bwrap.Id;

    /// <summary>True when bwrap made a user namespace (emulator not root), which nsenter must join first.</summary>
    public bool JoinUserNamespace { get; }

    public bool IsAlive
    {
        get
        {
            try { return !_bwrap.HasExited && Directory.Exists($"/proc/{NamespacePid}"); }
            catch (InvalidOperationException) { return false; }
        }
    }

    /// <summary>Starts bwrap with the sandbox's binds and waits until it is ready.</summary>
    public static SandboxInit Start(IReadOnlyList<string> bwrapArgs, IEnumerable<KeyValuePair<string, string>> environment)
    {
        var psi = new ProcessStartInfo(Bubblewrap.Path)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment.Clear();
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        foreach (var a in bwrapArgs) psi.ArgumentList.Add(a);
        foreach (var a in new[] { "--", "/bin/bash", "-c", SupervisorScript }) psi.ArgumentList.Add(a);

        var bwrap = Process.Start(psi) ?? throw new InvalidOperationException("bwrap did not start");
        try
        {
            var ready = bwrap.StandardOutput.ReadLineAsync();
            if (!ready.Wait(TimeSpan.FromSeconds(15)) || ready.Result != "ready")
            {
                var why = bwrap.HasExited ? bwrap.StandardError.ReadToEnd().Trim() : "no answer";
                throw new InvalidOperationException($"the sandbox's bwrap did not start: {why}");
            }
            var nsPid = ChildOf(bwrap.Id) ?? throw new InvalidOperationException("the sandbox's bwrap has no child process");
            var joinUser = NamespaceId(nsPid, "user") != NamespaceId(Environment.ProcessId, "user");
            // Drain what the supervisor might print so its pipes never fill.
            _ = bwrap.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
            _ = bwrap.StandardError.BaseStream.CopyToAsync(Stream.Null);
            return new SandboxInit(bwrap, nsPid, joinUser);
        }
        catch
        {
            Kill(bwrap);
            bwrap.Dispose();
            throw;
        }
    }

    /// <summary>nsenter's arguments to run a program inside this sandbox (before "--").</summary>
    public IEnumerable<string> NsenterArgs()
    {
        yield return "--target";
        yield return NamespacePid.ToString(CultureInfo.InvariantCulture);
        if (JoinUserNamespace)
        {
            yield return "--user";
            yield return "--preserve-credentials";
        }
        yield return "--mount";
        yield return "--ipc";
        yield return "--pid";
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
        Kill(_bwrap);
        try { _bwrap.WaitForExit(5000); } catch (InvalidOperationException) { }
        _bwrap.Dispose();
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

    private static string? NamespaceId(int pid, string kind)
    {
        try { return new FileInfo($"/proc/{pid}/ns/{kind}").LinkTarget; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
