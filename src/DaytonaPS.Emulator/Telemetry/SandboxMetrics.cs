using System.Collections.Concurrent;
using System.Globalization;
using DaytonaPS.Emulator.Runtime;

namespace DaytonaPS.Emulator.Telemetry;

/// <summary>
/// Resource samples of started sandboxes, measured on the host, for GET /sandbox/{id}/telemetry/metrics.
/// Daytona's daemon pushes OTEL gauges (daytona.sandbox.*) that its API averages per minute; here
/// every <see cref="Interval"/> (and on each metrics request, if the last sample is older than a
/// second) the emulator measures:
///   cpu      the CPU time of every process in the sandbox's PID namespace (/proc/[pid]/stat utime+stime
///            plus reaped children's), as a percentage of the sandbox's cpu cores since the previous sample
///   memory   the resident set (RSS) of those processes
///   disk     the bytes of the files under the sandbox's root directory on the host (its writable tree;
///            symlinks not followed, read-only system mounts and volumes not counted)
/// and answers the limits from the sandbox's cpu, memory and disk. Where nothing runs (--runtime none,
/// or no init yet) cpu and memory are zero because no process exists. One hour of samples is kept.
/// </summary>
public sealed class SandboxMetrics
{
    public const string CpuUtilization = "daytona.sandbox.cpu.utilization";
    public const string CpuLimit = "daytona.sandbox.cpu.limit";
    public const string MemoryUtilization = "daytona.sandbox.memory.utilization";
    public const string MemoryUsage = "daytona.sandbox.memory.usage";
    public const string MemoryLimit = "daytona.sandbox.memory.limit";
    public const string FilesystemUtilization = "daytona.sandbox.filesystem.utilization";
    public const string FilesystemUsage = "daytona.sandbox.filesystem.usage";
    public const string FilesystemAvailable = "daytona.sandbox.filesystem.available";
    public const string FilesystemTotal = "daytona.sandbox.filesystem.total";

    /// <summary>The names, in the order series are answered (Daytona's collector list, docs otel-collection).</summary>
    public static readonly string[] Names =
    [
        CpuUtilization, CpuLimit, MemoryUtilization, MemoryUsage, MemoryLimit,
        FilesystemUtilization, FilesystemUsage, FilesystemAvailable, FilesystemTotal,
    ];

    private static readonly TimeSpan Keep = TimeSpan.FromHours(1);
    private const double GiB = 1024d * 1024 * 1024;

    private readonly EmulatorContext _context;
    private readonly ConcurrentDictionary<string, Series> _series = new();

    public SandboxMetrics(EmulatorContext context) => _context = context;

    /// <summary>How often every started sandbox is sampled.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Samples are averaged per bucket, as Daytona's query does per minute; tests shorten it to see single samples.</summary>
    internal TimeSpan Bucket { get; set; } = TimeSpan.FromMinutes(1);

    private sealed record Sample(DateTime At, double? CpuPercent, long MemoryBytes, long DiskBytes, int Cpu, int MemoryGiB, int DiskGiB);

    private sealed class Series
    {
        public readonly object Sync = new();
        public readonly List<Sample> Samples = new();
        public long? LastTicks;
        public DateTime LastAt;
    }

    /// <summary>Samples every started sandbox until the emulator stops.</summary>
    internal async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try { await Task.Delay(Interval, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            try { SampleAll(); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
    }

    internal void SampleAll()
    {
        List<SandboxRecord> started;
        lock (_context.Store.Sync)
        {
            started = _context.Store.Live.Where(s => s.State == "started").ToList();
        }
        var live = started.Select(s => s.Id).ToHashSet();
        foreach (var id in _series.Keys.Where(id => !live.Contains(id))) _series.TryRemove(id, out _);
        if (started.Count == 0) return;
        var processes = ProcessTable.Read();
        var now = DateTime.UtcNow;
        foreach (var s in started) Take(s, processes, now);
    }

    /// <summary>
    /// The series Daytona's route answers: each wanted metric's samples in [from, to], averaged per
    /// minute (timestamps at the minute's start, oldest first); metrics without a point are left out.
    /// </summary>
    public List<(string Name, List<(DateTime At, double Value)> Points)> Query(SandboxRecord sandbox, DateTime from, DateTime to, IReadOnlyCollection<string> names)
    {
        // A range that reaches the present gets a fresh sample (standing in for the one Daytona's daemon
        // would have pushed just before), stamped no later than `to`: a client's "now" is a moment
        // before the request arrives, and must still see it.
        var now = DateTime.UtcNow;
        if (sandbox.State == "started" && to >= now - TimeSpan.FromSeconds(5) && from <= now)
        {
            var series = _series.GetOrAdd(sandbox.Id, _ => new Series());
            bool stale;
            lock (series.Sync) stale = now - series.LastAt > TimeSpan.FromSeconds(1);
            if (stale) Take(sandbox, ProcessTable.Read(), to < now ? to : now);
        }
        List<Sample> samples;
        if (!_series.TryGetValue(sandbox.Id, out var found)) samples = new();
        else lock (found.Sync) samples = found.Samples.Where(x => x.At >= from && x.At <= to).ToList();

        var wanted = names.Count == 0 ? Names : Names.Where(names.Contains).ToArray();
        var bucket = Bucket.Ticks;
        var result = new List<(string, List<(DateTime, double)>)>();
        foreach (var name in wanted)
        {
            var points = samples
                .Select(x => (Minute: new DateTime(x.At.Ticks - x.At.Ticks % bucket, DateTimeKind.Utc), Value: Value(name, x)))
                .Where(p => p.Value is not null)
                .GroupBy(p => p.Minute)
                .OrderBy(g => g.Key)
                .Select(g => (g.Key, g.Average(p => p.Value!.Value)))
                .ToList();
            if (points.Count > 0) result.Add((name, points));
        }
        return result;
    }

    /// <summary>
    /// The toolbox's GET /system/metrics (the SDK's getMetricsLatest): the newest sample, taken now if
    /// the last is older than a second; cpuUsedPct is 0 until a second sample gives a window.
    /// </summary>
    public object Latest(SandboxRecord sandbox)
    {
        var series = _series.GetOrAdd(sandbox.Id, _ => new Series());
        bool stale;
        lock (series.Sync) stale = DateTime.UtcNow - series.LastAt > TimeSpan.FromSeconds(1) || series.Samples.Count == 0;
        if (stale) Take(sandbox, ProcessTable.Read(), DateTime.UtcNow);
        Sample last;
        lock (series.Sync) last = series.Samples[^1];
        var memTotal = (long)(last.MemoryGiB * GiB);
        var diskTotal = (long)(last.DiskGiB * GiB);
        return new
        {
            cpuCount = last.Cpu,
            cpuUsedPct = Math.Round(last.CpuPercent ?? 0, 2),
            memTotal,
            memUsed = last.MemoryBytes,
            memCache = 0L, // not measured (see SDK-NOTES)
            diskTotal,
            diskUsed = last.DiskBytes,
            diskFree = Math.Max(0, diskTotal - last.DiskBytes),
            timestamp = last.At.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            timestampUnix = new DateTimeOffset(last.At).ToUnixTimeSeconds(),
        };
    }

    private static double? Value(string name, Sample x) => name switch
    {
        CpuUtilization => x.CpuPercent,
        CpuLimit => x.Cpu,
        MemoryUtilization => x.MemoryGiB > 0 ? 100.0 * x.MemoryBytes / (x.MemoryGiB * GiB) : null,
        MemoryUsage => x.MemoryBytes,
        MemoryLimit => x.MemoryGiB * GiB,
        FilesystemUtilization => x.DiskGiB > 0 ? 100.0 * x.DiskBytes / (x.DiskGiB * GiB) : null,
        FilesystemUsage => x.DiskBytes,
        FilesystemAvailable => Math.Max(0, x.DiskGiB * GiB - x.DiskBytes),
        FilesystemTotal => x.DiskGiB * GiB,
        _ => null,
    };

    private void Take(SandboxRecord sandbox, ProcessTable processes, DateTime at)
    {
        var series = _series.GetOrAdd(sandbox.Id, _ => new Series());
        var now = DateTime.UtcNow;
        var (ticks, rss) = processes.Namespace(sandbox.Runtime.Container.InitProcessId);
        var disk = DiskBytes(sandbox.Runtime.RootDirectory);
        lock (series.Sync)
        {
            double? cpu = null;
            if (series.LastTicks is { } before && now > series.LastAt && sandbox.Cpu > 0)
            {
                // A process that ended unreaped inside the namespace takes its time with it: never below zero.
                var seconds = Math.Max(0, ticks - before) / (double)Posix.ClockTicksPerSecond;
                cpu = 100.0 * seconds / (now - series.LastAt).TotalSeconds / sandbox.Cpu;
            }
            series.LastTicks = ticks;
            series.LastAt = now;
            series.Samples.Add(new Sample(at, cpu, rss, disk, sandbox.Cpu, sandbox.Memory, sandbox.Disk));
            series.Samples.RemoveAll(x => now - x.At > Keep);
        }
    }

    private static long DiskBytes(string root)
    {
        if (!Directory.Exists(root)) return 0;
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.ReparsePoint, // symlinks: neither counted nor followed
            ReturnSpecialDirectories = false,
        };
        long total = 0;
        try
        {
            foreach (var file in new DirectoryInfo(root).EnumerateFiles("*", options))
            {
                try { total += file.Length; }
                catch (IOException) { } // deleted while walking
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        return total;
    }

    /// <summary>One read of /proc: per PID namespace, the CPU ticks and resident bytes of its processes.</summary>
    private sealed class ProcessTable
    {
        private readonly Dictionary<string, (long Ticks, long Rss)> _byNamespace = new();
        private readonly Dictionary<int, string> _namespaceOf = new();

        public static ProcessTable Read()
        {
            var table = new ProcessTable();
            if (!OperatingSystem.IsLinux()) return table;
            var page = Environment.SystemPageSize;
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
                try
                {
                    var ns = new FileInfo(Path.Combine(dir, "ns", "pid")).LinkTarget;
                    if (ns is null) continue;
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    long Field(int n) => long.Parse(fields[n - 3], CultureInfo.InvariantCulture); // n = proc(5) field number
                    var ticks = Field(14) + Field(15) + Field(16) + Field(17); // utime stime cutime cstime
                    var rss = Field(24) * page;
                    table._namespaceOf[pid] = ns;
                    table._byNamespace[ns] = table._byNamespace.TryGetValue(ns, out var sum) ? (sum.Ticks + ticks, sum.Rss + rss) : (ticks, rss);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
                {
                    // The process ended while we read it, or is not ours to read.
                }
            }
            return table;
        }

        /// <summary>Totals of the PID namespace whose init is <paramref name="initPid"/> (zero without one).</summary>
        public (long Ticks, long Rss) Namespace(int? initPid) =>
            initPid is { } pid && _namespaceOf.TryGetValue(pid, out var ns) && ns != OwnNamespace.Value && _byNamespace.TryGetValue(ns, out var sum) ? sum : (0, 0);

        /// <summary>The emulator's own PID namespace: an init that shares it is no sandbox of its own, and the host is never counted.</summary>
        private static readonly Lazy<string?> OwnNamespace = new(() =>
        {
            try { return OperatingSystem.IsLinux() ? new FileInfo("/proc/self/ns/pid").LinkTarget : null; }
            catch (IOException) { return null; }
        });
    }
}
