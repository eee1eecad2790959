using System.Collections;
using System.Management.Automation;
using DaytonaPS.Api;
using DaytonaPS.Commands;
using Xunit;

namespace DaytonaPS.UnitTests;

/// <summary>Ids and names on their way into URLs, and what -Id accepts.</summary>
public sealed class IdInputTests
{
    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("a\nb")]
    public void SegmentRefusesWhatCannotBeAnId(string value)
    {
        var ex = Assert.Throws<DaytonaException>(() => DaytonaApiClient.Segment(value));
        Assert.Equal(ErrorIds.InvalidArgument, ex.ErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, ex.Category);
    }

    [Theory]
    [InlineData("web-1", "web-1")]
    [InlineData("a/b", "a%2Fb")]
    [InlineData("a b?c#d", "a%20b%3Fc%23d")]
    [InlineData("...", "...")]
    public void SegmentEscapesEverythingElse(string value, string expected) =>
        Assert.Equal(expected, DaytonaApiClient.Segment(value));

    private static object? Transform(object? input) => new SandboxIdTransformationAttribute().Transform(null!, input);

    [Fact]
    public void IdTakesStringsGuidsAndNumbers()
    {
        var guid = Guid.NewGuid();
        Assert.Equal(new[] { "web-1" }, Transform("web-1"));
        Assert.Equal(new[] { "a", "b" }, Transform(new object[] { "a", new PSObject("b") }));
        Assert.Equal(new[] { guid.ToString() }, Transform(guid));
        Assert.Equal(new[] { "42" }, Transform(42));
    }

    [Fact]
    public void IdRefusesObjectsThatOnlyStringifyToAName()
    {
        foreach (var input in new object[] { new Hashtable { ["Id"] = "x" }, new PSObject(new DirectoryInfo("/")), new object[] { "ok", new Hashtable() } })
        {
            var result = Transform(input);
            Assert.IsType<SandboxIdTransformationAttribute.NotAnId>(result);
            // No conversion to the parameter's type accepts it, so PowerShell cannot bind it as a name.
            var ex = Assert.ThrowsAny<Exception>(() => LanguagePrimitives.ConvertTo<string[]>(result));
            Assert.Contains("is not a sandbox id or name", ex.ToString());
        }
    }

    [Theory]
    [InlineData("https://proxy/toolbox/x/files?path=/tmp/a&token=abc", "/toolbox/x/files?path=/tmp/a&token=***")]
    [InlineData("https://h/api/x?DAYTONA_SANDBOX_AUTH_KEY=s3cret&v=1", "/api/x?DAYTONA_SANDBOX_AUTH_KEY=***&v=1")]
    [InlineData("https://h/api/sandbox", "/api/sandbox")]
    public void RedactHidesSecretQueryValues(string url, string expected) =>
        Assert.Equal(expected, DaytonaApiClient.Redact(new Uri(url)));
}
