namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// Finds a command's end marker in one output stream read chunk by chunk: what precedes it is the
/// command's output, what follows it (a background job writing later) is not. A chunk may end
/// inside the marker, so only a tail that could be its start is held back.
/// </summary>
internal sealed class EndMarkerScanner(byte[] marker)
{
    private readonly List<byte> _pending = new();

    /// <summary>True once the marker was seen; everything fed after it is dropped.</summary>
    public bool Ended { get; private set; }

    /// <summary>Hands the output in chunk (up to the marker) to sink; returns true when the marker was in it.</summary>
    public bool Feed(ReadOnlySpan<byte> chunk, Action<byte[]> sink)
    {
        if (Ended) return false;
        _pending.AddRange(chunk.ToArray());
        var at = IndexOf(_pending, marker);
        if (at >= 0)
        {
            if (at > 0) sink(_pending.GetRange(0, at).ToArray());
            _pending.Clear();
            Ended = true;
            return true;
        }
        var keep = PossibleMarkerStart(_pending, marker);
        if (_pending.Count > keep)
        {
            sink(_pending.GetRange(0, _pending.Count - keep).ToArray());
            _pending.RemoveRange(0, _pending.Count - keep);
        }
        return false;
    }

    /// <summary>At end-of-file without the marker: hands over what was held back.</summary>
    public void Flush(Action<byte[]> sink)
    {
        if (!Ended && _pending.Count > 0) sink(_pending.ToArray());
        _pending.Clear();
    }

    private static int IndexOf(List<byte> data, byte[] marker)
    {
        for (var i = 0; i + marker.Length <= data.Count; i++)
        {
            var j = 0;
            while (j < marker.Length && data[i + j] == marker[j]) j++;
            if (j == marker.Length) return i;
        }
        return -1;
    }

    /// <summary>Length of the longest tail of data that is a proper prefix of marker.</summary>
    private static int PossibleMarkerStart(List<byte> data, byte[] marker)
    {
        for (var len = Math.Min(marker.Length - 1, data.Count); len > 0; len--)
        {
            var j = 0;
            while (j < len && data[data.Count - len + j] == marker[j]) j++;
            if (j == len) return len;
        }
        return 0;
    }
}
