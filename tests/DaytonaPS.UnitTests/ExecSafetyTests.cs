using System.Net.Http;
using System.Net.Sockets;
using DaytonaPS.Api;
using Xunit;

namespace DaytonaPS.UnitTests;

/// <summary>
/// Which failures prove that a command did not run (so it may be sent again, and its session is
/// still good), and the Azure DevOps neutraliser that sandbox text passes through on its way to the host.
/// </summary>
public sealed class ExecSafetyTests
{
    private static DaytonaApiException Http(int status, string? message = null) =>
        new("x", DaytonaApiException.KindOf(status, message), status, "POST", "/p", message);

    private static DaytonaApiException Connection(Exception inner) =>
        new("x", DaytonaFailureKind.ConnectionFailed, 0, "POST", "/p", innerException: inner);

    [Theory]
    [InlineData(400, true)]
    [InlineData(401, true)]
    [InlineData(404, true)]
    [InlineData(409, true)]
    [InlineData(429, true)]
    [InlineData(503, true)]
    [InlineData(405, true)]
    [InlineData(408, false)]
    [InlineData(500, false)]
    [InlineData(502, false)]
    [InlineData(504, false)]
    public void OnlyRefusalsProveNothingRan(int status, bool nothingRan) =>
        Assert.Equal(nothingRan, CommandRunner.NothingRan(Http(status)));

    [Fact]
    public void ARefusedConnectionProvesNothingRanAResetDoesNot()
    {
        var refused = new HttpRequestException("Connection refused (127.0.0.1:1)", new SocketException((int)SocketError.ConnectionRefused));
        var unknownHost = new HttpRequestException("Name or service not known", new SocketException((int)SocketError.HostNotFound));
        var reset = new HttpRequestException("An error occurred while sending the request.",
            new IOException("Unable to read data from the transport connection", new SocketException((int)SocketError.ConnectionReset)));
        var ended = new HttpRequestException("The response ended prematurely.", new IOException("The response ended prematurely."));
        Assert.True(NetworkFailure.NeverConnected(refused));
        Assert.True(NetworkFailure.NeverConnected(unknownHost));
        Assert.False(NetworkFailure.NeverConnected(reset));
        Assert.False(NetworkFailure.NeverConnected(ended));
        Assert.True(CommandRunner.NothingRan(Connection(refused)));
        Assert.False(CommandRunner.NothingRan(Connection(reset)));
        Assert.False(CommandRunner.NothingRan(new DaytonaApiException("t", DaytonaFailureKind.Timeout, 0, "POST", "/p")));
        Assert.False(CommandRunner.NothingRan(new OperationCanceledException()));
        Assert.False(CommandRunner.NothingRan(DaytonaApiException.Unexpected("2xx without what it should carry", "POST", "/p")));
    }

    [Fact]
    public void NotStartedIsTheProxysBadRequest()
    {
        Assert.True(CommandRunner.IsNotStarted(Http(400, "Sandbox 3c1e is not started (state: stopped)")));
        Assert.False(CommandRunner.IsNotStarted(Http(400, "command is required")));
        Assert.False(CommandRunner.IsNotStarted(Http(404, "Sandbox is not started")));
    }

    [Theory]
    [InlineData("##vso[task.setvariable variable=x]1", "## vso[task.setvariable variable=x]1")]
    [InlineData("a ##VSO[task.complete]", "a ## VSO[task.complete]")]
    [InlineData("##[error]fake", "## [error]fake")]
    [InlineData("   ##[group]x", "   ## [group]x")]
    [InlineData("x ##[error] is only a command at the start", "x ##[error] is only a command at the start")]
    [InlineData("ok\n##vso[a]\r##[b]\r\n  ##vso[c]", "ok\n## vso[a]\r## [b]\r\n  ## vso[c]")]
    [InlineData("plain # text", "plain # text")]
    [InlineData("", "")]
    public void NeutraliseMakesEveryLineInert(string text, string expected) =>
        Assert.Equal(expected, AzurePipelines.Neutralise(text));
}
