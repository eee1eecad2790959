using System.Text;
using Xunit;

namespace DaytonaPS.UnitTests;

/// <summary>
/// The session log demultiplexer (01 01 01 = stdout, 02 02 02 = stderr), fed the same byte stream
/// cut into frames at every possible place, so markers and UTF-8 characters straddle frames.
/// </summary>
public sealed class LogDemuxTests
{
    /// <summary>(stream, bytes) runs, with adjacent runs of the same stream merged.</summary>
    private static List<(int Stream, byte[] Bytes)> Demux(params byte[][] frames)
    {
        var merged = new List<(int Stream, List<byte> Bytes)>();
        void Add(DaytonaPS.Api.LogStreamKind kind, byte[] bytes)
        {
            var stream = (int)kind;
            if (merged.Count > 0 && merged[^1].Stream == stream) merged[^1].Bytes.AddRange(bytes);
            else merged.Add((stream, bytes.ToList()));
        }
        var demux = new DaytonaPS.Api.LogDemultiplexer();
        foreach (var frame in frames) demux.Feed(frame, 0, frame.Length, Add);
        demux.Flush(Add);
        return merged.Select(m => (m.Stream, m.Bytes.ToArray())).ToList();
    }

    private static byte[] Out(string s) => new byte[] { 1, 1, 1 }.Concat(Encoding.UTF8.GetBytes(s)).ToArray();
    private static byte[] Err(string s) => new byte[] { 2, 2, 2 }.Concat(Encoding.UTF8.GetBytes(s)).ToArray();

    private static string Show(List<(int Stream, byte[] Bytes)> runs) =>
        string.Join("|", runs.Select(r => (r.Stream == 1 ? "O:" : "E:") + Encoding.UTF8.GetString(r.Bytes)));

    [Fact]
    public void SplitsStreamsInOrder()
    {
        var all = Out("one\n").Concat(Err("two\n")).Concat(Out("three\n")).ToArray();
        Assert.Equal("O:one\n|E:two\n|O:three\n", Show(Demux(all)));
    }

    [Fact]
    public void DropsBytesBeforeTheFirstMarker()
    {
        var all = Encoding.UTF8.GetBytes("junk").Concat(Out("a")).ToArray();
        Assert.Equal("O:a", Show(Demux(all)));
    }

    [Fact]
    public void AnyTwoWayCutGivesTheSameResult()
    {
        var all = Out("héllo ✓\n").Concat(Err("e\n")).Concat(Out("x")).Concat(Err("")).Concat(Out("日本\n")).ToArray();
        var expected = Show(Demux(all));
        Assert.Equal("O:héllo ✓\n|E:e\n|O:x日本\n", expected);
        for (var i = 0; i <= all.Length; i++)
            Assert.Equal(expected, Show(Demux(all[..i], all[i..])));
    }

    [Fact]
    public void AnyThreeWayCutGivesTheSameResult()
    {
        var all = Out("ab").Concat(Err("cd")).Concat(Out("e")).ToArray();
        var expected = Show(Demux(all));
        for (var i = 0; i <= all.Length; i++)
            for (var j = i; j <= all.Length; j++)
                Assert.Equal(expected, Show(Demux(all[..i], all[i..j], all[j..])));
    }

    [Fact]
    public void OneByteFramesWork()
    {
        var all = Out("stdout line\n").Concat(Err("stderr line\n")).ToArray();
        Assert.Equal("O:stdout line\n|E:stderr line\n", Show(Demux(all.Select(b => new[] { b }).ToArray())));
    }

    [Fact]
    public void TrailingBytesThatLookLikeAMarkerStartAreKeptAtTheEnd()
    {
        var all = Out("x").Concat(new byte[] { 1, 1 }).ToArray();
        var runs = Demux(all[..2], all[2..]);
        Assert.Single(runs);
        Assert.Equal(new byte[] { (byte)'x', 1, 1 }, runs[0].Bytes);
    }

    [Fact]
    public void LoneControlBytesInContentAreContent()
    {
        var all = Out("a").Concat(new byte[] { 1, (byte)'b', 2, 2, (byte)'c' }).ToArray();
        for (var i = 0; i <= all.Length; i++)
        {
            var runs = Demux(all[..i], all[i..]);
            Assert.Single(runs);
            Assert.Equal(new byte[] { (byte)'a', 1, (byte)'b', 2, 2, (byte)'c' }, runs[0].Bytes);
        }
    }
}
