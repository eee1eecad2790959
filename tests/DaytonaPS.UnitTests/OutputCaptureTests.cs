using System.Text;
using DaytonaPS.Api;
using Xunit;

namespace DaytonaPS.UnitTests;

/// <summary>
/// How command output is kept in memory: <see cref="CappedText"/>, the streaming parser of the
/// toolbox's output replies (fed at every cut) and the follow collector (limits, -OutFile sink, lines).
/// </summary>
public sealed class OutputCaptureTests
{
    // ------------------------------------------------------------------ CappedText

    [Fact]
    public void CappedTextKeepsUpToTheLimitInUtf8BytesAndCountsTheRest()
    {
        var text = new CappedText(10);
        text.Append("héllo"); // 6 bytes
        text.Append("wörld"); // 6 bytes: only "wör" (4) fits
        Assert.Equal("héllowör", text.ToString());
        Assert.Equal(10, text.KeptBytes);
        Assert.Equal(12, text.TotalBytes);
        Assert.True(text.Truncated);
        text.Append("!"); // nothing more once full, even if it would fit
        Assert.Equal("héllowör", text.ToString());
        Assert.Equal(13, text.TotalBytes);
    }

    [Fact]
    public void CappedTextNeverSplitsASurrogatePair()
    {
        var text = new CappedText(5);
        text.Append("a😀b"); // 1 + 4 + 1 bytes
        Assert.Equal("a😀", text.ToString());
        var cut = new CappedText(4);
        cut.Append("a😀"); // the pair does not fit: dropped whole
        Assert.Equal("a", cut.ToString());
        Assert.True(cut.Truncated);
        // a pair that arrives split over two appends
        var split = new CappedText(3);
        var chars = "x😀".ToCharArray();
        split.Append(chars, 0, 2);
        split.Append(chars, 2, 1);
        Assert.Equal("x", split.ToString());
    }

    [Fact]
    public void CappedTextWithoutLimitKeepsEverything()
    {
        var text = new CappedText(0);
        var big = new string('x', 100_000);
        text.Append(big);
        Assert.Equal(big, text.ToString());
        Assert.False(text.Truncated);
    }

    // ------------------------------------------------------------------ OutputReplyParser

    private static OutputReplyParser Parse(byte[] body, long limit, params int[] cuts)
    {
        var parser = new OutputReplyParser(limit);
        var at = 0;
        foreach (var cut in cuts.Append(body.Length))
        {
            parser.Feed(body, at, cut - at);
            at = cut;
        }
        parser.Complete();
        return parser;
    }

    private const string Reply = """{"cmdId":"c-1","output":"\u0001\u0001\u0001out ü\n\u0002\u0002\u0002err \"q\" \\ \/ \t\u00e9\ud83d\ude00\n","stdout":"out ü\n","stderr":"err \"q\" \\ / \té😀\n","exitCode":3,"extra":{"a":[1,"}"]},"n":null}""";

    [Fact]
    public void ParsesAnExecReplyAndStripsTheDaemonsStreamMarkers()
    {
        var p = Parse(Encoding.UTF8.GetBytes(Reply), 0);
        Assert.Equal("c-1", p.CommandId);
        Assert.Equal(3, p.ExitCode);
        Assert.True(p.HasOutput);
        Assert.Equal("out ü\nerr \"q\" \\ / \té😀\n", p.Output.ToString());
        Assert.Equal("out ü\n", p.Stdout.ToString());
        Assert.Equal("err \"q\" \\ / \té😀\n", p.Stderr.ToString());
        Assert.False(p.Truncated);
    }

    [Fact]
    public void AnyCutOfTheBodyGivesTheSameResult()
    {
        var body = Encoding.UTF8.GetBytes(Reply);
        for (var i = 0; i <= body.Length; i++)
        {
            var p = Parse(body, 0, i);
            Assert.Equal("err \"q\" \\ / \té😀\n", p.Stderr.ToString());
            Assert.Equal("out ü\nerr \"q\" \\ / \té😀\n", p.Output.ToString());
            Assert.Equal(3, p.ExitCode);
        }
        // one byte at a time
        var single = Parse(body, 0, Enumerable.Range(1, body.Length - 1).ToArray());
        Assert.Equal("out ü\n", single.Stdout.ToString());
    }

    [Fact]
    public void PartialMarkersInTheOutputAreText()
    {
        var p = Parse(Encoding.UTF8.GetBytes("""{"output":"a\u0001\u0001b\u0002c\u0001\u0001\u0001d","exitCode":null}"""), 0);
        Assert.Equal("a\u0001\u0001b\u0002cd", p.Output.ToString());
        Assert.Null(p.ExitCode);
    }

    [Fact]
    public void KeepsOnlyTheLimitOfAHugeReply()
    {
        var stdout = new string('x', 3_000_000);
        var body = Encoding.UTF8.GetBytes($"{{\"cmdId\":\"c\",\"output\":\"{stdout}\",\"stdout\":\"{stdout}\",\"stderr\":\"e\",\"exitCode\":0}}");
        var p = Parse(body, 1_000_000, 12_345, 2_000_000, 4_000_000);
        Assert.Equal(1_000_000, p.Stdout.Length);
        Assert.Equal(3_000_000, p.Stdout.TotalBytes);
        Assert.Equal(2_000_000, p.Output.Length); // the combined output keeps twice the limit
        Assert.Equal("e", p.Stderr.ToString());
        Assert.True(p.Truncated);
        Assert.Equal(0, p.ExitCode);
    }

    [Fact]
    public void AReplyWithoutOutputSaysSo()
    {
        var p = Parse(Encoding.UTF8.GetBytes("""{"stdout":"a","stderr":"b"}"""), 0);
        Assert.False(p.HasOutput);
        Assert.Null(p.CommandId);
    }

    [Theory]
    [InlineData("""{"stdout":"a" """)]
    [InlineData("""{"stdout":"a\x"}""")]
    [InlineData("""[1]""")]
    [InlineData("""{"exitCode":"3"}""")]
    [InlineData("""{"stdout":"a"} x""")]
    public void MalformedRepliesAreFormatExceptions(string body) =>
        Assert.Throws<FormatException>(() => Parse(Encoding.UTF8.GetBytes(body), 0));

    // ------------------------------------------------------------------ LogCollector

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void CollectorKeepsTheLimitPerStreamAndTheCombinedOutputOfWhatWasKept()
    {
        var c = new LogCollector(4);
        c.Add(LogStreamKind.Stdout, Utf8("ab"));
        c.Add(LogStreamKind.Stderr, Utf8("E1"));
        c.Add(LogStreamKind.Stdout, Utf8("cdef"));
        c.Add(LogStreamKind.Stderr, Utf8("E2E3"));
        c.Complete();
        Assert.Equal("abcd", c.Stdout);
        Assert.Equal("E1E2", c.Stderr);
        Assert.Equal("abE1cdE2", c.Output);
        Assert.True(c.Truncated);
    }

    [Fact]
    public void CollectorDecodesCharactersCutBetweenChunksAndHandsOutLines()
    {
        var lines = new List<string>();
        var c = new LogCollector(0, (s, l) => lines.Add((s == LogStreamKind.Stderr ? "E:" : "O:") + l));
        var bytes = Utf8("grüße\r\nzweite ✓\nohne");
        foreach (var b in bytes) c.Add(LogStreamKind.Stdout, new[] { b });
        c.Add(LogStreamKind.Stderr, Utf8("x\n"));
        c.Complete();
        Assert.Equal("grüße\r\nzweite ✓\nohne", c.Stdout);
        Assert.Equal(new[] { "O:grüße", "O:zweite ✓", "E:x", "O:ohne" }, lines);
    }

    [Fact]
    public void AnEndlessLineIsHandedOutInPiecesNotHeldWhole()
    {
        var lines = new List<string>();
        var c = new LogCollector(10, (_, l) => lines.Add(l));
        c.Add(LogStreamKind.Stdout, Utf8(new string('y', LogCollector.MaxLineChars * 2 + 5)));
        Assert.Equal(2, lines.Count);
        c.Complete();
        Assert.Equal(3, lines.Count);
        Assert.Equal(LogCollector.MaxLineChars * 2 + 5, lines.Sum(l => l.Length));
        Assert.Equal(10, c.Stdout.Length);
    }

    [Fact]
    public void StdoutSinkGetsTheExactBytesInsteadOfMemory()
    {
        using var sink = new MemoryStream();
        var lines = new List<string>();
        var c = new LogCollector(0, (_, l) => lines.Add(l), sink);
        var binary = new byte[] { 0, 0xff, 0xfe, (byte)'\n', 0x80 };
        c.Add(LogStreamKind.Stdout, binary);
        c.Add(LogStreamKind.Stderr, Utf8("warn\n"));
        c.Complete();
        Assert.Equal(binary, sink.ToArray());
        Assert.Equal(5, c.StdoutSinkBytes);
        Assert.Equal(string.Empty, c.Stdout);
        Assert.Equal("warn\n", c.Output);
        Assert.Equal(new[] { "warn" }, lines);
    }
}
