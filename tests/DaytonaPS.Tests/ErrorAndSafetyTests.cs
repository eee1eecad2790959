using System.Collections;
using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>Error ids from real emulator responses, secrets never leaking, and a fault-injected mix.</summary>
[Collection("Environment")]
public sealed class ErrorAndSafetyTests
{
    private readonly EmulatorFixture _emu;
    public ErrorAndSafetyTests(EmulatorFixture emu) => _emu = emu;

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task EachErrorIdFromARealEmulatorResponse()
    {
        var dup = Unique("dup");
        var cases = new (string Script, string Id, ErrorCategory Category)[]
        {
            (_emu.Connect() + "Get-DaytonaSandbox -Id does-not-exist", "DaytonaNotFound", ErrorCategory.ObjectNotFound),
            ($"Connect-Daytona -ApiKey (ConvertTo-SecureString 'nope' -AsPlainText -Force) -ApiUrl '{_emu.ApiUrl}' -SkipValidation\nGet-DaytonaSandbox", "DaytonaUnauthorized", ErrorCategory.AuthenticationError),
            ($"Connect-Daytona -JwtToken (ConvertTo-SecureString '{EmulatorFixture.Jwt}' -AsPlainText -Force) -OrganizationId other-org -ApiUrl '{_emu.ApiUrl}' -SkipValidation\nGet-DaytonaSandbox", "DaytonaForbidden", ErrorCategory.PermissionDenied),
            (_emu.Connect() + $"New-DaytonaSandbox -Name {dup} -NoWait | Out-Null\nNew-DaytonaSandbox -Name {dup} -NoWait", "DaytonaConflict", ErrorCategory.ResourceExists),
            (_emu.Connect() + "New-DaytonaSandbox -Snapshot no-such-snapshot -NoWait", "DaytonaValidation", ErrorCategory.InvalidArgument),
            ("Connect-Daytona -ApiKey (ConvertTo-SecureString 'k' -AsPlainText -Force) -ApiUrl 'http://127.0.0.1:9/api' -SkipValidation -MaximumRetryCount 0\nGet-DaytonaSandbox", "DaytonaConnectionFailed", ErrorCategory.ConnectionError),
            ("Get-DaytonaSandbox", "NotConnected", ErrorCategory.AuthenticationError),
        };
        foreach (var (script, id, category) in cases)
        {
            var r = ModuleHost.Run(script);
            Assert.True(r.ErrorIds.Contains(id), $"{id}: got {string.Join(", ", r.ErrorIds)}");
            Assert.Equal(category, r.Record(id).CategoryInfo.Category);
        }

        try
        {
            await _emu.SetFaultsAsync("{\"faultRate\":1,\"faultKinds\":[\"500\"]}");
            var r500 = ModuleHost.Run(_emu.Connect("-MaximumRetryCount 1 -MaximumRetryDelaySec 0") + "Get-DaytonaSandbox");
            Assert.Equal(ErrorCategory.ResourceUnavailable, r500.Record("DaytonaServerError").CategoryInfo.Category);

            await _emu.SetFaultsAsync("{\"faultRate\":1,\"faultKinds\":[\"429\"]}");
            var r429 = ModuleHost.Run(_emu.Connect("-MaximumRetryCount 1 -MaximumRetryDelaySec 0") + "Get-DaytonaSandbox");
            Assert.Equal(ErrorCategory.ResourceUnavailable, r429.Record("DaytonaRateLimited").CategoryInfo.Category);

            await _emu.SetFaultsAsync("{\"faultRate\":1,\"faultKinds\":[\"slow\"],\"slowMs\":5000}");
            var slow = ModuleHost.Run(_emu.Connect("-RequestTimeoutSec 1 -MaximumRetryCount 0") + "Get-DaytonaSandbox");
            Assert.Equal(ErrorCategory.OperationTimeout, slow.Record("DaytonaTimeout").CategoryInfo.Category);
        }
        finally
        {
            await _emu.SetFaultsAsync("{\"faultRate\":0}");
        }
    }

    [Fact]
    public void CanaryKeyAndJwtNeverAppearInAnyStreamTranscriptOrFormat()
    {
        const string canaryKey = "dtn_CANARY_KEY_5f1e2d3c4b5a69788796a5b4c3d2e1f0";
        const string canaryJwt = "eyJCANARYJWT.eyJzdWIiOiJjYW5hcnkifQ.CANARYSIG";
        var transcript = Path.Combine(Path.GetTempPath(), "dps-canary-" + Guid.NewGuid().ToString("N") + ".txt");
        var script = $$"""
            $ErrorActionPreference = 'Continue'; $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $InformationPreference = 'Continue'
            Start-Transcript -Path '{{transcript}}' | Out-Null
            $key = ConvertTo-SecureString '{{canaryKey}}' -AsPlainText -Force
            $jwt = ConvertTo-SecureString '{{canaryJwt}}' -AsPlainText -Force
            $a = Connect-Daytona -ApiKey $key -ApiUrl '{{_emu.ApiUrl}}' -PassThru
            $a | Format-List * | Out-String
            $a | Format-Table | Out-String
            "$a"
            Get-DaytonaSandbox -Id missing
            $j = Connect-Daytona -JwtToken $jwt -OrganizationId {{EmulatorFixture.OrganizationId}} -ApiUrl '{{_emu.ApiUrl}}' -SkipValidation -PassThru
            $j | Format-List * | Out-String
            Get-DaytonaSandbox
            Get-DaytonaContext | Format-List * | Out-String
            $env:DAYTONA_API_KEY = '{{canaryKey}}'; $env:DAYTONA_API_URL = '{{_emu.ApiUrl}}'
            Disconnect-Daytona
            Get-DaytonaContext | Format-List * | Out-String
            Get-DaytonaSandbox -Id missing
            $Error | ForEach-Object { $_ | Format-List * -Force | Out-String; $_.Exception.ToString() }
            Remove-Item Env:DAYTONA_API_KEY, Env:DAYTONA_API_URL
            Stop-Transcript | Out-Null
            """;
        var options = _emu.Server.Context.Options;
        var savedJwt = options.Jwt;
        options.ApiKeys.Add(canaryKey);
        options.Jwt = canaryJwt;
        PsResult r;
        try { r = ModuleHost.Run(script); }
        finally { options.ApiKeys.Remove(canaryKey); options.Jwt = savedJwt; }
        var everything = string.Join("\n", r.Output.Select(o => o?.ToString()))
            + string.Join("\n", r.Verbose) + string.Join("\n", r.Debug) + string.Join("\n", r.Warnings) + string.Join("\n", r.Information)
            + string.Join("\n", r.Errors.Select(e => e.FullyQualifiedErrorId + " " + e + " " + e.Exception + " " + e.ErrorDetails?.Message + " " + e.ErrorDetails?.RecommendedAction))
            + File.ReadAllText(transcript);
        File.Delete(transcript);
        Assert.Contains("credential from", everything);      // the streams were really captured
        Assert.Contains("DaytonaNotFound", everything);
        Assert.DoesNotContain("CANARY", everything);
    }

    [Fact]
    public async Task FaultMixOf200OperationsLosesNothingAndDuplicatesNothing()
    {
        var tag = Unique("mix");
        try
        {
            await _emu.SetFaultsAsync("{\"faultRate\":0.3,\"faultKinds\":[\"500\",\"503\",\"429\",\"reset\",\"slow\"],\"slowMs\":300,\"seed\":7}");
            // 40 creates, 40 gets, 40 lists, 20 stops, 20 starts, 20 sets, 20 removes = 200 operations.
            var r = ModuleHost.Run(_emu.Connect("-MaximumRetryCount 8 -MaximumRetryDelaySec 0 -RequestTimeoutSec 5") + $$"""
                $names = 1..40 | ForEach-Object { '{{tag}}-{0:d2}' -f $_ }
                $created = foreach ($n in $names) { New-DaytonaSandbox -Name $n -Label @{mix='{{tag}}'} -TimeoutSec 60 }
                foreach ($n in $names) { Get-DaytonaSandbox -Id $n | Out-Null }
                1..40 | ForEach-Object { Get-DaytonaSandbox -Label @{mix='{{tag}}'} | Out-Null }
                $names[0..19] | Stop-DaytonaSandbox -TimeoutSec 60
                $names[0..19] | Start-DaytonaSandbox -TimeoutSec 60
                $names[20..39] | Set-DaytonaSandbox -Label @{phase='set'}
                $names[30..39] | Remove-DaytonaSandbox -Force -Wait -TimeoutSec 60
                $names[0..9] | Remove-DaytonaSandbox -Force -Wait -TimeoutSec 60
                @($created).Count
                """);
            Assert.True(r.Errors.Count == 0 && r.Terminating is null,
                "errors: " + string.Join(" | ", r.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)) + r.Terminating);
            Assert.Equal(40, r.Output.Last().BaseObject);
        }
        finally
        {
            await _emu.SetFaultsAsync("{\"faultRate\":0}");
        }
        var check = ModuleHost.Run(_emu.Connect() + $$"""
            $all = @(Get-DaytonaSandbox -Label @{mix='{{tag}}'})
            [pscustomobject]@{
                Count = $all.Count
                Distinct = @($all.Name | Sort-Object -Unique).Count
                Set = @($all | Where-Object { $_.Labels['phase'] -eq 'set' }).Count
                Started = @($all | Where-Object State -eq 'started').Count
            }
            """).AssertNoErrors();
        var o = Assert.Single(check.Output);
        Assert.Equal(20, o.Properties["Count"].Value);      // 40 created, 20 removed, no duplicates
        Assert.Equal(20, o.Properties["Distinct"].Value);
        Assert.Equal(10, o.Properties["Set"].Value);        // 20..29 kept their new label
        Assert.Equal(20, o.Properties["Started"].Value);
    }
}
