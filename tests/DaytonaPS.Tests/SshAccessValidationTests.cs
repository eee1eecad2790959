using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>Test-DaytonaSshAccess (GET /sandbox/ssh-access/validate) through the built module against the emulator.</summary>
public sealed class SshAccessValidationTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public SshAccessValidationTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script) => ModuleHost.Run(_emu.Connect() + script);

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private static T Prop<T>(PSObject o, string name) => (T)o.Properties[name].Value;

    [Fact]
    public void ATokenIsValidForItsSandboxByPipelineSecureStringOrStringAndNotAfterRevoke()
    {
        var name = Unique("ssh");
        var r = Run($$"""
            $sb = New-DaytonaSandbox -Name '{{name}}'
            $a = New-DaytonaSshAccess -Id $sb.Id
            $a | Test-DaytonaSshAccess
            Test-DaytonaSshAccess -Token $a.Token
            Test-DaytonaSshAccess ($a.Token | ConvertFrom-SecureString -AsPlainText) -Quiet
            $a | Revoke-DaytonaSshAccess
            $a | Test-DaytonaSshAccess
            $a | Test-DaytonaSshAccess -Quiet
            $sb.Id
            """).AssertNoErrors();
        Assert.True(r.Output.Count == 6, string.Join(" | ", r.Output.Select(o => o?.ToString())));
        var id = r.Output[5].ToString();
        var piped = r.Output[0];
        Assert.Equal("DaytonaPS.SshAccessValidation", piped.BaseObject.GetType().FullName);
        Assert.True(Prop<bool>(piped, "Valid"));
        Assert.Equal(id, Prop<string>(piped, "SandboxId"));
        Assert.Equal(name, Prop<string>(piped, "SandboxName"));
        Assert.True(Prop<bool>(r.Output[1], "Valid"));
        Assert.Equal(id, Prop<string>(r.Output[1], "SandboxId"));
        Assert.Equal(true, r.Output[2].BaseObject);
        Assert.False(Prop<bool>(r.Output[3], "Valid"));
        Assert.Null(r.Output[3].Properties["SandboxId"].Value);
        Assert.Null(r.Output[3].Properties["SandboxName"].Value);
        Assert.Equal(false, r.Output[4].BaseObject);
    }

    [Fact]
    public void TheTokenNeverAppearsInOutputStreamsOrErrors()
    {
        var canary = "canary" + Guid.NewGuid().ToString("N");
        var r = Run($$"""
            $InformationPreference = 'Continue'
            $sb = New-DaytonaSandbox -Name '{{Unique("ssh")}}'
            $a = New-DaytonaSshAccess -Id $sb.Id
            $valid = $a | Test-DaytonaSshAccess -Verbose -Debug
            $invalid = Test-DaytonaSshAccess -Token '{{canary}}' -Verbose -Debug
            $shown = @($valid, $invalid | ForEach-Object { $_ | Out-String; $_ | Format-List * | Out-String; $_ | Format-Table | Out-String; "$_"; $_ | ConvertTo-Json }) -join "`n"
            $dead = Connect-Daytona -ApiKey (ConvertTo-SecureString 'k' -AsPlainText -Force) -ApiUrl 'http://127.0.0.1:9/api' -SkipValidation -MaximumRetryCount 0 -PassThru
            Test-DaytonaSshAccess -Token '{{canary}}' -Context $dead -Verbose -Debug -ErrorAction SilentlyContinue -ErrorVariable failed
            $e = $failed[0]
            $errorText = @($e.ToString(), $e.ErrorDetails.Message, $e.ErrorDetails.RecommendedAction, "$($e.TargetObject)", $e.Exception.ToString(), $e.FullyQualifiedErrorId) -join "`n"
            [pscustomobject]@{ Shown = $shown; Error = $errorText; Id = $e.FullyQualifiedErrorId; Token = ($a.Token | ConvertFrom-SecureString -AsPlainText); Valid = $valid.Valid; Invalid = $invalid.Valid }
            """);
        var o = Assert.Single(r.Output);
        var token = o.Properties["Token"].Value.ToString()!;
        Assert.Matches("^[A-Za-z0-9]{16,}$", token);
        Assert.True(Prop<bool>(o, "Valid"));
        Assert.False(Prop<bool>(o, "Invalid"));
        Assert.StartsWith("DaytonaConnectionFailed,", o.Properties["Id"].Value.ToString());
        var streams = string.Join("\n", r.Verbose.Concat(r.Debug).Concat(r.Warnings).Concat(r.Information).Concat(r.Errors.Select(e => e.ToString())));
        // The request is in the verbose stream, with the token masked.
        Assert.Contains(r.Verbose, v => v.Contains("/sandbox/ssh-access/validate?token=***"));
        foreach (var secret in new[] { token, canary, Uri.EscapeDataString(token) })
        {
            Assert.DoesNotContain(secret, o.Properties["Shown"].Value.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(secret, o.Properties["Error"].Value.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(secret, streams, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AnEmptyTokenIsAClearErrorAndNothingIsSent()
    {
        var r = Run("""
            Test-DaytonaSshAccess -Token (New-Object System.Security.SecureString) -ErrorAction SilentlyContinue -ErrorVariable e
            $e[0].FullyQualifiedErrorId
            $e[0].ToString()
            """);
        Assert.StartsWith("DaytonaInvalidArgument,", r.Output[0].ToString());
        Assert.Contains("token is empty", r.Output[1].ToString());
    }
}
