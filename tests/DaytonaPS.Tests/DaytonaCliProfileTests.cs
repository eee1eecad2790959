using System.Collections;
using System.Management.Automation;
using System.Text;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>
/// The Daytona CLI's saved logins (config.json): Connect-Daytona -Profile / -DaytonaCli and the
/// chain's last step. Each test writes its own config into a temporary folder and points this
/// process's HOME / XDG_CONFIG_HOME / DAYTONA_CONFIG_DIR there (the "Environment" collection runs
/// alone, and every variable is put back afterwards).
/// </summary>
[Collection("Environment")]
public sealed class DaytonaCliProfileTests : IDisposable
{
    private const string CanaryKey = "dtn_CLI_CANARY_KEY_0a1b2c3d4e5f";
    private const string CanaryJwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjbGktY2FuYXJ5In0.CLICANARYSIG";
    private const string Org = EmulatorFixture.OrganizationId;

    private readonly EmulatorFixture _emu;
    private readonly ClearedDaytonaEnvironment _environment = new();
    private readonly Dictionary<string, string?> _saved = new[] { "HOME", "XDG_CONFIG_HOME", "DAYTONA_CONFIG_DIR", "APPDATA" }
        .ToDictionary(v => v, Environment.GetEnvironmentVariable);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dps-cli-" + Guid.NewGuid().ToString("N"));
    private readonly string? _savedJwt;

    public DaytonaCliProfileTests(EmulatorFixture emu)
    {
        _emu = emu;
        Directory.CreateDirectory(_root);
        var options = _emu.Server.Context.Options;
        _savedJwt = options.Jwt;
        options.ApiKeys.Add(CanaryKey);
        options.Jwt = CanaryJwt;
        // The default location on Linux: $XDG_CONFIG_HOME/daytona, else $HOME/.config/daytona.
        Environment.SetEnvironmentVariable("DAYTONA_CONFIG_DIR", null);
        Environment.SetEnvironmentVariable("XDG_CONFIG_HOME", null);
        Environment.SetEnvironmentVariable("HOME", _root);
        Environment.SetEnvironmentVariable("APPDATA", Path.Combine(_root, "AppData"));
    }

    public void Dispose()
    {
        var options = _emu.Server.Context.Options;
        options.ApiKeys.Remove(CanaryKey);
        options.Jwt = _savedJwt;
        foreach (var (k, v) in _saved) Environment.SetEnvironmentVariable(k, v);
        _environment.Dispose();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    /// <summary>Where the CLI itself would look on this OS with HOME/APPDATA as set above.</summary>
    private string DefaultDir() =>
        OperatingSystem.IsWindows() ? Path.Combine(_root, "AppData", "daytona")
        : OperatingSystem.IsMacOS() ? Path.Combine(_root, "Library", "Application Support", "daytona")
        : Path.Combine(_root, ".config", "daytona");

    private static string Profile(string id, string name, string url, string? key = null, string? token = null,
        DateTimeOffset? expiresAt = null, string? org = null)
    {
        var api = key is not null
            ? $$"""{ "url": "{{url}}", "key": "{{key}}", "token": null }"""
            : $$"""{ "url": "{{url}}", "key": null, "token": { "accessToken": "{{token}}", "refreshToken": "refresh-{{id}}", "expiresAt": "{{expiresAt!.Value.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffffff}}42Z" } }""";
        var orgJson = org is null ? "null" : $"\"{org}\"";
        return $$"""{ "id": "{{id}}", "name": "{{name}}", "api": {{api}}, "activeOrganizationId": {{orgJson}} }""";
    }

    /// <summary>Writes config.json as the CLI does (indented, activeProfile + profiles).</summary>
    private static string WriteConfig(string dir, string active, params string[] profiles)
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "config.json");
        File.WriteAllText(path, $$"""
            {
              "activeProfile": "{{active}}",
              "profiles": [ {{string.Join(",\n", profiles)}} ]
            }
            """, new UTF8Encoding(false));
        return path;
    }

    private string TwoProfiles(string dir) => WriteConfig(dir, "initial",
        Profile("initial", "initial", _emu.ApiUrl, key: CanaryKey),
        Profile("work_oauth", "Work OAuth", _emu.ApiUrl, token: CanaryJwt, expiresAt: DateTimeOffset.UtcNow.AddHours(2), org: Org));

    [Fact]
    public void ApiKeyProfileAndOAuthProfileConnect_ByNameOrIdOrActive()
    {
        TwoProfiles(DefaultDir());
        var r = ModuleHost.Run("""
            Connect-Daytona -DaytonaCli
            $a = Get-DaytonaContext; Get-DaytonaSandbox | Out-Null
            Connect-Daytona -Profile 'work oauth'
            $b = Get-DaytonaContext; Get-DaytonaSandbox | Out-Null
            Connect-Daytona -Profile work_oauth -InformationAction Ignore
            $c = Get-DaytonaContext
            $a, $b, $c
            """).AssertNoErrors();
        var (a, b, c) = (r.Output[0], r.Output[1], r.Output[2]);
        Assert.Equal("ApiKey", a.Properties["AuthType"].Value.ToString());
        Assert.Equal("DaytonaCli", a.Properties["Source"].Value.ToString());
        Assert.Equal("Daytona CLI profile 'initial' (Connect-Daytona -Profile)", a.Properties["SourceDetail"].Value);
        Assert.Equal(_emu.ApiUrl, a.Properties["ApiUrl"].Value);
        Assert.Equal("Jwt", b.Properties["AuthType"].Value.ToString());
        Assert.Equal(Org, b.Properties["OrganizationId"].Value);
        Assert.Equal("Daytona CLI profile 'Work OAuth' (id work_oauth) (Connect-Daytona -Profile)", c.Properties["SourceDetail"].Value);
        Assert.Contains(r.Information, i => i == $"Connected to {_emu.ApiUrl} with a JWT for organization {Org} from Daytona CLI profile 'Work OAuth' (id work_oauth) (Connect-Daytona -Profile); checked.");
    }

    [Fact]
    public void ConfigLocation_XdgConfigHomeThenDaytonaConfigDir()
    {
        if (OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()) return; // XDG_CONFIG_HOME is Linux's (Go's os.UserConfigDir)
        var xdg = Path.Combine(_root, "xdg");
        WriteConfig(Path.Combine(xdg, "daytona"), "xdg", Profile("xdg", "xdg", _emu.ApiUrl, key: CanaryKey));
        var custom = Path.Combine(_root, "custom");
        WriteConfig(custom, "custom", Profile("custom", "custom", _emu.ApiUrl, key: CanaryKey));
        TwoProfiles(DefaultDir());

        Environment.SetEnvironmentVariable("XDG_CONFIG_HOME", xdg);
        var fromXdg = ModuleHost.Run("Connect-Daytona -DaytonaCli -SkipValidation -InformationAction Ignore; (Get-DaytonaContext).SourceDetail").AssertNoErrors();
        Assert.Equal("Daytona CLI profile 'xdg' (Connect-Daytona -Profile)", fromXdg.Output.Last().ToString());

        Environment.SetEnvironmentVariable("DAYTONA_CONFIG_DIR", custom);
        var fromDir = ModuleHost.Run("Connect-Daytona -DaytonaCli -SkipValidation -InformationAction Ignore; (Get-DaytonaContext).SourceDetail").AssertNoErrors();
        Assert.Equal("Daytona CLI profile 'custom' (Connect-Daytona -Profile)", fromDir.Output.Last().ToString());

        // A relative XDG_CONFIG_HOME is ignored (as Go does), leaving $HOME/.config.
        Environment.SetEnvironmentVariable("DAYTONA_CONFIG_DIR", null);
        Environment.SetEnvironmentVariable("XDG_CONFIG_HOME", "relative/dir");
        var fromHome = ModuleHost.Run("Connect-Daytona -DaytonaCli -SkipValidation -InformationAction Ignore; (Get-DaytonaContext).SourceDetail").AssertNoErrors();
        Assert.Equal("Daytona CLI profile 'initial' (Connect-Daytona -Profile)", fromHome.Output.Last().ToString());
    }

    [Fact]
    public void MissingProfileIsAnError_NeverAnotherProfile()
    {
        TwoProfiles(DefaultDir());
        var r = ModuleHost.Run("Connect-Daytona -Profile nope");
        var e = r.Record("DaytonaCliProfileNotFound");
        Assert.Equal(ErrorCategory.ObjectNotFound, e.CategoryInfo.Category);
        Assert.Contains("no profile named 'nope'", e.Exception.Message);
        Assert.Contains("'initial' (active), 'Work OAuth'", e.ErrorDetails.RecommendedAction);
        Assert.Empty(r.Output);

        Directory.Delete(DefaultDir(), recursive: true);
        var none = ModuleHost.Run("Connect-Daytona -DaytonaCli");
        Assert.Contains("does not exist", none.Record("DaytonaCliProfileNotFound").Exception.Message);
        Assert.Contains("daytona login", none.Record("DaytonaCliProfileNotFound").ErrorDetails.RecommendedAction);

        Directory.CreateDirectory(DefaultDir());
        File.WriteAllText(Path.Combine(DefaultDir(), "config.json"), "{ \"profiles\": [ oops");
        var bad = ModuleHost.Run("Connect-Daytona -DaytonaCli");
        Assert.Equal(ErrorCategory.InvalidData, bad.Record("DaytonaCliConfigInvalid").CategoryInfo.Category);
    }

    [Fact]
    public void ExpiredLoginSaysRunDaytonaLogin_AndOAuthWithoutOrganizationIsRefused()
    {
        WriteConfig(DefaultDir(), "old",
            Profile("old", "old", _emu.ApiUrl, token: CanaryJwt, expiresAt: DateTimeOffset.UtcNow.AddMinutes(-3), org: Org),
            Profile("soon", "soon", _emu.ApiUrl, token: CanaryJwt, expiresAt: DateTimeOffset.UtcNow.AddMinutes(2), org: Org),
            Profile("noorg", "noorg", _emu.ApiUrl, token: CanaryJwt, expiresAt: DateTimeOffset.UtcNow.AddHours(1)));
        var expired = ModuleHost.Run("Connect-Daytona -Profile old");
        var e = expired.Record("DaytonaCliLoginExpired");
        Assert.Equal(ErrorCategory.AuthenticationError, e.CategoryInfo.Category);
        Assert.Contains("expired at", e.Exception.Message);
        Assert.Contains("daytona login", e.ErrorDetails.RecommendedAction);

        // The chain's last step says the same, instead of NotConnected or a 401 later.
        var chain = ModuleHost.Run("Get-DaytonaSandbox");
        Assert.Contains("DaytonaCliLoginExpired", chain.ErrorIds);

        var soon = ModuleHost.Run("Connect-Daytona -Profile soon -InformationAction Ignore").AssertNoErrors();
        Assert.Contains(soon.Warnings, w => w.Contains("expires in") && w.Contains("daytona login"));

        var noOrg = ModuleHost.Run("Connect-Daytona -Profile noorg");
        Assert.Contains("daytona organization use", noOrg.Record("DaytonaJwtWithoutOrganization").ErrorDetails.RecommendedAction);
    }

    [Fact]
    public void ActiveProfileIsTheChainsLastStep_BelowEnvironment()
    {
        TwoProfiles(DefaultDir());
        var cli = ModuleHost.Run("Get-DaytonaSandbox | Out-Null; Get-DaytonaContext").AssertNoErrors();
        var detail = (string)cli.Output.Last().Properties["SourceDetail"].Value;
        Assert.Equal($"Daytona CLI profile 'initial' (active, {Path.Combine(DefaultDir(), "config.json")})", detail);

        // The environment outranks it, even with a wrong key (no fall-through to the CLI).
        Environment.SetEnvironmentVariable("DAYTONA_API_KEY", "wrong-key");
        Environment.SetEnvironmentVariable("DAYTONA_API_URL", _emu.ApiUrl);
        var env = ModuleHost.Run("Get-DaytonaSandbox");
        Assert.Contains("DaytonaUnauthorized", env.ErrorIds);
        Environment.SetEnvironmentVariable("DAYTONA_API_KEY", null);

        // A rejected CLI login says to run 'daytona login'.
        WriteConfig(DefaultDir(), "initial", Profile("initial", "initial", _emu.ApiUrl, key: "dtn_revoked_key"));
        var rejected = ModuleHost.Run("Get-DaytonaSandbox");
        Assert.Contains("daytona login", rejected.Record("DaytonaUnauthorized").ErrorDetails.RecommendedAction);
    }

    [Fact]
    public void ProfileNamesCompleteFromTheFile_ActiveFirst()
    {
        TwoProfiles(DefaultDir());
        var r = ModuleHost.Run("""
            $line = 'Connect-Daytona -Profile '
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object CompletionText
            $line = 'Connect-Daytona -Profile wo'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object { $_.CompletionText + '|' + $_.ToolTip }
            """).AssertNoErrors();
        var texts = r.Output.Select(o => o.ToString()).ToList();
        Assert.Equal("initial", texts[0]);
        Assert.Equal("'Work OAuth'", texts[1]);
        Assert.Equal($"'Work OAuth'|Work OAuth: login token for {_emu.ApiUrl}", texts[2]);
        Assert.DoesNotContain(texts, t => t.Contains("CANARY"));
    }

    [Fact]
    public void CanaryKeyAndTokenNeverAppearInAnyStreamOrTranscript()
    {
        var path = TwoProfiles(DefaultDir());
        var transcript = Path.Combine(_root, "transcript.txt");
        var r = ModuleHost.Run($$"""
            $ErrorActionPreference = 'Continue'; $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $InformationPreference = 'Continue'
            Start-Transcript -Path '{{transcript}}' | Out-Null
            $a = Connect-Daytona -DaytonaCli -PassThru
            $a | Format-List * | Out-String
            "$a"
            Get-DaytonaSandbox -Id missing
            $b = Connect-Daytona -Profile 'Work OAuth' -PassThru
            $b | Format-List * | Out-String
            Get-DaytonaSandbox | Out-Null
            Disconnect-Daytona
            Get-DaytonaContext | Format-List * | Out-String
            Get-DaytonaSandbox -Id missing
            Connect-Daytona -Profile nope
            $Error | ForEach-Object { $_ | Format-List * -Force | Out-String; $_.Exception.ToString() }
            Stop-Transcript | Out-Null
            """);
        var everything = string.Join("\n", r.Output.Select(o => o?.ToString()))
            + string.Join("\n", r.Verbose) + string.Join("\n", r.Debug) + string.Join("\n", r.Warnings) + string.Join("\n", r.Information)
            + string.Join("\n", r.Errors.Select(e => e.FullyQualifiedErrorId + " " + e + " " + e.Exception + " " + e.ErrorDetails?.Message + " " + e.ErrorDetails?.RecommendedAction))
            + File.ReadAllText(transcript);
        Assert.Contains("Daytona CLI config: " + path, everything);   // the streams were really captured
        Assert.Contains("DaytonaNotFound", everything);
        Assert.Contains("DaytonaCliProfileNotFound", everything);
        Assert.DoesNotContain("CANARY", everything);
        Assert.DoesNotContain("refresh-", everything);
    }
}
