using System.Collections;
using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>
/// Bad configuration and secrets say what is wrong and what to do, with DaytonaPS error ids, on
/// every path (environment, Connect-Daytona, SecretManagement), and never show the secret.
/// </summary>
[Collection("Environment")]
public sealed class ConfigurationErrorTests : IDisposable
{
    private readonly EmulatorFixture _emu;
    private readonly ClearedDaytonaEnvironment _environment = new();

    public ConfigurationErrorTests(EmulatorFixture emu)
    {
        _emu = emu;
    }

    public void Dispose() => _environment.Dispose();

    private const string SecretStandIn = SecretManagementStandIn.Script;

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://example.test/api")]
    [InlineData("file:///tmp/api")]
    public void BadApiUrlInTheEnvironmentIsAnInvalidArgumentNamingTheVariable(string url)
    {
        Environment.SetEnvironmentVariable("DAYTONA_API_KEY", EmulatorFixture.ApiKey);
        Environment.SetEnvironmentVariable("DAYTONA_API_URL", url);
        var r = ModuleHost.Run("Get-DaytonaSandbox");
        var e = r.Record("DaytonaInvalidArgument");
        Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
        Assert.Contains("DAYTONA_API_URL", e.Exception.Message);
        Assert.Contains("https://", e.ErrorDetails.RecommendedAction);
        // The explicit path gives the same id.
        var c = ModuleHost.Run($"Connect-Daytona -ApiKey (ConvertTo-SecureString 'k' -AsPlainText -Force) -ApiUrl '{url}' -SkipValidation");
        Assert.Equal(ErrorCategory.InvalidArgument, c.Record("DaytonaInvalidArgument").CategoryInfo.Category);
    }

    [Fact]
    public void KeyWithALineBreakIsRefusedBeforeAnyCallWithoutShowingIt()
    {
        const string key = "dtn_secret_part1\ndtn_secret_part2";
        Environment.SetEnvironmentVariable("DAYTONA_API_KEY", key);
        Environment.SetEnvironmentVariable("DAYTONA_API_URL", _emu.ApiUrl);
        var r = ModuleHost.Run("Get-DaytonaSandbox");
        var e = r.Record("DaytonaInvalidSecret");
        Assert.Equal(ErrorCategory.InvalidData, e.CategoryInfo.Category);
        Assert.Contains("DAYTONA_API_KEY", e.Exception.Message);
        Assert.Contains("line break", e.Exception.Message);
        Assert.DoesNotContain("dtn_secret_part", e.ToString() + e.Exception.Message + e.ErrorDetails?.RecommendedAction);
    }

    [Fact]
    public void GetSecretFailureShowsItsReason_AndTheAdviceFitsHowTheSecretWasAskedFor()
    {
        var viaConnect = ModuleHost.Run(SecretStandIn + $"\nConnect-Daytona -SecretName dt -Vault locked -ApiUrl '{_emu.ApiUrl}'");
        var e = viaConnect.Record("DaytonaSecretNotFound");
        Assert.Contains("A valid password is required", e.Exception.Message);
        Assert.DoesNotContain("DAYTONA_SECRET_NAME", e.ErrorDetails.RecommendedAction);

        var missing = ModuleHost.Run(SecretStandIn + $"\nConnect-Daytona -SecretName nope -ApiUrl '{_emu.ApiUrl}'");
        Assert.Contains("The secret nope was not found", missing.Record("DaytonaSecretNotFound").Exception.Message);

        Environment.SetEnvironmentVariable("DAYTONA_API_URL", _emu.ApiUrl);
        Environment.SetEnvironmentVariable("DAYTONA_SECRET_NAME", "nope");
        var viaEnv = ModuleHost.Run(SecretStandIn + "\nGet-DaytonaSandbox");
        Assert.Contains("DAYTONA_SECRET_NAME", viaEnv.Record("DaytonaSecretNotFound").ErrorDetails.RecommendedAction);
    }

    [Theory]
    [InlineData("''")]
    [InlineData("'   '")]
    [InlineData("(New-Object System.Security.SecureString)")]
    public void EmptyOrBlankSecretIsRefusedClearly(string value)
    {
        var r = ModuleHost.Run(SecretStandIn + $"\nSet-FakeSecret -Name dt -Secret {value}\nConnect-Daytona -SecretName dt -ApiUrl '{_emu.ApiUrl}' -SkipValidation");
        var e = r.Record("DaytonaInvalidSecret");
        Assert.Contains("is empty", e.Exception.Message);
        Assert.DoesNotContain("needs", e.Exception.Message);
    }

    [Fact]
    public void WrongKeyFromASecretSaysItCameFromTheSecret()
    {
        var r = ModuleHost.Run(SecretStandIn + $"\nSet-FakeSecret -Name dt -Secret 'dtn_wrong_key'\nConnect-Daytona -SecretName dt -ApiUrl '{_emu.ApiUrl}' -SkipValidation\nGet-DaytonaSandbox");
        var advice = r.Record("DaytonaUnauthorized").ErrorDetails.RecommendedAction;
        Assert.Contains("secret 'dt'", advice);
        Assert.DoesNotContain("-ApiKey", advice);
    }

    [Fact]
    public void GetSecretVerboseLinesFollowTheCmdletsStreams()
    {
        var r = ModuleHost.Run(SecretStandIn + """

            Set-FakeSecret -Name dt -Secret $key
            $VerbosePreference = 'Continue'
            $captured = Connect-Daytona -SecretName dt -ApiUrl $url -SkipValidation *>&1
            $VerbosePreference = 'SilentlyContinue'
            $captured | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
            """, new Hashtable { ["key"] = EmulatorFixture.ApiKey, ["url"] = _emu.ApiUrl }).AssertNoErrors();
        Assert.Contains(r.Output, o => o.ToString() == "Get-Secret: looking up dt");
        Assert.DoesNotContain(r.Verbose, v => v.Contains("Get-Secret: looking up"));
    }
}
