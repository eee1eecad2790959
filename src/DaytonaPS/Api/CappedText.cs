using System.Text;

namespace DaytonaPS.Api;

/// <summary>
/// Text kept in memory up to a number of UTF-8 bytes (its size as the sandbox wrote it); what comes
/// after the limit is counted and dropped. A surrogate pair is kept or dropped whole. Not thread-safe.
/// </summary>
internal sealed class CappedText
{
    private readonly StringBuilder _text = new();
    private readonly long _limit;
    private long _kept;
    private long _total;
    private bool _full;
    private bool _dropLowSurrogate;

    /// <param name="limit">The most UTF-8 bytes to keep; 0 or less keeps everything.</param>
    public CappedText(long limit) => _limit = limit;

    /// <summary>UTF-8 bytes seen, kept or not.</summary>
    public long TotalBytes => _total;

    /// <summary>UTF-8 bytes kept.</summary>
    public long KeptBytes => _kept;

    /// <summary>True when something was dropped.</summary>
    public bool Truncated => _total > _kept;

    public int Length => _text.Length;

    public void Append(string text) => Append(text.ToCharArray(), 0, text.Length);

    public void Append(char c) => Append(new[] { c }, 0, 1);

    /// <summary>Appends what fits; returns how many of the chars were kept (always a prefix).</summary>
    public int Append(char[] chars, int offset, int count)
    {
        if (count <= 0) return 0;
        if (_limit <= 0)
        {
            _text.Append(chars, offset, count);
            var all = Encoding.UTF8.GetByteCount(chars, offset, count);
            _kept += all;
            _total += all;
            return count;
        }
        if (!_full && !_dropLowSurrogate)
        {
            var bytes = Encoding.UTF8.GetByteCount(chars, offset, count);
            if (_kept + bytes <= _limit && !char.IsHighSurrogate(chars[offset + count - 1]))
            {
                _text.Append(chars, offset, count);
                _kept += bytes;
                _total += bytes;
                return count;
            }
        }
        // Near or past the limit: char by char.
        var keptChars = 0;
        for (var i = offset; i < offset + count; i++)
        {
            var c = chars[i];
            var size = Utf8Size(c);
            _total += size;
            if (char.IsLowSurrogate(c) && _dropLowSurrogate)
            {
                _dropLowSurrogate = false;
                continue;
            }
            _dropLowSurrogate = false;
            if (_full || _kept + size > _limit)
            {
                _full = true;
                if (char.IsHighSurrogate(c)) _dropLowSurrogate = true;
                continue;
            }
            _text.Append(c);
            _kept += size;
            if (i == offset + keptChars) keptChars++;
        }
        return keptChars;
    }

    /// <summary>UTF-8 bytes of one UTF-16 char; a high surrogate counts the whole pair (4), its low half 0.</summary>
    private static int Utf8Size(char c) => c switch
    {
        < (char)0x80 => 1,
        < (char)0x800 => 2,
        _ when char.IsHighSurrogate(c) => 4,
        _ when char.IsLowSurrogate(c) => 0,
        _ => 3,
    };

    public override string ToString() => _text.ToString();
}
