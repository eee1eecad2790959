using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Api;

/// <summary>
/// Async mutual exclusion per key (e.g. one sandbox), shared by everything in this process, with
/// entries removed when nobody holds or waits for them.
/// </summary>
internal sealed class KeyedLock
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private sealed class Entry
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public int Users;
    }

    /// <summary>Waits for <paramref name="key"/>; dispose the result to release it.</summary>
    public async Task<IDisposable> AcquireAsync(string key, CancellationToken ct)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out entry!)) _entries[key] = entry = new Entry();
            entry.Users++;
        }
        try
        {
            await entry.Gate.WaitAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            Leave(key, entry);
            throw;
        }
        return new Releaser(this, key, entry);
    }

    private void Leave(string key, Entry entry)
    {
        lock (_entries)
        {
            if (--entry.Users == 0) _entries.Remove(key);
        }
    }

    private sealed class Releaser : IDisposable
    {
        private KeyedLock? _owner;
        private readonly string _key;
        private readonly Entry _entry;

        public Releaser(KeyedLock owner, string key, Entry entry) { _owner = owner; _key = key; _entry = entry; }

        public void Dispose()
        {
            var owner = Interlocked.Exchange(ref _owner, null);
            if (owner is null) return;
            _entry.Gate.Release();
            owner.Leave(_key, _entry);
        }
    }
}
