using System.Globalization;

namespace DaytonaPS.Emulator.Runtime;

/// <summary>
/// Per-sandbox cpu, memory and process-count limits through the kernel's cgroups, as a container
/// runtime sets them for a Daytona sandbox: cpu = the sandbox's vCPUs as a CFS quota, memory = its
/// GiB, and a process limit (--pids-limit) so a fork bomb run in one sandbox cannot take the host.
/// </summary>
/// <remarks>
/// Written by hand: no maintained .NET library manages cgroups, and the kernel interface is a few
/// files. Needs root (the emulator's own cgroup must be writable); elsewhere the limits are not
/// enforced and the start-up note says so. cgroup v1 (one hierarchy per controller) and v2 (one
/// unified hierarchy, where the emulator's group must be able to delegate the controllers). Every
/// group lives below the emulator's own group, in "daytona-emulator-&lt;pid&gt;", so the host's or
/// container's own limits still apply on top; groups an emulator that was killed left are removed
/// at the next start.
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class SandboxCgroups
{
    private const long CfsPeriodMicros = 100_000;
    private const string Prefix = "daytona-emulator-";

    // v1: controller -> this emulator's base directory in that controller's hierarchy; v2: "" -> the base.
    private readonly IReadOnlyDictionary<string, string> _bases;

    private SandboxCgroups(bool unified, IReadOnlyDictionary<string, string> bases, int pidsLimit)
    {
        Unified = unified;
        _bases = bases;
        PidsLimit = pidsLimit;
    }

    public bool Unified { get; }

    /// <summary>Processes per sandbox (pids.max); 0 = no limit.</summary>
    public int PidsLimit { get; }

    /// <summary>What start-up says about limits.</summary>
    public string Describe() =>
        $"limits: each sandbox's cpu (its vCPUs as a CFS quota), memory (its GiB) and processes ({(PidsLimit > 0 ? PidsLimit.ToString(CultureInfo.InvariantCulture) : "no limit")}) enforced through cgroup {(Unified ? "v2" : "v1")}";

    /// <summary>The emulator's cgroups when it may manage them, else null with the reason in why.</summary>
    public static SandboxCgroups? Detect(int pidsLimit, out string why)
    {
        why = "";
        if (!Posix.IsRoot)
        {
            why = "limits: cpu, memory and process limits per sandbox are not enforced (they need the emulator to run as root to manage cgroups)";
            return null;
        }
        try
        {
            var mounts = File.ReadAllLines("/proc/self/mountinfo").Select(ParseMount).Where(m => m is not null).Select(m => m!.Value).ToList();
            var own = File.ReadAllLines("/proc/self/cgroup").Select(l => l.Split(':', 3)).Where(p => p.Length == 3).ToList();
            var v1 = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var controller in new[] { "cpu", "memory", "pids" })
            {
                var mount = mounts.FirstOrDefault(m => m.Type == "cgroup" && m.Options.Split(',').Contains(controller));
                var path = own.FirstOrDefault(p => p[1].Split(',').Contains(controller))?[2];
                if (mount.MountPoint is null || path is null) break;
                v1[controller] = BaseIn(mount.MountPoint, mount.Root, path);
            }
            if (v1.Count == 3)
            {
                foreach (var b in v1.Values) Prepare(b);
                return new SandboxCgroups(false, v1, pidsLimit);
            }
            var unified = mounts.FirstOrDefault(m => m.Type == "cgroup2");
            var ownPath = own.FirstOrDefault(p => p[0] == "0")?[2];
            if (unified.MountPoint is null || ownPath is null)
            {
                why = "limits: not enforced (no cgroup hierarchy with the cpu, memory and pids controllers is mounted)";
                return null;
            }
            var root = BaseIn(unified.MountPoint, unified.Root, ownPath);
            var parent = Path.GetDirectoryName(root)!;
            var available = File.ReadAllText(Path.Combine(parent, "cgroup.controllers")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (!new[] { "cpu", "memory", "pids" }.All(available.Contains))
            {
                why = "limits: not enforced (the emulator's cgroup v2 group does not offer the cpu, memory and pids controllers)";
                return null;
            }
            // v2 lets a group hand controllers to its children only while it holds no processes
            // itself, which is why this often fails for a process that is not in the root group.
            File.WriteAllText(Path.Combine(parent, "cgroup.subtree_control"), "+cpu +memory +pids");
            Prepare(root);
            File.WriteAllText(Path.Combine(root, "cgroup.subtree_control"), "+cpu +memory +pids");
            return new SandboxCgroups(true, new Dictionary<string, string> { [""] = root }, pidsLimit);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            why = $"limits: not enforced (the emulator cannot manage cgroups here: {e.Message})";
            return null;
        }
    }

    /// <summary>This emulator's base group: daytona-emulator-&lt;pid&gt; below its own group in a hierarchy.</summary>
    private static string BaseIn(string mountPoint, string mountRoot, string ownPath)
    {
        var relative = ownPath.StartsWith(mountRoot, StringComparison.Ordinal) ? ownPath[mountRoot.Length..] : ownPath;
        return Path.Combine(mountPoint, relative.TrimStart('/'), Prefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Creates the base group, after removing those of emulators that are no longer running.</summary>
    private static void Prepare(string baseDir)
    {
        var parent = Path.GetDirectoryName(baseDir)!;
        foreach (var stale in Directory.EnumerateDirectories(parent, Prefix + "*"))
        {
            if (int.TryParse(Path.GetFileName(stale)[Prefix.Length..], out var pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
                RemoveTree(stale);
        }
        Directory.CreateDirectory(baseDir);
    }

    /// <summary>A cgroup's directory is removed with rmdir (its files are the kernel's), children first.</summary>
    private static void RemoveTree(string dir)
    {
        try
        {
            foreach (var child in Directory.EnumerateDirectories(dir)) RemoveTree(child);
            Directory.Delete(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static (string Root, string MountPoint, string Type, string Options)? ParseMount(string line)
    {
        // "id parent major:minor root mountpoint options [optional...] - fstype source superoptions"
        var dash = line.IndexOf(" - ", StringComparison.Ordinal);
        if (dash < 0) return null;
        var left = line[..dash].Split(' ');
        var right = line[(dash + 3)..].Split(' ');
        if (left.Length < 5 || right.Length < 3) return null;
        return (Unescape(left[3]), Unescape(left[4]), right[0], right[2]);
    }

    private static string Unescape(string s) => s.Replace("\\040", " ", StringComparison.Ordinal);

    /// <summary>The groups of one sandbox (made now, empty), named by its id.</summary>
    public SandboxCgroup Create(string sandboxId)
    {
        var dirs = _bases.ToDictionary(b => b.Key, b => Path.Combine(b.Value, sandboxId));
        foreach (var d in dirs.Values) Directory.CreateDirectory(d);
        var group = new SandboxCgroup(this, dirs);
        if (PidsLimit > 0) group.Write("pids", "pids.max", PidsLimit.ToString(CultureInfo.InvariantCulture));
        return group;
    }

    /// <summary>One sandbox's groups: the files its processes join, its limits, its removal.</summary>
    internal sealed class SandboxCgroup(SandboxCgroups owner, IReadOnlyDictionary<string, string> dirs)
    {
        public bool Unified => owner.Unified;

        /// <summary>The cgroup.procs files a process writes its pid to, to join the sandbox's groups.</summary>
        public IReadOnlyList<string> ProcsFiles { get; } = dirs.Values.Select(d => Path.Combine(d, "cgroup.procs")).ToList();

        /// <summary>Sets the cpu quota (vCPUs) and the memory limit (GiB); also for a running sandbox (resize).</summary>
        public void SetLimits(int cpu, int memoryGiB)
        {
            var quota = (cpu * CfsPeriodMicros).ToString(CultureInfo.InvariantCulture);
            var bytes = ((long)memoryGiB * 1024 * 1024 * 1024).ToString(CultureInfo.InvariantCulture);
            if (owner.Unified)
            {
                Write("cpu", "cpu.max", $"{quota} {CfsPeriodMicros}");
                Write("memory", "memory.max", bytes);
            }
            else
            {
                Write("cpu", "cpu.cfs_period_us", CfsPeriodMicros.ToString(CultureInfo.InvariantCulture));
                Write("cpu", "cpu.cfs_quota_us", quota);
                Write("memory", "memory.limit_in_bytes", bytes);
            }
        }

        /// <summary>Reads one of the group's files (tests and metrics), or null.</summary>
        public string? Read(string controller, string file)
        {
            try { return File.ReadAllText(Path.Combine(Dir(controller), file)).Trim(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        }

        internal void Write(string controller, string file, string value) =>
            File.WriteAllText(Path.Combine(Dir(controller), file), value);

        private string Dir(string controller) => owner.Unified ? dirs[""] : dirs[controller];

        /// <summary>Removes the groups once their processes are gone (the kernel refuses before); best effort.</summary>
        public void Remove()
        {
            foreach (var d in dirs.Values)
            {
                for (var attempt = 0; attempt < 20 && Directory.Exists(d); attempt++)
                {
                    try { Directory.Delete(d); }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Thread.Sleep(50); }
                }
            }
        }
    }
}
