namespace DaytonaPS.Emulator.Infrastructure;

/// <summary>
/// Latency, fault injection and rate limits, changeable while the emulator runs. Readers take an
/// immutable <see cref="Values"/> snapshot; the seeded Random is only used under the lock, so the
/// sequence of faults for a given seed and request order is reproducible.
/// </summary>
public sealed class FaultSettings
{
    /// <summary>Default per-minute limits (UNCONFIRMED for the cloud; generous so tests never hit them by accident).</summary>
    public static readonly IReadOnlyDictionary<string, int> DefaultRateLimits = new Dictionary<string, int>
    {
        ["sandbox-create"] = 1000,
        ["sandbox-lifecycle"] = 10000,
        ["authenticated"] = 10000,
    };

    private readonly object _sync = new();
    private Values _current;
    private Random _random;
    private readonly List<TargetedFault> _targeted = new();

    public FaultSettings(EmulatorOptions options)
    {
        var limits = new Dictionary<string, int>(DefaultRateLimits, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, limit) in options.RateLimits) limits[name.ToLowerInvariant()] = limit;
        // No kinds given means all of them, as on the command line.
        var kinds = options.FaultKinds.Count == 0 ? EmulatorOptions.AllFaultKinds : Canonical(options.FaultKinds);
        _current = new Values(options.FaultRate, kinds, options.LatencyMs, options.Seed, limits, 5000, options.FaultRetryAfterSec);
        _random = NewRandom(options.Seed);
    }

    /// <summary>
    /// One consistent view of the settings. RateLimits: requests per 60 s window per throttler; 0 = unlimited.
    /// SlowMs: how long a 'slow' fault delays the response. RetryAfterSec: the Retry-After-NAME an
    /// injected 429 sends (small, so clients that honour it stay fast; real limits send the true
    /// remainder of their window).
    /// </summary>
    public sealed record Values(
        double FaultRate,
        IReadOnlyList<string> FaultKinds,
        int LatencyMs,
        int? Seed,
        IReadOnlyDictionary<string, int> RateLimits,
        int SlowMs,
        int RetryAfterSec = EmulatorOptions.DefaultFaultRetryAfterSec);

    public Values Current => Volatile.Read(ref _current);

    /// <summary>Replaces the settings; a (new) seed restarts the fault sequence.</summary>
    public void Update(Values values)
    {
        lock (_sync)
        {
            var reseed = values.Seed != _current.Seed || values.Seed is not null;
            Volatile.Write(ref _current, values with { FaultKinds = Canonical(values.FaultKinds) });
            if (reseed) _random = NewRandom(values.Seed);
        }
    }

    /// <summary>
    /// Draws whether this request gets a fault, and which: null for none. Only kinds that apply
    /// to the request take part (ws-drop: log-follow WebSockets only; lost-reply: never a
    /// WebSocket), and a request with no applicable kind draws nothing, so opt-in kinds do not
    /// disturb the seeded sequence of the others.
    /// </summary>
    public string? NextFault(bool webSocket = false, bool logFollowSocket = false)
    {
        lock (_sync)
        {
            var v = _current;
            var kinds = v.FaultKinds.Where(k => Applies(k, webSocket, logFollowSocket)).ToArray();
            if (v.FaultRate <= 0 || kinds.Length == 0) return null;
            if (_random.NextDouble() >= v.FaultRate) return null;
            return kinds[_random.Next(kinds.Length)];
        }
    }

    /// <summary>
    /// Consumes one use of the first targeted fault that matches this request, if any: targeted
    /// faults apply whatever faultRate says and draw nothing from the seeded sequence.
    /// </summary>
    public string? TakeTargeted(string method, string path, bool webSocket, bool logFollowSocket)
    {
        lock (_sync)
        {
            var rule = _targeted.FirstOrDefault(r => r.Matches(method, path) && Applies(r.Kind, webSocket, logFollowSocket));
            if (rule is null) return null;
            if (--rule.Remaining == 0) _targeted.Remove(rule);
            return rule.Kind;
        }
    }

    /// <summary>Queues a targeted fault (POST /_emulator/faults/next).</summary>
    public void AddTargeted(TargetedFault fault)
    {
        lock (_sync) _targeted.Add(fault);
    }

    /// <summary>The targeted faults with uses left, in the order they are matched.</summary>
    public IReadOnlyList<TargetedFault> Targeted
    {
        get { lock (_sync) return _targeted.Select(r => r.Copy()).ToArray(); }
    }

    public void ClearTargeted()
    {
        lock (_sync) _targeted.Clear();
    }

    /// <summary>Whether a fault kind can happen to this request.</summary>
    public static bool Applies(string kind, bool webSocket, bool logFollowSocket) => kind switch
    {
        WsDrop => logFollowSocket,
        LostReply => !webSocket,
        _ => true,
    };

    public const string WsDrop = "ws-drop";
    public const string LostReply = "lost-reply";

    private int _wsDrops;

    /// <summary>How many log-follow WebSockets a ws-drop fault has cut so far (tests wait on it instead of a clock).</summary>
    public int WsDrops => Volatile.Read(ref _wsDrops);

    internal void CountWsDrop() => Interlocked.Increment(ref _wsDrops);

    /// <summary>Kinds in a fixed order, so a seed picks the same kinds whatever order they were given in.</summary>
    public static IReadOnlyList<string> Canonical(IEnumerable<string> kinds)
    {
        var set = new HashSet<string>(kinds, StringComparer.OrdinalIgnoreCase);
        return EmulatorOptions.KnownFaultKinds.Where(set.Contains).ToArray();
    }

    private static Random NewRandom(int? seed) => seed is { } s ? new Random(s) : new Random();
}
