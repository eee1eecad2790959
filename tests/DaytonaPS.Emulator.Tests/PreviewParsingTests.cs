using DaytonaPS.Emulator.Api;
using DaytonaPS.Emulator.Runtime;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>The preview host names and /proc/net/tcp lines, as Daytona's proxy and daemon read them.</summary>
public sealed class PreviewParsingTests
{
    [Theory]
    [InlineData("3000-0a1b2c3d-1111-2222-3333-444455556666.localhost", 3000, "0a1b2c3d-1111-2222-3333-444455556666")]
    [InlineData("8080-abcdef0123456789.LOCALHOST", 8080, "abcdef0123456789")]
    [InlineData("1-x.localhost", 1, "x")]
    public void PreviewHostsAreParsedAsDaytonasProxyDoes(string host, int port, string idOrToken)
    {
        Assert.True(PreviewProxy.TryParseHost(host, out var p, out var id));
        Assert.Equal(port, p);
        Assert.Equal(idOrToken, id);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    [InlineData("3000-abc.example.com")]
    [InlineData("abc-3000.localhost")]
    [InlineData("3000-.localhost")]
    [InlineData("-abc.localhost")]
    [InlineData("70000-abc.localhost")]
    [InlineData("0-abc.localhost")]
    [InlineData("3000-abc.sub.localhost")]
    public void OtherHostsAreNotPreviews(string host) => Assert.False(PreviewProxy.TryParseHost(host, out _, out _));

    [Fact]
    public void ListeningPortsComeFromLinesInStateListenOfBothTables()
    {
        const string tcp = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0000000000000000 100 0 0 10 0
               1: 0100007F:0BB8 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 2 1 0000000000000000 20 4 30 10 -1
               2: 0100007F:D431 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 3 1 0000000000000000 20 4 30 10 -1
              sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000000000000000000000000000:22B8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4 1 0000000000000000 100 0 0 10 0
               1: 00000000000000000000000000000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5 1 0000000000000000 100 0 0 10 0
            """;
        Assert.Equal([3000, 8888], PortRelay.ParseListening(tcp));
    }
}
