using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Api;

/// <summary>
/// Reads the toolbox's JSON replies that carry a command's output as they stream in: the reply of a
/// synchronous session exec (<c>{cmdId, output, stdout, stderr, exitCode}</c>) and of a log read
/// without follow (<c>{output, stdout, stderr}</c>). Each output string is kept only up to its limit
/// (<see cref="CappedText"/>), so a command that prints 1 GB costs the client the limit, not 1 GB
/// several times over as a buffered body, a byte array and three strings would.
/// </summary>
/// <remarks>
/// Hand-written because no JSON reader for netstandard2.0 can hand out one string value in pieces:
/// System.Text.Json's Utf8JsonReader needs a whole token in its buffer. The grammar handled is
/// JSON's (nested values of unknown keys are skipped); only the five known keys are kept.
/// The daemon's <c>output</c> holds the raw log, with the 01 01 01 / 02 02 02 stream markers
/// before each line (apps/daemon/pkg/session/execute.go, SDK 0.167+); they are removed here, so
/// <see cref="Output"/> is stdout and stderr in the order they were written, with or without them.
/// </remarks>
internal sealed class OutputReplyParser
{
    private enum State { BeforeObject, BeforeKey, AfterKey, BeforeValue, InString, InScalar, AfterValue, Skipping, Done }

    private enum Field { None, CommandId, Output, Stdout, Stderr, ExitCode }

    private readonly CappedText _output;
    private readonly CappedText _stdout;
    private readonly CappedText _stderr;
    private readonly StringBuilder _small = new();
    private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();
    private readonly MarkerStripper _stripper;
    private char[] _chars = new char[4096];
    private State _state = State.BeforeObject;
    private Field _field;
    private bool _inEscape;
    private int _unicodeDigits = -1;
    private int _unicodeValue;
    private int _skipDepth;
    private bool _skipInString;
    private bool _skipEscape;
    private bool _readingKey;

    /// <param name="limit">The most UTF-8 bytes kept of stdout and of stderr (0: all); the combined output keeps twice that.</param>
    public OutputReplyParser(long limit)
    {
        _stdout = new CappedText(limit);
        _stderr = new CappedText(limit);
        _output = new CappedText(limit > 0 ? limit * 2 : 0);
        _stripper = new MarkerStripper(_output);
    }

    public string? CommandId { get; private set; }
    public int? ExitCode { get; private set; }
    /// <summary>True when the reply had an <c>output</c> string (otherwise Output is stdout then stderr).</summary>
    public bool HasOutput { get; private set; }
    public CappedText Output => _output;
    public CappedText Stdout => _stdout;
    public CappedText Stderr => _stderr;
    public bool Truncated => _output.Truncated || _stdout.Truncated || _stderr.Truncated;

    /// <summary>Reads and parses a whole reply body.</summary>
    public static async Task<OutputReplyParser> ReadAsync(Stream body, long limit, CancellationToken ct)
    {
        var parser = new OutputReplyParser(limit);
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await body.ReadAsync(buffer, 0, buffer.Length, ct).ConfigureAwait(false)) > 0) parser.Feed(buffer, 0, n);
        parser.Complete();
        return parser;
    }

    /// <summary>Parses the next bytes of the body (any cut: inside a string, an escape or a UTF-8 character).</summary>
    public void Feed(byte[] data, int offset, int count)
    {
        var end = offset + count;
        var i = offset;
        while (i < end)
        {
            switch (_state)
            {
                case State.InString:
                    i = ReadStringPart(data, i, end);
                    continue;
                case State.Skipping:
                    i = Skip(data, i, end);
                    continue;
                case State.InScalar:
                {
                    var b = data[i];
                    if (b == ',' || b == '}' || b == ']' || IsWhite(b))
                    {
                        EndScalar();
                        _state = State.AfterValue;
                        continue; // the delimiter is read by AfterValue
                    }
                    if (_small.Length < 64) _small.Append((char)b);
                    i++;
                    continue;
                }
            }

            var c = data[i++];
            if (IsWhite(c)) continue;
            switch (_state)
            {
                case State.BeforeObject:
                    if (c != '{') throw Malformed("the reply is not a JSON object");
                    _state = State.BeforeKey;
                    break;
                case State.BeforeKey:
                    if (c == '}') { _state = State.Done; break; }
                    if (c != '"') throw Malformed("expected a property name");
                    _field = Field.None;
                    _readingKey = true;
                    BeginString();
                    break;
                case State.AfterKey:
                    if (c != ':') throw Malformed("expected ':'");
                    _state = State.BeforeValue;
                    break;
                case State.BeforeValue:
                    StartValue(c);
                    break;
                case State.AfterValue:
                    if (c == ',') _state = State.BeforeKey;
                    else if (c == '}') _state = State.Done;
                    else throw Malformed("expected ',' or '}'");
                    break;
                case State.Done:
                    throw Malformed("text after the end of the reply");
            }
        }
    }

    /// <summary>At the end of the body: the reply must be complete.</summary>
    public void Complete()
    {
        if (_state == State.InScalar) { EndScalar(); _state = State.AfterValue; }
        if (_state != State.Done) throw Malformed("the reply ended early");
        _stripper.Flush();
    }

    private void StartValue(byte c)
    {
        _small.Clear();
        switch (c)
        {
            case (byte)'"':
                if (_field == Field.Output) HasOutput = true;
                BeginString();
                break;
            case (byte)'{':
            case (byte)'[':
                _skipDepth = 1;
                _skipInString = false;
                _skipEscape = false;
                _state = State.Skipping;
                break;
            default:
                _small.Append((char)c);
                _state = State.InScalar;
                break;
        }
    }

    private void EndScalar()
    {
        var token = _small.ToString();
        if (_field == Field.ExitCode)
        {
            ExitCode = token == "null" ? null
                : double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? (int)value
                : throw Malformed("exitCode is not a number");
        }
        else if (token is not ("null" or "true" or "false") && !double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            throw Malformed("unexpected value '" + token + "'");
        }
    }

    /// <summary>Inside a string (a key or a value): runs of plain bytes are decoded in one go.</summary>
    private int ReadStringPart(byte[] data, int i, int end)
    {
        var runStart = i;
        while (i < end)
        {
            var b = data[i];
            if (_unicodeDigits >= 0)
            {
                var digit = HexValue(b);
                if (digit < 0) throw Malformed("bad \\u escape");
                _unicodeValue = (_unicodeValue << 4) | digit;
                i++;
                if (++_unicodeDigits == 4)
                {
                    _unicodeDigits = -1;
                    EmitChar((char)_unicodeValue);
                }
                runStart = i;
                continue;
            }
            if (_inEscape)
            {
                _inEscape = false;
                i++;
                runStart = i;
                switch (b)
                {
                    case (byte)'"': EmitChar('"'); break;
                    case (byte)'\\': EmitChar('\\'); break;
                    case (byte)'/': EmitChar('/'); break;
                    case (byte)'b': EmitChar('\b'); break;
                    case (byte)'f': EmitChar('\f'); break;
                    case (byte)'n': EmitChar('\n'); break;
                    case (byte)'r': EmitChar('\r'); break;
                    case (byte)'t': EmitChar('\t'); break;
                    case (byte)'u': _unicodeDigits = 0; _unicodeValue = 0; break;
                    default: throw Malformed("bad escape");
                }
                continue;
            }
            if (b == '"' || b == '\\')
            {
                EmitBytes(data, runStart, i - runStart, flush: b == '"');
                i++;
                if (b == '\\')
                {
                    _inEscape = true;
                    runStart = i;
                    continue;
                }
                EndString();
                return i;
            }
            i++;
        }
        EmitBytes(data, runStart, i - runStart, flush: false);
        return i;
    }

    private void BeginString()
    {
        _small.Clear();
        _decoder.Reset();
        _inEscape = false;
        _unicodeDigits = -1;
        _state = State.InString;
    }

    private void EndString()
    {
        if (_readingKey)
        {
            _readingKey = false;
            _field = _small.ToString() switch
            {
                "cmdId" => Field.CommandId,
                "output" => Field.Output,
                "stdout" => Field.Stdout,
                "stderr" => Field.Stderr,
                "exitCode" => Field.ExitCode,
                _ => Field.None,
            };
            _state = State.AfterKey;
            return;
        }
        if (_field == Field.CommandId) CommandId = _small.ToString();
        else if (_field == Field.ExitCode) throw Malformed("exitCode is a string");
        _state = State.AfterValue;
    }


    private void EmitBytes(byte[] data, int offset, int count, bool flush)
    {
        if (count == 0 && !flush) return;
        var needed = _decoder.GetCharCount(data, offset, count, flush);
        if (needed > _chars.Length) _chars = new char[Math.Max(needed, _chars.Length * 2)];
        var n = _decoder.GetChars(data, offset, count, _chars, 0, flush);
        EmitChars(_chars, 0, n);
    }

    private void EmitChar(char c)
    {
        EmitChars(new[] { c }, 0, 1);
    }

    private void EmitChars(char[] chars, int offset, int count)
    {
        if (count == 0) return;
        if (_readingKey || _field is Field.CommandId or Field.ExitCode)
        {
            if (_small.Length < 256) _small.Append(chars, offset, Math.Min(count, 256 - _small.Length));
            return;
        }
        switch (_field)
        {
            case Field.Output: _stripper.Append(chars, offset, count); break;
            case Field.Stdout: _stdout.Append(chars, offset, count); break;
            case Field.Stderr: _stderr.Append(chars, offset, count); break;
        }
    }

    /// <summary>Skips a nested object or array (of a key we do not keep).</summary>
    private int Skip(byte[] data, int i, int end)
    {
        while (i < end)
        {
            var b = data[i++];
            if (_skipInString)
            {
                if (_skipEscape) _skipEscape = false;
                else if (b == '\\') _skipEscape = true;
                else if (b == '"') _skipInString = false;
                continue;
            }
            if (b == '"') _skipInString = true;
            else if (b == '{' || b == '[') _skipDepth++;
            else if ((b == '}' || b == ']') && --_skipDepth == 0)
            {
                _state = State.AfterValue;
                return i;
            }
        }
        return i;
    }

    private static bool IsWhite(byte b) => b == ' ' || b == '\t' || b == '\n' || b == '\r';

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    private static FormatException Malformed(string why) => new("The toolbox reply is not the expected JSON: " + why + ".");

    /// <summary>Removes the daemon's stream markers (three 0x01 or three 0x02 chars) from the combined output.</summary>
    private sealed class MarkerStripper
    {
        private readonly CappedText _target;
        private char _pending;
        private int _pendingCount;

        public MarkerStripper(CappedText target) => _target = target;

        public void Append(char[] chars, int offset, int count)
        {
            var end = offset + count;
            var runStart = offset;
            for (var i = offset; i < end; i++)
            {
                var c = chars[i];
                if (c != '\u0001' && c != '\u0002')
                {
                    if (_pendingCount > 0) { FlushRun(chars, ref runStart, i); Flush(); }
                    continue;
                }
                FlushRun(chars, ref runStart, i);
                runStart = i + 1;
                if (_pendingCount > 0 && _pending == c)
                {
                    if (++_pendingCount == 3) _pendingCount = 0;
                }
                else
                {
                    Flush();
                    _pending = c;
                    _pendingCount = 1;
                }
            }
            FlushRun(chars, ref runStart, end);
        }

        private void FlushRun(char[] chars, ref int runStart, int end)
        {
            if (end > runStart) _target.Append(chars, runStart, end - runStart);
            runStart = end;
        }

        /// <summary>A partial marker that did not complete is text after all.</summary>
        public void Flush()
        {
            for (; _pendingCount > 0; _pendingCount--) _target.Append(_pending);
        }
    }
}
