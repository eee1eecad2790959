using System;
using System.IO;
using System.Text;

namespace DaytonaPS.Api;

/// <summary>
/// Collects a followed command's demultiplexed log chunks: decodes them (UTF-8; a character may be
/// cut between chunks) into stdout, stderr and the combined output, each kept up to a limit
/// (<see cref="CappedText"/>), optionally hands out complete lines as they arrive (for -Stream),
/// and optionally sends stdout's bytes, exactly as they came, to a stream instead of memory (-OutFile).
/// </summary>
internal sealed class LogCollector
{
    /// <summary>A line longer than this (in chars) is handed out in pieces, so one endless line cannot fill memory.</summary>
    internal const int MaxLineChars = 64 * 1024;

    private readonly Decoder _outDecoder = new UTF8Encoding(false).GetDecoder();
    private readonly Decoder _errDecoder = new UTF8Encoding(false).GetDecoder();
    private readonly CappedText _output;
    private readonly CappedText _stdout;
    private readonly CappedText _stderr;
    private readonly StringBuilder _outLine = new();
    private readonly StringBuilder _errLine = new();
    private readonly Action<LogStreamKind, string>? _onLine;
    private readonly Stream? _stdoutSink;
    private char[] _chars = new char[4096];
    private long _stdoutSinkBytes;

    /// <param name="limit">The most UTF-8 bytes kept of stdout and of stderr (0: all); the combined output is what was kept of both.</param>
    /// <param name="onLine">Gets each complete line (without its line break) as it arrives.</param>
    /// <param name="stdoutSink">Gets stdout's bytes instead of <see cref="Stdout"/> and <see cref="Output"/> (and <paramref name="onLine"/>).</param>
    public LogCollector(long limit, Action<LogStreamKind, string>? onLine = null, Stream? stdoutSink = null)
    {
        _stdout = new CappedText(limit);
        _stderr = new CappedText(limit);
        _output = new CappedText(0);
        _onLine = onLine;
        _stdoutSink = stdoutSink;
    }

    public string Output => _output.ToString();
    public string Stdout => _stdout.ToString();
    public string Stderr => _stderr.ToString();
    public bool Truncated => _stdout.Truncated || _stderr.Truncated;
    public CappedText StdoutText => _stdout;
    public CappedText StderrText => _stderr;

    /// <summary>Bytes written to the stdout sink.</summary>
    public long StdoutSinkBytes => _stdoutSinkBytes;

    public void Add(LogStreamKind stream, byte[] bytes)
    {
        if (stream == LogStreamKind.Stdout && _stdoutSink is not null)
        {
            _stdoutSink.Write(bytes, 0, bytes.Length);
            _stdoutSinkBytes += bytes.Length;
            return;
        }
        Decode(stream, bytes, flush: false);
    }

    /// <summary>At the end: flushes the decoders and any last line without a line break.</summary>
    public void Complete()
    {
        Decode(LogStreamKind.Stdout, Array.Empty<byte>(), flush: true);
        Decode(LogStreamKind.Stderr, Array.Empty<byte>(), flush: true);
        EmitPendingLine(LogStreamKind.Stdout);
        EmitPendingLine(LogStreamKind.Stderr);
        _stdoutSink?.Flush();
    }

    private void Decode(LogStreamKind stream, byte[] bytes, bool flush)
    {
        var decoder = stream == LogStreamKind.Stdout ? _outDecoder : _errDecoder;
        // GetCharCount does not consume: GetChars must see every byte, also one that only starts a character.
        var needed = decoder.GetCharCount(bytes, 0, bytes.Length, flush);
        if (needed > _chars.Length) _chars = new char[Math.Max(needed, _chars.Length * 2)];
        var n = decoder.GetChars(bytes, 0, bytes.Length, _chars, 0, flush);
        if (n == 0) return;
        var kept = (stream == LogStreamKind.Stdout ? _stdout : _stderr).Append(_chars, 0, n);
        // The combined output is what each stream kept, in the order it came.
        _output.Append(_chars, 0, kept);
        if (_onLine is not null) SplitLines(stream, _chars, n);
    }

    private void SplitLines(LogStreamKind stream, char[] chars, int count)
    {
        var line = stream == LogStreamKind.Stdout ? _outLine : _errLine;
        var start = 0;
        for (var i = 0; i < count; i++)
        {
            if (chars[i] != '\n') continue;
            line.Append(chars, start, i - start);
            start = i + 1;
            var s = line.ToString();
            line.Clear();
            _onLine!(stream, s.EndsWith("\r", StringComparison.Ordinal) ? s.Substring(0, s.Length - 1) : s);
        }
        line.Append(chars, start, count - start);
        while (line.Length > MaxLineChars)
        {
            var piece = line.ToString(0, MaxLineChars);
            line.Remove(0, MaxLineChars);
            _onLine!(stream, piece);
        }
    }

    private void EmitPendingLine(LogStreamKind stream)
    {
        var line = stream == LogStreamKind.Stdout ? _outLine : _errLine;
        if (line.Length == 0 || _onLine is null) return;
        var s = line.ToString();
        line.Clear();
        _onLine(stream, s);
    }
}
