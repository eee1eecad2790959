using System.Collections;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>Get-DaytonaPreviewUrl against the in-process emulator, through the built module.</summary>
public sealed class PreviewTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;
    public PreviewTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script, IDictionary? vars = null) => ModuleHost.Run(_emu.Connect() + script, vars);

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public void StandardUrlPerPort_FromPipelineOrId_TokenHidden()
    {
        var name = Unique("prev");
        var r = Run($$"""
            $sb = New-DaytonaSandbox -Name {{name}}
            $urls = @($sb | Get-DaytonaPreviewUrl -Port 3000, 8080) + @(Get-DaytonaPreviewUrl {{name}} 5173)
            $urls
            [pscustomobject]@{
                Id = $sb.Id
                Tokens = @($urls | ForEach-Object { $_.Token | ConvertFrom-SecureString -AsPlainText })
                Shown = @($urls | ForEach-Object { $_ | Out-String; $_ | Format-List | Out-String; "$_" }) -join "`n"
            }
            """).AssertNoErrors();
        Assert.Equal(4, r.Output.Count);
        var info = r.Output[3];
        var id = (string)info.Properties["Id"].Value;
        var ports = new[] { 3000, 8080, 5173 };
        for (var i = 0; i < 3; i++)
        {
            var u = r.Output[i];
            Assert.Equal("DaytonaPS.PreviewUrl", u.BaseObject.GetType().FullName);
            Assert.Equal(id, u.Properties["SandboxId"].Value);
            Assert.Equal(ports[i], u.Properties["Port"].Value);
            Assert.Equal(false, u.Properties["Signed"].Value);
            Assert.Null(u.Properties["ExpiresAt"].Value);
            Assert.Contains($"{ports[i]}-{id}.", (string)u.Properties["Url"].Value);
        }
        var tokens = ((object[])info.Properties["Tokens"].Value).Cast<object>().Select(t => t.ToString()!).ToArray();
        Assert.All(tokens, t => Assert.Matches("^[A-Za-z0-9]{8,}$", t));
        var shown = info.Properties["Shown"].Value.ToString()!;
        Assert.All(tokens, t => Assert.DoesNotContain(t, shown, StringComparison.Ordinal));
        Assert.Contains(id, shown);
    }

    [Fact]
    public void SignedUrlCarriesItsTokenInTheUrl_DisplayMasksIt_AndExpiresAtFollowsTheRequest()
    {
        var name = Unique("signed");
        var r = Run($$"""
            New-DaytonaSandbox -Name {{name}} | Out-Null
            $u = Get-DaytonaPreviewUrl -Id {{name}} -Port 3000 -Signed -ExpiresInSeconds 600 -Verbose
            $u
            [pscustomobject]@{
                Token = $u.Token | ConvertFrom-SecureString -AsPlainText
                Shown = ($u | Out-String) + ($u | Format-Table | Out-String) + ($u | Format-List | Out-String) + "$u"
            }
            """).AssertNoErrors();
        var u = r.Output[0];
        var token = r.Output[1].Properties["Token"].Value.ToString()!;
        Assert.Matches("^[a-z0-9]{16}$", token);
        Assert.Equal(true, u.Properties["Signed"].Value);
        Assert.Contains($"3000-{token}.", (string)u.Properties["Url"].Value);
        Assert.Contains("3000-***.", (string)u.Properties["DisplayUrl"].Value);
        var expires = (DateTimeOffset)u.Properties["ExpiresAt"].Value;
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(550), TimeSpan.FromSeconds(610));
        var shown = r.Output[1].Properties["Shown"].Value.ToString()!;
        Assert.DoesNotContain(token, shown, StringComparison.Ordinal);
        Assert.Contains("3000-***.", shown);
        Assert.DoesNotContain(r.Verbose, v => v.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public void ExpiresInSecondsNeedsSigned_AndPortsAreValidated()
    {
        var r = Run("Get-DaytonaPreviewUrl -Id x -Port 3000 -ExpiresInSeconds 30");
        Assert.Contains("DaytonaInvalidArgument", r.ErrorIds);
        var bad = Run("Get-DaytonaPreviewUrl -Id x -Port 0");
        Assert.Contains("ParameterArgumentValidationError", bad.ErrorIds);
        var tooLong = Run("Get-DaytonaPreviewUrl -Id x -Port 80 -Signed -ExpiresInSeconds 86401");
        Assert.Contains("ParameterArgumentValidationError", tooLong.ErrorIds);
    }

    [Fact]
    public void UnknownSandboxIsNotFound()
    {
        var r = Run("Get-DaytonaPreviewUrl -Id no-such-sandbox-xyz -Port 3000");
        Assert.Contains("DaytonaNotFound", r.ErrorIds);
    }
}
