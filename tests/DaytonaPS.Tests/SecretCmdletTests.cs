using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>
/// Get-/New-/Set-/Remove-DaytonaSecret, mounting through New-/Set-DaytonaSandbox -Secret, and the environment of new
/// commands through Set-DaytonaSandbox -Environment/-RemoveEnvironment, through the built module.
/// </summary>
public sealed class SecretCmdletTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public SecretCmdletTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script) => ModuleHost.Run(_emu.Connect() + script);

    private static string Unique(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private string StoredValue(string name) =>
        _emu.Server.Context.Secrets.FindByName(name)?.Value ?? throw new InvalidOperationException("no secret " + name);

    [Fact]
    public void ASecretRoundTripsByNameIdAndObject_AndTheValueReachesDaytonaOnly()
    {
        var name = Unique("api");
        var r = Run($$"""
            $v = ConvertTo-SecureString 'value-one' -AsPlainText -Force
            $s = New-DaytonaSecret -Name '{{name}}' -Value $v -Description 'first' -AllowedHost 'api.example.com', '*.example.org'
            $s.GetType().FullName
            ($s.Hosts -join ',')
            $s.Placeholder.StartsWith('dtn_secret_')
            (Get-DaytonaSecret -Name $s.Id).Name
            @(Get-DaytonaSecret -Name '{{name[..5]}}*').Count
            $s | Set-DaytonaSecret -Description 'second' -PassThru | ForEach-Object Description
            Set-DaytonaSecret -Name '{{name}}' -Value (ConvertTo-SecureString 'value-two' -AsPlainText -Force) -AllowedHost @() -PassThru |
                ForEach-Object { $_.Hosts.Count; $_.Description }
            """).AssertNoErrors();
        Assert.Equal("DaytonaPS.DaytonaSecret", r.Output[0].ToString());
        Assert.Equal("api.example.com,*.example.org", r.Output[1].ToString());
        Assert.True((bool)r.Output[2].BaseObject);
        Assert.Equal(name, r.Output[3].ToString());
        Assert.Equal(1, (int)r.Output[4].BaseObject);
        Assert.Equal("second", r.Output[5].ToString());
        Assert.Equal(0, (int)r.Output[6].BaseObject);
        Assert.Equal("second", r.Output[7].ToString());      // PATCH left the description alone
        Assert.Equal("value-two", StoredValue(name));

        var removed = Run($$"""
            Get-DaytonaSecret '{{name}}' | Remove-DaytonaSecret -WhatIf
            @(Get-DaytonaSecret '{{name}}').Count
            Remove-DaytonaSecret -Name '{{name}}' -Force
            Get-DaytonaSecret '{{name}}' -ErrorAction SilentlyContinue -ErrorVariable missing
            $missing[0].FullyQualifiedErrorId
            $missing[0].CategoryInfo.Category.ToString()
            """);
        Assert.Equal(1, (int)removed.Output[0].BaseObject);
        Assert.StartsWith("DaytonaNotFound,", removed.Output[1].ToString());
        Assert.Equal("ObjectNotFound", removed.Output[2].ToString());
        Assert.Null(_emu.Server.Context.Secrets.FindByName(name));
    }

    [Fact]
    public void DuplicateNamesBadHostsAndPlainStringValuesAreRefusedWithStableIds()
    {
        var name = Unique("dup");
        var r = Run($$"""
            $v = ConvertTo-SecureString 'x' -AsPlainText -Force
            New-DaytonaSecret -Name '{{name}}' -Value $v | Out-Null
            New-DaytonaSecret -Name '{{name}}' -Value $v -ErrorAction SilentlyContinue -ErrorVariable dup | Out-Null
            $dup[0].FullyQualifiedErrorId
            $dup[0].CategoryInfo.Category.ToString()
            New-DaytonaSecret -Name '{{name}}_h' -Value $v -AllowedHost 'api.example.com:443' -ErrorAction SilentlyContinue -ErrorVariable bad | Out-Null
            $bad[0].FullyQualifiedErrorId
            try { New-DaytonaSecret -Name '{{name}}_p' -Value 'plain' -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
            try { New-DaytonaSecret -Name '9starts-with-digit' -Value $v -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
            New-DaytonaSecret -Name '{{name}}_w' -Value $v -WhatIf
            @(Get-DaytonaSecret -Name '{{name}}_w' -ErrorAction SilentlyContinue).Count
            try { Set-DaytonaSecret -Name '{{name}}' -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
            """);
        Assert.StartsWith("DaytonaConflict,", r.Output[0].ToString());
        Assert.Equal("ResourceExists", r.Output[1].ToString());
        Assert.StartsWith("DaytonaValidation,", r.Output[2].ToString());
        Assert.StartsWith("ParameterArgumentTransformationError,", r.Output[3].ToString());
        Assert.StartsWith("ParameterArgumentValidationError,", r.Output[4].ToString());
        Assert.Equal(0, (int)r.Output[5].BaseObject);
        Assert.StartsWith("DaytonaInvalidArgument,", r.Output[6].ToString());
    }

    [Fact]
    public void ACanaryValueNeverAppearsInAnyStreamErrorDisplayOrTranscript()
    {
        const string canary = "CANARY_SECRET_VALUE_7f3e9a1c";
        var name = Unique("canary");
        var transcript = Path.Combine(Path.GetTempPath(), "dps-secret-canary-" + Guid.NewGuid().ToString("N") + ".txt");
        var r = Run($$"""
            $ErrorActionPreference = 'Continue'; $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $InformationPreference = 'Continue'
            Start-Transcript -Path '{{transcript}}' | Out-Null
            $plain = '{{canary[..7]}}' + '{{canary[7..]}}'
            $v = ConvertTo-SecureString $plain -AsPlainText -Force
            $s = New-DaytonaSecret -Name '{{name}}' -Value $v -AllowedHost api.example.com -Verbose -Debug
            $s | Format-List * | Out-String
            $s | Format-Table | Out-String
            "$s"
            $s | ConvertTo-Json
            New-DaytonaSecret -Name '{{name}}' -Value $v -Verbose -Debug
            New-DaytonaSecret -Name '{{name}}_2' -Value $plain
            Set-DaytonaSecret -Name '{{name}}' -Value $v -Verbose -Debug -Confirm:$false
            Set-DaytonaSecret -Name '{{name}}' -Value $v -WhatIf
            $sb = New-DaytonaSandbox -Secret @{ TOKEN = '{{name}}' } -Verbose -Debug
            ($sb | Invoke-DaytonaCommand 'echo "token=$TOKEN"; env').Stdout
            $sb | Format-List * | Out-String
            Get-DaytonaSecret | Format-List * | Out-String
            $sb | Remove-DaytonaSandbox -Force
            Remove-DaytonaSecret -Name '{{name}}' -Force -Verbose -Debug
            $Error | ForEach-Object { $_ | Format-List * -Force | Out-String; $_.Exception.ToString() }
            Stop-Transcript | Out-Null
            """);
        var everything = string.Join("\n", r.Output.Select(o => o?.ToString()))
            + string.Join("\n", r.Verbose) + string.Join("\n", r.Debug) + string.Join("\n", r.Warnings) + string.Join("\n", r.Information)
            + string.Join("\n", r.Errors.Select(e => e.FullyQualifiedErrorId + " " + e + " " + e.Exception + " " + e.ErrorDetails?.Message + " " + e.ErrorDetails?.RecommendedAction))
            + File.ReadAllText(transcript);
        File.Delete(transcript);
        Assert.Contains("POST /api/secret", everything);        // the streams were really captured
        Assert.Contains("DaytonaConflict", everything);
        Assert.Contains("token=dtn_secret_", everything);       // the sandbox saw the placeholder
        Assert.DoesNotContain(canary, everything);
    }

    [Fact]
    public void SandboxesSeePlaceholdersForMountedSecretsAndEnvironmentChangesInNewCommands()
    {
        var name = Unique("mount");
        var r = Run($$"""
            $s = New-DaytonaSecret -Name '{{name}}' -Value (ConvertTo-SecureString 'real-value' -AsPlainText -Force)
            $sb = New-DaytonaSandbox -Secret @{ API_KEY = '{{name}}' } -Environment @{ B = '2' }
            ($sb | Invoke-DaytonaCommand 'echo "$API_KEY|$A|$B"').Stdout.Trim()
            $s.Placeholder
            $sb | Set-DaytonaSandbox -Environment @{ A = '1' } -RemoveEnvironment B
            ($sb | Invoke-DaytonaCommand 'echo "$API_KEY|$A|$B"').Stdout.Trim()
            $sb | Set-DaytonaSandbox -Secret @{ OTHER = '{{name}}' }
            ($sb | Invoke-DaytonaCommand 'echo "$API_KEY|$OTHER|$A"').Stdout.Trim()
            $sb | Set-DaytonaSandbox -Secret @{} -WhatIf
            $sb | Set-DaytonaSandbox -Secret @{}
            ($sb | Invoke-DaytonaCommand 'echo "[$OTHER]"').Stdout.Trim()
            New-DaytonaSandbox -Secret @{ X = 'no-such-secret' } -ErrorAction SilentlyContinue -ErrorVariable unknown | Out-Null
            $unknown[0].FullyQualifiedErrorId
            try { New-DaytonaSandbox -Secret @{ 'BAD-NAME' = '{{name}}' } -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
            $sb | Remove-DaytonaSandbox -Force
            Remove-DaytonaSecret -Name '{{name}}' -Force
            """);
        var placeholder = r.Output[1].ToString();
        Assert.StartsWith("dtn_secret_", placeholder);
        Assert.Equal(placeholder + "||2", r.Output[0].ToString());
        Assert.Equal(placeholder + "|1|", r.Output[2].ToString());
        Assert.Equal("|" + placeholder + "|1", r.Output[3].ToString());
        Assert.Equal("[]", r.Output[4].ToString());
        Assert.StartsWith("DaytonaNotFound,", r.Output[5].ToString());
        Assert.StartsWith("DaytonaInvalidArgument,", r.Output[6].ToString());
        Assert.DoesNotContain(r.Errors, e => !e.FullyQualifiedErrorId.StartsWith("DaytonaNotFound"));
    }

    [Fact]
    public void SecretsPipeByPropertyNameAndManyAreRemovedTogether()
    {
        var prefix = Unique("bulk");
        var r = Run($$"""
            $v = ConvertTo-SecureString 'x' -AsPlainText -Force
            1..3 | ForEach-Object { [pscustomobject]@{ Name = '{{prefix}}_' + $_; Value = $v; Description = "n$_" } } | New-DaytonaSecret | Out-Null
            @(Get-DaytonaSecret '{{prefix}}_*' -SortBy Name).Name -join ','
            [pscustomobject]@{ SecretName = '{{prefix}}_1' }, '{{prefix}}_missing', '{{prefix}}_2' | Remove-DaytonaSecret -Force -ErrorAction SilentlyContinue -ErrorVariable errs
            $errs.Count
            @(Get-DaytonaSecret '{{prefix}}_*').Name -join ','
            Get-DaytonaSecret '{{prefix}}_*' | Remove-DaytonaSecret -Force
            @(Get-DaytonaSecret '{{prefix}}_*').Count
            """);
        Assert.Equal($"{prefix}_1,{prefix}_2,{prefix}_3", r.Output[0].ToString());
        Assert.Equal(1, (int)r.Output[1].BaseObject);
        Assert.Equal($"{prefix}_3", r.Output[2].ToString());
        Assert.Equal(0, (int)r.Output[3].BaseObject);
    }

    [Fact]
    public void SecretNamesCompleteForTheSecretCmdlets()
    {
        var name = Unique("comp");
        var r = Run($$"""
            New-DaytonaSecret -Name '{{name}}' -Value (ConvertTo-SecureString 'x' -AsPlainText -Force) | Out-Null
            foreach ($cmd in 'Get-DaytonaSecret', 'Set-DaytonaSecret', 'Remove-DaytonaSecret') {
                $line = "$cmd -Name {{name[..7]}}"
                (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText -join ','
            }
            Remove-DaytonaSecret -Name '{{name}}' -Force
            """).AssertNoErrors();
        Assert.All(r.Output, o => Assert.Equal(name, o.ToString()));
        Assert.Equal(3, r.Output.Count);
    }
}
