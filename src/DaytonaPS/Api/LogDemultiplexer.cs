using System;
using System.Collections.Generic;

namespace DaytonaPS.Api;

/// <summary>Which stream a piece of session log belongs to.</summary>
internal enum LogStreamKind
{
    Stdout = 1,
    Stderr = 2,
}

/// <summary>
/// Splits Daytona's multiplexed session log (the follow WebSocket's byte stream) into stdout and
/// stderr: <c>01 01 01</c> switches to stdout, <c>02 02 02</c> to stderr. Frames are arbitrary
/// cuts of one byte stream, so a marker may straddle frames: up to two trailing bytes that could
/// start a marker are held back until the next <see cref="Feed"/> (or <see cref="Flush"/>).
/// Bytes before the first marker are dropped, as Daytona's SDK does.
/// </summary>
internal sealed class LogDemultiplexer
{
    private const int MarkerLength = 3;
    private readonly byte[] _held = new byte[MarkerLength - 1];
    private int _heldCount;
    private LogStreamKind? _current;

    /// <summary>The stream the next content byte belongs to (null before the first marker).</summary>
    public LogStreamKind? Current => _current;

    /// <summary>Feeds the next bytes; emits content runs in order.</summary>
    public void Feed(byte[] data, int offset, int count, Action<LogStreamKind, byte[]> emit)
    {
        if (count <= 0) return;
        byte[] buffer;
        int start, end;
        if (_heldCount > 0)
        {
            buffer = new byte[_heldCount + count];
            Buffer.BlockCopy(_held, 0, buffer, 0, _heldCount);
            Buffer.BlockCopy(data, offset, buffer, _heldCount, count);
            start = 0;
            end = buffer.Length;
            _heldCount = 0;
        }
        else
        {
            buffer = data;
            start = offset;
            end = offset + count;
        }

        var runStart = start;
        var i = start;
        while (i < end)
        {
            var b = buffer[i];
            if (b == 1 || b == 2)
            {
                var available = end - i;
                if (available < MarkerLength)
                {
                    // Could be the start of a marker cut by the frame: hold it if every byte matches.
                    var prefix = true;
                    for (var k = 1; k < available; k++) if (buffer[i + k] != b) { prefix = false; break; }
                    if (prefix)
                    {
                        Emit(buffer, runStart, i - runStart, emit);
                        Buffer.BlockCopy(buffer, i, _held, 0, available);
                        _heldCount = available;
                        return;
                    }
                }
                else if (buffer[i + 1] == b && buffer[i + 2] == b)
                {
                    Emit(buffer, runStart, i - runStart, emit);
                    _current = b == 1 ? LogStreamKind.Stdout : LogStreamKind.Stderr;
                    i += MarkerLength;
                    runStart = i;
                    continue;
                }
            }
            i++;
        }
        Emit(buffer, runStart, end - runStart, emit);
    }

    /// <summary>At the end of the stream: held bytes were not a marker after all.</summary>
    public void Flush(Action<LogStreamKind, byte[]> emit)
    {
        if (_heldCount == 0) return;
        var n = _heldCount;
        _heldCount = 0;
        Emit(_held, 0, n, emit);
    }

    private void Emit(byte[] buffer, int offset, int count, Action<LogStreamKind, byte[]> emit)
    {
        if (count <= 0 || _current is null) return;
        var copy = new byte[count];
        Buffer.BlockCopy(buffer, offset, copy, 0, count);
        emit(_current.Value, copy);
    }

    /// <summary>Demultiplexes a whole buffer (tests, non-follow replies with markers).</summary>
    public static List<KeyValuePair<LogStreamKind, byte[]>> Split(byte[] all) => SplitFrames(new[] { all });

    /// <summary>Demultiplexes a stream cut into frames; adjacent runs of one stream are not merged.</summary>
    public static List<KeyValuePair<LogStreamKind, byte[]>> SplitFrames(IEnumerable<byte[]> frames)
    {
        var list = new List<KeyValuePair<LogStreamKind, byte[]>>();
        var d = new LogDemultiplexer();
        foreach (var frame in frames) d.Feed(frame, 0, frame.Length, (s, b) => list.Add(new KeyValuePair<LogStreamKind, byte[]>(s, b)));
        d.Flush((s, b) => list.Add(new KeyValuePair<LogStreamKind, byte[]>(s, b)));
        return list;
    }
}
