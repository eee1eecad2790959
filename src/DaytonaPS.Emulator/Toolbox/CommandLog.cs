using System.Text;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// The output of one session command in arrival order, kept per stream so it can be served as
/// JSON {output, stdout, stderr}, as combined text, or followed as the multiplexed byte stream.
/// </summary>
public sealed class CommandLog
{
    private readonly object _lock = new();
    private readonly List<(LogStream Stream, byte[] Data)> _entries = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _completed;

    public bool IsCompleted
    {
        get { lock (_lock) return _completed; }
    }

    public void Append(LogStream stream, byte[] data)
    {
        if (data.Length == 0) return;
        lock (_lock)
        {
            if (_completed) return;
            _entries.Add((stream, data));
            Signal();
        }
    }

    public void Complete()
    {
        lock (_lock)
        {
            _completed = true;
            Signal();
        }
    }

    public (string Output, string Stdout, string Stderr) Snapshot()
    {
        var output = new MemoryStream();
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        lock (_lock)
        {
            foreach (var (stream, data) in _entries)
            {
                output.Write(data);
                (stream == LogStream.Stdout ? stdout : stderr).Write(data);
            }
        }
        return (Utf8(output), Utf8(stdout), Utf8(stderr));
    }

    /// <summary>Everything so far with 01 01 01 / 02 02 02 markers (old SDKs' raw format).</summary>
    public byte[] Multiplexed()
    {
        var all = new MemoryStream();
        lock (_lock)
        {
            foreach (var (stream, data) in _entries) all.Write(LogMultiplexer.Encode(stream, data, 0, data.Length));
        }
        return all.ToArray();
    }

    /// <summary>Size of <see cref="Multiplexed"/> so far, and of its last chunk (marker included).</summary>
    public (long Length, int LastChunkLength) MultiplexedShape()
    {
        lock (_lock)
        {
            long length = 0;
            foreach (var (stream, data) in _entries) length += LogMultiplexer.Marker(stream).Length + data.Length;
            var last = _entries.Count == 0 ? 0 : LogMultiplexer.Marker(_entries[^1].Stream).Length + _entries[^1].Data.Length;
            return (length, last);
        }
    }

    /// <summary>Hands every chunk (with its marker) to write, waiting for more until the command ends.</summary>
    public async Task FollowAsync(Func<byte[], Task> write, CancellationToken cancellationToken)
    {
        var next = 0;
        while (true)
        {
            List<(LogStream Stream, byte[] Data)> batch;
            Task changed;
            bool completed;
            lock (_lock)
            {
                batch = _entries.GetRange(next, _entries.Count - next);
                next = _entries.Count;
                completed = _completed;
                changed = _changed.Task;
            }
            foreach (var (stream, data) in batch) await write(LogMultiplexer.Encode(stream, data, 0, data.Length));
            if (completed) return;
            await changed.WaitAsync(cancellationToken);
        }
    }

    private void Signal()
    {
        var old = _changed;
        _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        old.TrySetResult();
    }

    private static string Utf8(MemoryStream m) => Encoding.UTF8.GetString(m.GetBuffer(), 0, (int)m.Length);
}
