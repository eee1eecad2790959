using System.Collections;
using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>Tests that change process environment variables run alone, after the parallel ones.</summary>
[CollectionDefinition("Environment", DisableParallelization = true)]
public sealed class EnvironmentCollection : ICollectionFixture<EmulatorFixture> { }

/// <summary>The credential chain: -Context > Connect-Daytona > environment > SecretManagement > NotConnected.</summary>
[Collection("Environment")]
public sealed class CredentialTests : IDisposable
{
    private readonly EmulatorFixture _emu;
    private readonly ClearedDaytonaEnvironment _environment = new();

    public CredentialTests(EmulatorFixture emu)
    {
        _emu = emu;
    }

    public void Dispose() => _environment.Dispose();

    private const string SecretStandIn = SecretManagementStandIn.Script;

    private static string Source(PsResult r) => (string)r.Output.Last().Properties["SourceDetail"].Value;

    [Fact]
    public void NothingConfiguredIsNotConnected()
    {
        var r = ModuleHost.Run("Get-DaytonaSandbox");
        var e = r.Record("NotConnected");
        Assert.Equal(ErrorCategory.AuthenticationError, e.CategoryInfo.Category);
        Assert.Contains("Connect-Daytona", e.ErrorDetails.RecommendedAction);
        Assert.Empty(ModuleHost.Run("Get-DaytonaContext").AssertNoErrors().Output);
    }

    [Fact]
    public void ApiKeyFromEnvironment()
    {
        Environment.SetEnvironmentVariable("DAYTONA_API_KEY", EmulatorFixture.ApiKey);
        Environment.SetEnvironmentVariable("DAYTONA_API_URL", _emu.ApiUrl);
        Environment.SetEnvironmentVariable("DAYTONA_TARGET", "eu");
        var r = ModuleHost.Run("Get-DaytonaSandbox | Out-Null; Get-DaytonaContext").AssertNoErrors();
        Assert.Equal("DAYTONA_API_KEY", Source(r));
        Assert.Equal("eu", r.Output.Last().Properties["Target"].Value);
    }

    [Fact]
    public void JwtFromEnvironmentNeedsOrganization()
    {
        Environment.SetEnvironmentVariable("DAYTONA_JWT_TOKEN", EmulatorFixture.Jwt);
        Environment.SetEnvironmentVariable("DAYTONA_API_URL", _emu.ApiUrl);
        var r = ModuleHost.Run("Get-DaytonaSandbox");
        Assert.Equal(ErrorCategory.InvalidArgument, r.Record("DaytonaJwtWithoutOrganization").CategoryInfo.Category);
        Environment.SetEnvironmentVariable("DAYTONA_ORGANIZATION_ID", EmulatorFixture.OrganizationId);
        var ok = ModuleHost.Run("Get-DaytonaSandbox | Out-Null; Get-DaytonaContext").AssertNoErrors();
        Assert.Equal("DAYTONA_JWT_TOKEN + DAYTONA_ORGANIZATION_ID", Source(ok));
        Assert.Equal("Jwt", ok.Output.Last().Properties["AuthType"].Value.ToString());
    }

    [Fact]
    public void ConnectBeatsEnvironmentAndContextBeatsConnect()
    {
        Environment.SetEnvironmentVariable("DAYTONA_API_KEY", "wrong-key");
        Environment.SetEnvironmentVariable("DAYTONA_API_URL", _emu.ApiUrl);
        var env = ModuleHost.Run("Get-DaytonaSandbox");
        Assert.Contains("DaytonaUnauthorized", env.ErrorIds);
        var r = ModuleHost.Run(_emu.Connect() + """
            $connected = Get-DaytonaContext
            $ctx = Connect-Daytona -JwtToken (ConvertTo-SecureString $jwt -AsPlainText -Force) -OrganizationId $org -ApiUrl $url -PassThru
            Connect-Daytona -ApiKey (ConvertTo-SecureString 'also-wrong' -AsPlainText -Force) -ApiUrl $url -SkipValidation
            Get-DaytonaSandbox -Context $ctx -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Select-Object -First 1 | ForEach-Object Message
            $connected.SourceDetail
            """, new Hashtable { ["jwt"] = EmulatorFixture.Jwt, ["org"] = EmulatorFixture.OrganizationId, ["url"] = _emu.ApiUrl }).AssertNoErrors();
        Assert.Contains("credential from -Context, Connect-Daytona -JwtToken", r.Output[0].ToString());
        Assert.Equal("Connect-Daytona -ApiKey", r.Output[1].ToString());
    }

    [Fact]
    public void SecretManagementWhenOptedIn_AndMissingSecretIsAnError()
    {
        Environment.SetEnvironmentVariable("DAYTONA_API_URL", _emu.ApiUrl);
        Environment.SetEnvironmentVariable("DAYTONA_SECRET_NAME", "daytona");
        Environment.SetEnvironmentVariable("DAYTONA_SECRET_VAULT", "ci");
        var r = ModuleHost.Run(SecretStandIn + $"\nSet-FakeSecret -Name daytona -Vault ci -Secret (ConvertTo-SecureString '{EmulatorFixture.ApiKey}' -AsPlainText -Force)\nGet-DaytonaSandbox | Out-Null\nGet-DaytonaContext").AssertNoErrors();
        Assert.Equal("secret 'daytona' in vault 'ci' (DAYTONA_SECRET_NAME)", Source(r));

        var missing = ModuleHost.Run(SecretStandIn + "\nGet-DaytonaSandbox");
        Assert.Equal(ErrorCategory.ObjectNotFound, missing.Record("DaytonaSecretNotFound").CategoryInfo.Category);

        var noModule = ModuleHost.Run("Get-DaytonaSandbox");
        Assert.Contains("DaytonaSecretManagementUnavailable", noModule.ErrorIds);

        // The environment's key outranks the opted-in secret.
        Environment.SetEnvironmentVariable("DAYTONA_API_KEY", EmulatorFixture.ApiKey);
        Assert.Equal("DAYTONA_API_KEY", Source(ModuleHost.Run(SecretStandIn + "\nGet-DaytonaContext").AssertNoErrors()));
    }

    [Fact]
    public void ConnectWithSecretNameAndCredential()
    {
        var r = ModuleHost.Run(SecretStandIn + """

            Set-FakeSecret -Name dt -Secret $key
            Connect-Daytona -SecretName dt -ApiUrl $url
            (Get-DaytonaContext).SourceDetail
            Connect-Daytona -Credential ([pscredential]::new('ignored', (ConvertTo-SecureString $key -AsPlainText -Force))) -ApiUrl $url
            (Get-DaytonaContext).SourceDetail
            """, new Hashtable { ["key"] = EmulatorFixture.ApiKey, ["url"] = _emu.ApiUrl }).AssertNoErrors();
        Assert.Equal("secret 'dt' (Connect-Daytona -SecretName)", r.Output[0].ToString());
        Assert.Equal("Connect-Daytona -Credential", r.Output[1].ToString());
        var missing = ModuleHost.Run(SecretStandIn + $"\nConnect-Daytona -SecretName nope -ApiUrl '{_emu.ApiUrl}'");
        Assert.Contains("DaytonaSecretNotFound", missing.ErrorIds);
    }

    [Fact]
    public void ConnectValidatesUnlessSkipped_AndStateIsPerRunspace()
    {
        var bad = ModuleHost.Run($"Connect-Daytona -ApiKey (ConvertTo-SecureString 'bad' -AsPlainText -Force) -ApiUrl '{_emu.ApiUrl}'\nGet-DaytonaContext");
        Assert.Contains("DaytonaUnauthorized", bad.ErrorIds);
        Assert.Empty(bad.Output);
        var r = ModuleHost.Run(_emu.Connect() + """
            $inner = 1..2 | ForEach-Object -Parallel { Import-Module $using:manifest; [bool](Get-DaytonaContext) }
            Disconnect-Daytona
            [pscustomobject]@{ Inner = $inner; After = [bool](Get-DaytonaContext) }
            """, new Hashtable { ["manifest"] = ModuleHost.ModuleManifest }).AssertNoErrors();
        var o = r.Output.Last();
        Assert.Equal(new object[] { false, false }, ((object[])o.Properties["Inner"].Value).Select(x => (object)(bool)(x is PSObject p ? p.BaseObject : x)).ToArray());
        Assert.Equal(false, o.Properties["After"].Value);
    }
}
