using System;
using System.Collections.Concurrent;
using System.Collections.Generic;

namespace DaytonaPS.Api;

/// <summary>A session DaytonaPS runs one command at a time in, and the pool generation it belongs to.</summary>
internal readonly struct ExecSession
{
    public ExecSession(string id, long generation, bool fresh)
    {
        Id = id;
        Generation = generation;
        Fresh = fresh;
    }

    public string Id { get; }

    /// <summary>The pool's generation when the session was created (see <see cref="ExecSessionPool.Forget"/>).</summary>
    public long Generation { get; }

    /// <summary>Created for this command, not taken from the pool (so a 404 on it is not a stale session).</summary>
    public bool Fresh { get; }
}

/// <summary>
/// The idle exec sessions of each sandbox (by toolbox base URL, process-wide: sessions live in the
/// sandbox, not in a runspace). A command rents one, so concurrent commands never share a session,
/// and returns it when the session is known to be fine. Sessions die with their sandbox (stop,
/// archive, restart), all at once: the first 404 on a pooled session, or a "not started" answer,
/// forgets every session of that sandbox created until then, so the next command creates a new one
/// instead of trying stale ones one by one.
/// </summary>
internal sealed class ExecSessionPool
{
    public const string SessionPrefix = "daytonaps-exec-";

    public static ExecSessionPool Shared { get; } = new();

    private readonly ConcurrentDictionary<string, Sandbox> _sandboxes = new(StringComparer.Ordinal);

    private sealed class Sandbox
    {
        public readonly Stack<ExecSession> Idle = new();
        public long Generation;
    }

    private Sandbox For(string key) => _sandboxes.GetOrAdd(key, _ => new Sandbox());

    /// <summary>An idle session of the sandbox, if any (most recently used first).</summary>
    public bool TryRent(string key, out ExecSession session)
    {
        var sandbox = For(key);
        lock (sandbox)
        {
            if (sandbox.Idle.Count > 0)
            {
                var idle = sandbox.Idle.Pop();
                session = new ExecSession(idle.Id, idle.Generation, fresh: false);
                return true;
            }
        }
        session = default;
        return false;
    }

    /// <summary>A new session id for the sandbox, in its current generation (the caller creates the session).</summary>
    public ExecSession NewSession(string key)
    {
        var sandbox = For(key);
        long generation;
        lock (sandbox) generation = sandbox.Generation;
        return new ExecSession(SessionPrefix + Guid.NewGuid().ToString("N").Substring(0, 12), generation, fresh: true);
    }

    /// <summary>Gives a session back for reuse; one from a forgotten generation is dropped (returns false).</summary>
    public bool Return(string key, ExecSession session)
    {
        var sandbox = For(key);
        lock (sandbox)
        {
            if (session.Generation < sandbox.Generation) return false;
            sandbox.Idle.Push(session);
            return true;
        }
    }

    /// <summary>
    /// The sandbox lost its sessions (a pooled one was not found, or the sandbox is not started): drops
    /// every idle session created in <paramref name="session"/>'s generation or before, and makes
    /// rented ones of those generations be dropped when they come back. Returns how many idle ones went.
    /// </summary>
    public int Forget(string key, ExecSession session) => ForgetThrough(key, session.Generation);

    /// <summary>Forgets every session of the sandbox known so far (it stopped, or is being started).</summary>
    public int ForgetAll(string key)
    {
        var sandbox = For(key);
        long generation;
        lock (sandbox) generation = sandbox.Generation;
        return ForgetThrough(key, generation);
    }

    /// <summary>
    /// The sandbox's environment changed (POST /env, PUT /secrets): sessions made so far keep the old one, so every
    /// one is forgotten (rented ones are dropped when they come back) and the idle ones are handed to the caller to
    /// delete in the sandbox.
    /// </summary>
    public List<ExecSession> Retire(string key)
    {
        var sandbox = For(key);
        lock (sandbox)
        {
            var idle = new List<ExecSession>(sandbox.Idle);
            sandbox.Idle.Clear();
            sandbox.Generation++;
            return idle;
        }
    }

    private int ForgetThrough(string key, long generation)
    {
        var sandbox = For(key);
        lock (sandbox)
        {
            if (sandbox.Generation <= generation) sandbox.Generation = generation + 1;
            var keep = new List<ExecSession>();
            var dropped = 0;
            foreach (var idle in sandbox.Idle)
            {
                if (idle.Generation <= generation) dropped++;
                else keep.Add(idle);
            }
            sandbox.Idle.Clear();
            for (var i = keep.Count - 1; i >= 0; i--) sandbox.Idle.Push(keep[i]);
            return dropped;
        }
    }

    /// <summary>Idle sessions of the sandbox (tests).</summary>
    internal int IdleCount(string key)
    {
        var sandbox = For(key);
        lock (sandbox) return sandbox.Idle.Count;
    }
}
