using System.Collections.Concurrent;
using DaytonaPS.Emulator.Infrastructure;
using DaytonaPS.Emulator.Toolbox;

namespace DaytonaPS.Emulator;

/// <summary>
/// All sandboxes of the emulator. CONTRACT used by the toolbox: TryGet (id first, then name,
/// live sandboxes only), SandboxRecord.Id/Name/State/User/Env/Runtime and Touch().
/// State changes go through <see cref="BeginTransition"/>: the transitional state is visible for
/// --transition-ms, then a background continuation (bound to the emulator's lifetime) lands the
/// final state. Auto-stop/archive/delete/TTL run from a periodic <see cref="Tick"/>.
/// </summary>
public sealed class SandboxStore : IDisposable
{
    private readonly EmulatorContext _context;
    private readonly ConcurrentDictionary<string, SandboxRecord> _byId = new(StringComparer.Ordinal);
    private long _minuteTicks = TimeSpan.FromMinutes(1).Ticks;
    private long _tickIntervalTicks = TimeSpan.FromSeconds(1).Ticks;
    private TaskCompletionSource _advance = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Destroyed forks, kept for GET /sandbox/{id}/forks?includeDestroyed=true (GET /sandbox/{id} answers 404 for them).</summary>
    private readonly ConcurrentDictionary<string, SandboxRecord> _destroyedForks = new(StringComparer.Ordinal);

    public SandboxStore(EmulatorContext context) => _context = context;

    /// <summary>The forks of a sandbox, oldest first; destroyed ones too when asked.</summary>
    internal IEnumerable<SandboxRecord> ForksOf(string parentId, bool includeDestroyed) =>
        _byId.Values.Where(s => s.ForkParentId == parentId && s.State != "destroyed")
            .Concat(includeDestroyed ? _destroyedForks.Values.Where(s => s.ForkParentId == parentId) : [])
            .OrderBy(s => s.CreatedAt);

    /// <summary>A sandbox by id whether it is live or a destroyed fork (the parent of a fork may be gone).</summary>
    internal SandboxRecord? FindAny(string id) =>
        _byId.TryGetValue(id, out var s) ? s : _destroyedForks.TryGetValue(id, out var gone) ? gone : null;

    /// <summary>Guards every state change and name check; all critical sections are short.</summary>
    internal object Sync { get; } = new();

    /// <summary>How long one "minute" of autoStop/autoArchive/autoDelete/TTL lasts (tests shrink it).</summary>
    public TimeSpan MinuteLength
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _minuteTicks));
        set => Interlocked.Exchange(ref _minuteTicks, Math.Max(1, value.Ticks));
    }

    /// <summary>How often the auto-stop/archive/delete check runs.</summary>
    public TimeSpan TickInterval
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _tickIntervalTicks));
        set => Interlocked.Exchange(ref _tickIntervalTicks, Math.Max(TimeSpan.TicksPerMillisecond, value.Ticks));
    }

    /// <summary>Finds a live (not destroyed) sandbox by id, then by name.</summary>
    public bool TryGet(string idOrName, out SandboxRecord sandbox)
    {
        if (_byId.TryGetValue(idOrName, out sandbox!) && sandbox.State != "destroyed") return true;
        sandbox = _byId.Values.FirstOrDefault(s => s.Name == idOrName && s.State != "destroyed")!;
        return sandbox is not null;
    }

    /// <summary>Like TryGet, but answers Daytona's 404 when there is no such live sandbox.</summary>
    internal SandboxRecord Get(string idOrName) =>
        TryGet(idOrName, out var s) ? s : throw new DaytonaHttpException(404, $"Sandbox with ID or name {idOrName} not found");

    /// <summary>Every live sandbox (destroyed ones are never listed).</summary>
    internal IEnumerable<SandboxRecord> Live => _byId.Values.Where(s => s.State != "destroyed");

    /// <summary>Adds a new sandbox after checking the name is free among live sandboxes (409 otherwise).</summary>
    internal void Add(SandboxRecord sandbox)
    {
        lock (Sync)
        {
            if (Live.Any(s => s.Name == sandbox.Name))
                throw new DaytonaHttpException(409, $"Sandbox with name {sandbox.Name} already exists");
            _byId[sandbox.Id] = sandbox;
        }
    }

    /// <summary>
    /// Shows <paramref name="states"/> one after another (each for --transition-ms), then lands
    /// <paramref name="finalState"/>. Call with <see cref="Sync"/> held. A later transition on the
    /// same sandbox supersedes this one (its generation no longer matches).
    /// </summary>
    internal void BeginTransition(SandboxRecord s, string desiredState, string finalState, params string[] states)
    {
        var generation = ++s.Generation;
        s.DesiredState = desiredState;
        s.Pending = true;
        s.SetState(states[0]);
        _ = RunTransitionAsync(s, generation, finalState, states);
    }

    private async Task RunTransitionAsync(SandboxRecord s, int generation, string finalState, string[] states)
    {
        try
        {
            for (var i = 0; i < states.Length; i++)
            {
                if (i > 0)
                {
                    lock (Sync)
                    {
                        if (s.Generation != generation) return;
                        s.SetState(states[i]);
                    }
                }
                var step = Volatile.Read(ref _advance).Task;
                await Task.WhenAny(Task.Delay(_context.Options.TransitionMs, _context.Lifetime), step).ConfigureAwait(false);
                _context.Lifetime.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        // Never land inside BeginTransition's caller: it holds Sync, and with --transition-ms 0 every
        // wait above completes at once, so the side effects below (killing processes, deleting the
        // directory, without bubblewrap a scan of /proc) ran in the request under the store-wide lock
        // and serialised every lifecycle request. The reply then shows the transitional state.
        await Task.Yield();
        lock (Sync)
        {
            if (s.Generation != generation) return;
        }
        // Side effects land before the state does: 'stopped' means its processes are gone, and a
        // 404 after delete means its directory is gone too.
        try
        {
            if (finalState is "stopped" or "archived") s.Runtime.KillAll();
            if (finalState == "destroyed") s.Runtime.Destroy();
            // A start after create, stop or archive runs the snapshot's entrypoint (a resize or resume keeps the one running).
            if (finalState == "started" && s.Runtime.Sessions.Entrypoint is null
                && s.Snapshot is { } snapshotName && _context.Snapshots.Find(snapshotName)?.Entrypoint is { Count: > 0 } entrypoint)
            {
                s.Runtime.Sessions.StartEntrypoint(entrypoint);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // Best effort; the API state is what clients see.
        }

        lock (Sync)
        {
            if (s.Generation != generation) return;
            s.Pending = false;
            s.SetState(finalState);
            if (finalState == "destroyed")
            {
                _byId.TryRemove(s.Id, out _); // GET answers 404 either way
                if (s.ForkParentId is not null) _destroyedForks[s.Id] = s;
            }
            // autoDelete 0 means "delete as soon as it stops", even if it was set while stopping.
            if (finalState == "stopped" && s.AutoDeleteInterval == 0) BeginDestroy(s);
        }
    }

    /// <summary>
    /// Ends the current step of every transition in flight now, whatever --transition-ms says.
    /// Tests run with a huge transition time and call this to move states deterministically.
    /// </summary>
    internal void AdvanceTransitions() =>
        Interlocked.Exchange(ref _advance, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>destroying -> destroyed; frees the name at once (DESTROYED_name_ms). Call with Sync held.</summary>
    internal void BeginDestroy(SandboxRecord s)
    {
        if (!s.Name.StartsWith("DESTROYED_", StringComparison.Ordinal))
            s.Name = $"DESTROYED_{s.Name}_{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}";
        BeginTransition(s, "destroyed", "destroyed", "destroying");
    }

    /// <summary>started -> stopping -> stopped, or destroying for an ephemeral sandbox. Call with Sync held.</summary>
    internal void BeginStop(SandboxRecord s)
    {
        if (s.AutoDeleteInterval == 0) BeginDestroy(s);
        else BeginTransition(s, "stopped", "stopped", "stopping");
    }

    /// <summary>The auto-stop / auto-archive / auto-delete / TTL checks, run periodically (and directly by tests).</summary>
    internal void Tick(DateTime now)
    {
        var minute = MinuteLength;
        lock (Sync)
        {
            foreach (var s in Live.ToList())
            {
                if (s.Pending || s.State == "destroying") continue;
                if (s.AutoDestroyAt is { } at && at <= now)
                {
                    BeginDestroy(s);
                    continue;
                }
                var idle = now - (s.LastActivityAt > s.StateChangedAt ? s.LastActivityAt : s.StateChangedAt);
                switch (s.State)
                {
                    case "started" when s.AutoStopInterval > 0 && now - s.LastActivityAt >= minute * s.AutoStopInterval:
                        BeginStop(s);
                        break;
                    // autoDelete 0 on an already stopped sandbox: delete at the next check.
                    case "stopped" when s.AutoDeleteInterval >= 0 && idle >= minute * s.AutoDeleteInterval:
                        BeginDestroy(s);
                        break;
                    case "stopped" when s.AutoArchiveInterval > 0 && now - s.StateChangedAt >= minute * s.AutoArchiveInterval:
                        BeginTransition(s, "archived", "archived", "archiving");
                        break;
                    case "archived" when s.AutoDeleteInterval >= 0 && idle >= minute * s.AutoDeleteInterval:
                        BeginDestroy(s);
                        break;
                }
            }
        }
    }

    private async Task TimerLoopAsync()
    {
        // Wakes at least every 250 ms so a shortened TickInterval takes effect promptly.
        var last = DateTime.UtcNow;
        try
        {
            while (!_context.Lifetime.IsCancellationRequested)
            {
                var interval = TickInterval;
                var wait = interval < TimeSpan.FromMilliseconds(250) ? interval : TimeSpan.FromMilliseconds(250);
                await Task.Delay(wait, _context.Lifetime).ConfigureAwait(false);
                var now = DateTime.UtcNow;
                if (now - last < TickInterval) continue;
                last = now;
                Tick(now);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public IEnumerable<string> Startup()
    {
        _ = Task.Run(TimerLoopAsync);
        return Runtime.RuntimeSelector.Describe(_context.Runtime);
    }

    public void Dispose()
    {
        foreach (var s in _byId.Values)
        {
            try { s.Runtime.KillAll(); } catch (InvalidOperationException) { }
        }
    }
}
