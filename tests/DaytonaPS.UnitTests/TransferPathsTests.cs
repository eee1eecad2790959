using DaytonaPS.Api;
using Xunit;

namespace DaytonaPS.UnitTests;

public sealed class TransferPathsTests
{
    [Theory]
    [InlineData("a/../../x")]
    [InlineData("../x")]
    [InlineData("..")]
    [InlineData("./x")]
    [InlineData("/etc/passwd")]
    [InlineData("a//b")]
    [InlineData("")]
    public void LocalJoinRefusesEscapes(string relative)
    {
        var ex = Assert.Throws<DaytonaException>(() => TransferPaths.LocalJoin(Path.GetTempPath(), relative));
        Assert.Equal(ErrorIds.InvalidArgument, ex.ErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.SecurityError, ex.Category);
    }

    [Fact]
    public void LocalJoinKeepsNamesWithDotsSpacesAndUnicode()
    {
        var root = Path.GetTempPath();
        Assert.Equal(Path.Combine(Path.GetFullPath(root), "a b", "..x", "日本.txt"), TransferPaths.LocalJoin(root, "a b/..x/日本.txt"));
    }

    [Theory]
    [InlineData("/home/daytona/src", "/home/daytona/src/a/b.txt", "a/b.txt")]
    [InlineData("/home/daytona/src/", "/home/daytona/src/x", "x")]
    [InlineData("/", "/tmp", "tmp")]
    public void RemoteRelativeBelowTheRoot(string root, string entry, string expected) =>
        Assert.Equal(expected, TransferPaths.RemoteRelative(root, entry));

    [Theory]
    [InlineData("/home/daytona/src", "/home/daytona/srcx/a")]
    [InlineData("/home/daytona/src", "/home/daytona/src/../x")]
    [InlineData("/home/daytona/src", "/home/daytona/src")]
    [InlineData("/home/daytona/src", "/etc/passwd")]
    public void RemoteRelativeRefusesWhatIsNotBelowTheRoot(string root, string entry) =>
        Assert.Throws<DaytonaException>(() => TransferPaths.RemoteRelative(root, entry));

    [Theory]
    [InlineData("/a/b", "c", "/a/b/c")]
    [InlineData("/a/b/", "c", "/a/b/c")]
    [InlineData("/", "c", "/c")]
    [InlineData("rel", "c", "rel/c")]
    public void RemoteJoin(string dir, string name, string expected) => Assert.Equal(expected, TransferPaths.RemoteJoin(dir, name));
}
