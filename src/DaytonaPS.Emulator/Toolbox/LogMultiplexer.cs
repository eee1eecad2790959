namespace DaytonaPS.Emulator.Toolbox;

/// <summary>Which stream a piece of session output came from.</summary>
public enum LogStream { Stdout, Stderr }

/// <summary>
/// The daemon's multiplexed log format: the bytes 01 01 01 switch to stdout and 02 02 02 to
/// stderr. Written with plain arrays (no Span) so the module's netstandard2.0 client can share it.
/// </summary>
public static class LogMultiplexer
{
    public static readonly byte[] StdoutMarker = [0x01, 0x01, 0x01];
    public static readonly byte[] StderrMarker = [0x02, 0x02, 0x02];

    public static byte[] Marker(LogStream stream) => stream == LogStream.Stdout ? StdoutMarker : StderrMarker;

    /// <summary>One chunk of output with its marker in front.</summary>
    public static byte[] Encode(LogStream stream, byte[] data, int offset, int count)
    {
        var marker = Marker(stream);
        var frame = new byte[marker.Length + count];
        Buffer.BlockCopy(marker, 0, frame, 0, marker.Length);
        Buffer.BlockCopy(data, offset, frame, marker.Length, count);
        return frame;
    }
}

/// <summary>
/// Splits the multiplexed byte stream back into stdout and stderr. Feed it frames as they come:
/// a marker split across frames is held back until the next frame completes (or disproves) it.
/// Bytes before the first marker count as stdout.
/// </summary>
public sealed class LogDemultiplexer
{
    private readonly Action<LogStream, byte[]> _onData;
    private readonly List<byte> _pending = new();
    private LogStream _current = LogStream.Stdout;

    public LogDemultiplexer(Action<LogStream, byte[]> onData) => _onData = onData;

    public void Write(byte[] data, int offset, int count)
    {
        for (var i = 0; i < count; i++) _pending.Add(data[offset + i]);
        var buffer = _pending.ToArray();
        var start = 0;
        var i2 = 0;
        while (i2 < buffer.Length)
        {
            var b = buffer[i2];
            if (b == 0x01 || b == 0x02)
            {
                var run = 1;
                while (run < 3 && i2 + run < buffer.Length && buffer[i2 + run] == b) run++;
                if (run == 3)
                {
                    Emit(buffer, start, i2 - start);
                    _current = b == 0x01 ? LogStream.Stdout : LogStream.Stderr;
                    i2 += 3;
                    start = i2;
                    continue;
                }
                if (i2 + run == buffer.Length)
                {
                    // Possibly the start of a marker that the next frame completes: hold it back.
                    Emit(buffer, start, i2 - start);
                    _pending.Clear();
                    for (var k = i2; k < buffer.Length; k++) _pending.Add(buffer[k]);
                    return;
                }
            }
            i2++;
        }
        Emit(buffer, start, buffer.Length - start);
        _pending.Clear();
    }

    /// <summary>Emits whatever is held back (call when the stream ends).</summary>
    public void Flush()
    {
        var rest = _pending.ToArray();
        _pending.Clear();
        Emit(rest, 0, rest.Length);
    }

    private void Emit(byte[] buffer, int offset, int count)
    {
        if (count <= 0) return;
        var chunk = new byte[count];
        Buffer.BlockCopy(buffer, offset, chunk, 0, count);
        _onData(_current, chunk);
    }
}
