using System.Diagnostics;
using System.Globalization;
using DaytonaPS.Emulator.Toolbox;

namespace DaytonaPS.Emulator.Runtime;

/// <summary>
/// --runtime linux: each sandbox is a set of Linux namespaces (user, mount, PID, UTS, IPC, network)
/// around its own root directory, started by bubblewrap or, without it, by util-linux unshare.
/// </summary>
/// <remarks>
/// Privilege: nothing about a sandbox is ever done with the emulator's privileges. A root emulator
/// first becomes an unprivileged host uid (--sandbox-host-uid, default 2000001000) with no
/// capabilities and no groups (setpriv); an unprivileged emulator stays itself. That user creates a
/// user namespace in which only the sandbox user (daytona, uid/gid 1000) is mapped, to that host
/// uid: sandbox "root" does not exist, host root's files show as nobody (65534) and can't be
/// written, and whatever a sandbox gains inside its namespaces it gains over its own files only.
/// Every command joins the sandbox's namespaces (nsenter), then enters a nested user namespace
/// where setpriv empties every capability set (bounding set included) and sets no_new_privs.
///
/// Filesystem: a per-sandbox writable directory is the sandbox's "/" (home/daytona, tmp,
/// workspace, opt, root, var, srv, etc: a copy of the host's world-readable /etc with its own
/// passwd, group, hostname and hosts); the host's /usr (and /bin, /lib... where they are not
/// symlinks into it) is bind-mounted read-only. This was chosen over overlayfs because the file API
/// then works on exactly the files commands see (the same inodes), also while the sandbox is stopped,
/// without entering its namespaces, and it behaves the same under bwrap and unshare on any kernel.
/// The cost: /usr is read-only (no apt-get install), and /opt and /var start empty.
///
/// Network: a network namespace with only loopback (up), so a sandbox reaches nothing of the host,
/// not even 127.0.0.1, and two sandboxes can both listen on the same port.
///
/// Known and accepted: /proc/self/mountinfo names the host directories behind the sandbox's bind
/// mounts (its root and /run/daytona below the data dir). That is inherent to bind mounts (the field
/// is the path inside the source filesystem); hiding it would take a filesystem of its own per
/// sandbox (overlayfs lists its directories in its options too), and it names paths the sandbox can
/// neither reach nor use. Nested user namespaces stay allowed (each command runs in one, and
/// Chromium's sandbox, rootless podman/buildah and `unshare` in user scripts need them, as Docker-in-
/// Docker images on Daytona do): root of a nested namespace gains nothing over the sandbox's mounts
/// or the host (SandboxIsolationTests run the escape attempts in one); what remains is the kernel's
/// user-namespace attack surface, the same as for any unprivileged user of a host that allows them.
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LinuxRuntime : IRuntimeBackend
{
    public const uint SandboxUid = 1000;
    public const string SandboxUserName = "daytona";

    public enum LauncherKind { Bwrap, Unshare }

    private LinuxRuntime(LauncherKind launcher, Tools tools, uint hostUid, uint hostGid, bool dropFromRoot, string requested, List<string> notes)
    {
        Launcher = launcher;
        ToolPaths = tools;
        HostUid = hostUid;
        HostGid = hostGid;
        DropFromRoot = dropFromRoot;
        (ReadOnlyMounts, TopLevelLinks) = HostTree();
        Ids = new IdMap(SandboxUid, hostUid, SandboxUid, hostGid);
        Info = new RuntimeInfo(
            "linux", requested, launcher == LauncherKind.Bwrap ? "bwrap" : "unshare", true, true,
            $"{SandboxUserName} (uid {SandboxUid}, no capabilities, no_new_privs)",
            hostUid.ToString(CultureInfo.InvariantCulture) + (dropFromRoot ? " (the emulator is root; sandboxes never are)" : " (the emulator's own uid)"),
            "own writable root per sandbox (copy of the host's world-readable /etc; /home/daytona, /tmp, /workspace, /opt, /root, /var writable) with the host's /usr read-only",
            "own network namespace, loopback only",
            notes);
    }

    public string Name => "linux";
    public bool RunsCommands => true;
    public RuntimeInfo Info { get; }

    public LauncherKind Launcher { get; }
    internal Tools ToolPaths { get; }

    /// <summary>The host uid/gid the sandbox user is.</summary>
    public uint HostUid { get; }
    public uint HostGid { get; }

    /// <summary>True when the emulator is root and drops to HostUid before anything else.</summary>
    public bool DropFromRoot { get; }

    public IdMap Ids { get; }

    /// <summary>Sandbox path -> host path of the read-only host trees (/usr, and /bin, /lib... where they are real directories).</summary>
    public IReadOnlyDictionary<string, string> ReadOnlyMounts { get; }

    /// <summary>Top-level names that are symlinks on the host (bin -> usr/bin on merged-/usr systems), made the same in each sandbox.</summary>
    public IReadOnlyDictionary<string, string> TopLevelLinks { get; }

    public ISandboxContainer Create(SandboxSpec spec) => new LinuxSandbox(this, spec);

    /// <summary>The seccomp filter every sandbox process runs under (its launcher thread), or null where there is none.</summary>
    internal SandboxSeccomp? Seccomp { get; private set; }

    /// <summary>Per-sandbox cpu/memory/process limits, or null where they cannot be enforced (not root).</summary>
    internal SandboxCgroups? Cgroups { get; private set; }

    /// <summary>
    /// sh -c JOIN_PRELUDE sh PROCS_FILE... -- PROGRAM ARGS...: writes its pid to each cgroup.procs
    /// file (as root, before the privilege drop), then execs PROGRAM, so the launcher and all it
    /// starts are in the sandbox's groups from their first instruction. Fails closed (125).
    /// </summary>
    private const string JoinPrelude = "while [ \"$1\" != -- ]; do echo $$ > \"$1\" || exit 125; shift; done; shift; exec \"$@\"";

    internal sealed record Tools(string Setpriv, string Nsenter, string Unshare, string? Bwrap, string? Ip);

    /// <summary>
    /// Picks a launcher (bwrap or unshare per --linux-launcher) and proves it: a throwaway sandbox
    /// below probeDir runs `id -u` and must answer 1000 from inside its namespaces.
    /// </summary>
    public static LinuxRuntime? Detect(EmulatorOptions options, string probeDir, List<string> problems)
    {
        var setpriv = Posix.Tool("setpriv");
        var nsenter = Posix.Tool("nsenter");
        var unshare = Posix.Tool("unshare");
        if (setpriv is null || nsenter is null || unshare is null)
        {
            problems.Add("util-linux setpriv, nsenter and unshare are needed (apt-get install util-linux)");
            return null;
        }
        var bwrap = Environment.GetEnvironmentVariable("DAYTONA_EMULATOR_NO_BWRAP") is { Length: > 0 } ? null : FindBwrap();
        var tools = new Tools(setpriv, nsenter, unshare, bwrap, Posix.Tool("ip"));
        var root = Posix.IsRoot;
        var uid = root ? options.SandboxHostUid : Posix.EffectiveUid;
        var gid = root ? options.SandboxHostUid : Posix.EffectiveGid;

        var candidates = options.LinuxLauncher switch
        {
            "bwrap" => new[] { LauncherKind.Bwrap },
            "unshare" => [LauncherKind.Unshare],
            _ => [LauncherKind.Bwrap, LauncherKind.Unshare],
        };
        foreach (var kind in candidates)
        {
            if (kind == LauncherKind.Bwrap && bwrap is null)
            {
                problems.Add("bubblewrap not found" + (Environment.GetEnvironmentVariable("DAYTONA_EMULATOR_NO_BWRAP") is { Length: > 0 } ? " (ignored: DAYTONA_EMULATOR_NO_BWRAP is set)" : " (apt-get install bubblewrap)"));
                continue;
            }
            var notes = problems.Select(p => "not used: " + p).ToList();
            if (tools.Ip is null && Posix.Tool("perl") is null && kind == LauncherKind.Unshare) notes.Add("neither iproute2's ip nor perl is installed: sandboxes' loopback stays down (no 127.0.0.1 inside)");
            var runtime = new LinuxRuntime(kind, tools, uid, gid, root, options.Runtime, notes);
            string? noSeccomp = null;
            if (options.Seccomp) runtime.Seccomp = SandboxSeccomp.Get(out noSeccomp);
            var why = runtime.Probe(probeDir);
            if (why is not null && runtime.Seccomp is not null)
            {
                // The launchers failed under the filter (a kernel or security module that refuses
                // something of theirs): say so, and try this launcher once more without it.
                noSeccomp = $"a test sandbox failed under the filter ({why})";
                runtime.Seccomp = null;
                why = runtime.Probe(probeDir);
            }
            if (why is null)
            {
                notes.Add(runtime.Seccomp?.Describe() ?? (options.Seccomp
                    ? "seccomp: not applied: " + noSeccomp
                    : "seccomp: off (--seccomp off): sandbox processes may make every system call their privileges allow"));
                runtime.Cgroups = SandboxCgroups.Detect(options.PidsLimit, out var noLimits);
                notes.Add(runtime.Cgroups?.Describe() ?? noLimits);
                return runtime;
            }
            problems.Add($"{(kind == LauncherKind.Bwrap ? "bubblewrap" : "unshare")}: {why}");
        }
        return null;
    }

    private static string? FindBwrap() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "bwrap"))
            .Prepend("/usr/bin/bwrap")
            .FirstOrDefault(File.Exists);

    /// <summary>Runs `id -u; hostname` in a throwaway sandbox; null when it answered as expected, else why not.</summary>
    private string? Probe(string probeDir)
    {
        if (UnreachableAncestor(probeDir) is { } closed)
            return $"the data directory is not reachable by the sandboxes' host uid {HostUid}: {closed} lacks search permission for others (chmod o+x {closed}, or choose another --data-dir)";
        var dir = Path.Combine(probeDir, "probe-" + Guid.NewGuid().ToString("N")[..8]);
        var spec = new SandboxSpec("probe", "probe", SandboxUserName, dir, dir + ".daytona");
        var sandbox = new LinuxSandbox(this, spec, minimal: true);
        try
        {
            Directory.CreateDirectory(spec.ControlDirectory);
            sandbox.Prepare();
            sandbox.Start();
            using var exec = sandbox.Exec(new ExecSpec("/", [new("PATH", "/usr/bin:/bin")], ["/bin/sh", "-c", "id -u; hostname; test -w /home/daytona && echo writable"]));
            exec.StandardInput.Close();
            // Blocking reads on threads of their own, as in SandboxInit.Start: waiting here on async
            // reads (or the async exit) would need the very thread-pool threads a busy pool lacks.
            var output = ReadToEndOnOwnThread(exec.StandardOutput);
            var error = ReadToEndOnOwnThread(exec.StandardError);
            if (!Task.WaitAll([output, error], TimeSpan.FromSeconds(15))) { exec.Kill(); return "a command in a test sandbox did not answer"; }
            var expected = $"{SandboxUid}\nprobe\nwritable\n";
            if (output.Result != expected) return $"a test sandbox answered '{output.Result.Trim()}' {error.Result.Trim()}".Trim();
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or AggregateException)
        {
            return e.Message;
        }
        finally
        {
            try { sandbox.Delete(); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            try { HostFiles.DeleteTree(spec.ControlDirectory); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Where the emulator runs as root, sandboxes run as another uid that must be able to reach the
    /// data directory: the first existing ancestor of dir without o+x (a 0700 mktemp folder, say), or null.
    /// </summary>
    private string? UnreachableAncestor(string dir)
    {
        if (!DropFromRoot) return null;
        for (var d = Path.GetDirectoryName(Path.GetFullPath(dir)); d is not null; d = Path.GetDirectoryName(d))
        {
            try
            {
                if (Directory.Exists(d) && !File.GetUnixFileMode(d).HasFlag(UnixFileMode.OtherExecute)) return d;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        }
        return null;
    }

    private static Task<string> ReadToEndOnOwnThread(Stream stream) =>
        Task.Factory.StartNew(() => new StreamReader(stream).ReadToEnd(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>/usr read-only, plus each top-level bin/sbin/lib* as a symlink (merged /usr) or a read-only mount.</summary>
    private static (IReadOnlyDictionary<string, string>, IReadOnlyDictionary<string, string>) HostTree()
    {
        var mounts = new Dictionary<string, string>(StringComparer.Ordinal) { ["/usr"] = "/usr" };
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var top in new[] { "bin", "sbin", "lib", "lib32", "lib64", "libx32" })
        {
            var info = new DirectoryInfo("/" + top);
            if (info.LinkTarget is { } target) links[top] = target;
            else if (info.Exists) mounts["/" + top] = "/" + top;
        }
        return (mounts, links);
    }

    /// <summary>setpriv's arguments that turn a root emulator into HostUid with nothing else (empty when not root).</summary>
    internal IEnumerable<string> DropArgs()
    {
        if (!DropFromRoot) yield break;
        yield return $"--reuid={HostUid}";
        yield return $"--regid={HostGid}";
        yield return "--clear-groups";
        yield return "--inh-caps=-all";
        yield return "--bounding-set=-all";
        yield return "--";
    }

    /// <summary>Starts program with args, through setpriv when the emulator is root.</summary>
    internal (string FileName, List<string> Args) Launch(string program, IEnumerable<string> args, SandboxCgroups.SandboxCgroup? cgroup = null)
    {
        var (file, list) = DropFromRoot ? (ToolPaths.Setpriv, [.. DropArgs(), program, .. args]) : (program, args.ToList());
        if (cgroup is null) return (file, list);
        return ("/bin/sh", ["-c", JoinPrelude, "sh", .. cgroup.ProcsFiles, "--", file, .. list]);
    }
}
