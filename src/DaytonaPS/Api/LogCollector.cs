using System;
using System.Text;

namespace DaytonaPS.Api;

/// <summary>
/// Decodes demultiplexed log chunks (UTF-8, a character may be cut between chunks) into the
/// combined output, stdout and stderr, and optionally hands out complete lines as they arrive.
/// </summary>
internal sealed class LogCollector
{
    private readonly Decoder _outDecoder = new UTF8Encoding(false).GetDecoder();
    private readonly Decoder _errDecoder = new UTF8Encoding(false).GetDecoder();
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _outLine = new();
    private readonly StringBuilder _errLine = new();
    private readonly Action<LogStreamKind, string>? _onLine;

    public LogCollector(Action<LogStreamKind, string>? onLine = null) => _onLine = onLine;

    public string Output => _output.ToString();
    public string Stdout => _stdout.ToString();
    public string Stderr => _stderr.ToString();

    public void Add(LogStreamKind stream, byte[] bytes)
    {
        var decoder = stream == LogStreamKind.Stdout ? _outDecoder : _errDecoder;
        var chars = new char[decoder.GetCharCount(bytes, 0, bytes.Length, false)];
        var n = decoder.GetChars(bytes, 0, bytes.Length, chars, 0, false);
        if (n == 0) return;
        var text = new string(chars, 0, n);
        _output.Append(text);
        (stream == LogStreamKind.Stdout ? _stdout : _stderr).Append(text);
        if (_onLine is null) return;
        var line = stream == LogStreamKind.Stdout ? _outLine : _errLine;
        foreach (var c in text)
        {
            if (c == '\n')
            {
                var s = line.ToString();
                line.Clear();
                _onLine(stream, s.EndsWith("\r", StringComparison.Ordinal) ? s.Substring(0, s.Length - 1) : s);
            }
            else
            {
                line.Append(c);
            }
        }
    }

    /// <summary>At the end: flushes the decoders and any last line without a newline.</summary>
    public void Complete()
    {
        Add(LogStreamKind.Stdout, Array.Empty<byte>());
        foreach (var stream in new[] { LogStreamKind.Stdout, LogStreamKind.Stderr })
        {
            var decoder = stream == LogStreamKind.Stdout ? _outDecoder : _errDecoder;
            var chars = new char[8];
            var n = decoder.GetChars(Array.Empty<byte>(), 0, 0, chars, 0, true);
            if (n > 0)
            {
                var text = new string(chars, 0, n);
                _output.Append(text);
                (stream == LogStreamKind.Stdout ? _stdout : _stderr).Append(text);
                (stream == LogStreamKind.Stdout ? _outLine : _errLine).Append(text);
            }
            var line = stream == LogStreamKind.Stdout ? _outLine : _errLine;
            if (line.Length > 0 && _onLine is not null)
            {
                var s = line.ToString();
                line.Clear();
                _onLine(stream, s);
            }
        }
    }
}
