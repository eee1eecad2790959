using System.Net.Http.Json;
using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>
/// New-DaytonaSandbox's create parameters beyond the basics: -Language, -AutoPauseMinutes, -TtlMinutes,
/// -DomainAllowList, -GpuType/-Spot, -Kvm, -LinkedSandbox, -OutboundProxyUrl; what the emulator stores and shows.
/// </summary>
public sealed class SandboxCreateOptionTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public SandboxCreateOptionTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script) => ModuleHost.Run(_emu.Connect() + script);

    private static T Prop<T>(PSObject o, string name) => (T)o.Properties[name].Value;

    private static void AssertValidation(string daytonaMessage, string line)
    {
        Assert.StartsWith("DaytonaValidation|", line);
        Assert.Contains(daytonaMessage, line);
    }

    [Fact]
    public void LanguageTtlDomainsKvmAndProxyAreSentAndShown()
    {
        var r = Run("""
            $s = New-DaytonaSandbox -Language javascript -TtlMinutes 90 -DomainAllowList 'example.com', ' *.daytona.io ' -Kvm -OutboundProxyUrl 'http://user:p4ss@proxy.example.com:3128'
            $s
            ($s | Invoke-DaytonaCommand 'echo "$HTTPS_PROXY"').Stdout.Trim()
            (Get-DaytonaSandbox -Id $s.Id).Language
            $s | Format-List * | Out-String
            $s | Remove-DaytonaSandbox -Force
            """).AssertNoErrors();
        var s = r.Output[0];
        Assert.Equal("javascript", Prop<string>(s, "Language"));
        Assert.Equal("javascript", ((IReadOnlyDictionary<string, string>)s.Properties["Labels"].Value)["code-toolbox-language"]);
        var created = Prop<DateTimeOffset?>(s, "CreatedAt")!.Value;
        var destroyAt = Prop<DateTimeOffset?>(s, "AutoDestroyAt");
        Assert.NotNull(destroyAt);
        Assert.InRange((destroyAt!.Value - created).TotalMinutes * 60_000 / _emu.Server.Context.Store.MinuteLength.TotalMilliseconds, 89.5, 90.5);
        Assert.Equal("example.com,*.daytona.io", Prop<string>(s, "DomainAllowList"));
        Assert.True(Prop<bool>(s, "Kvm"));
        Assert.Equal("http://proxy.example.com:3128/", Prop<string>(s, "OutboundProxyUrl"));
        Assert.Equal("http://user:p4ss@proxy.example.com:3128", r.Output[1].ToString());   // Daytona sets the proxy variables
        Assert.Equal("javascript", r.Output[2].ToString());
        Assert.DoesNotContain("p4ss", r.Output[3].ToString());                             // the object never shows the password
    }

    [Fact]
    public void ClientSideChecksMatchTheSdks()
    {
        var r = Run("""
            function Id([scriptblock] $b) { try { & $b -ErrorAction Stop | Out-Null; 'no error' } catch { $_.FullyQualifiedErrorId + '|' + $_.Exception.Message } }
            Id { New-DaytonaSandbox -AutoStopMinutes 10 -AutoPauseMinutes 5 }
            Id { New-DaytonaSandbox -Ephemeral -AutoPauseMinutes 5 }
            Id { New-DaytonaSandbox -Language ruby }
            Id { New-DaytonaSandbox -Language typescript -Label @{ 'code-toolbox-language' = 'python' } }
            Id { New-DaytonaSandbox -Image python:3.12 -GpuType H100 }
            Id { New-DaytonaSandbox -GpuType H100 -Gpu 1 }
            Id { New-DaytonaSandbox -LinkedSandbox other }
            Id { New-DaytonaSandbox -OutboundProxyUrl 'ftp://user:s3cr3t@proxy' }
            Id { New-DaytonaSandbox -TtlMinutes -1 }
            Id { Set-DaytonaSandbox -Id x -AutoStopMinutes 10 -AutoPauseMinutes 5 }
            """);
        var lines = r.Output.Select(o => o.ToString()).ToList();
        Assert.StartsWith("DaytonaInvalidArgument,", lines[0]);
        Assert.Contains("exclude each other", lines[0]);
        Assert.Contains("ephemeral", lines[1]);
        Assert.StartsWith("ParameterArgumentValidationError,", lines[2]);
        Assert.Contains("disagree", lines[3]);
        Assert.Contains("-Gpu 1", lines[4]);
        Assert.Contains("-Image", lines[5]);
        Assert.Contains("-Ephemeral", lines[6]);
        Assert.StartsWith("DaytonaInvalidArgument,", lines[7]);
        Assert.DoesNotContain("s3cr3t", lines[7]);
        Assert.StartsWith("ParameterArgumentValidationError,", lines[8]);
        Assert.Contains("exclude each other", lines[9]);
    }

    [Fact]
    public void TheEmulatorAppliesDaytonasRulesToGpuDomainsAndLinks()
    {
        var r = Run("""
            function Msg([scriptblock] $b) { $ErrorActionPreference = 'Stop'; try { & $b | Out-Null; 'no error' } catch { $_.FullyQualifiedErrorId.Split(',')[0] + '|' + $_.Exception.Message } }
            Msg { New-DaytonaSandbox -DomainAllowList 'not a domain' }
            Msg { New-DaytonaSandbox -Image python:3.12 -Gpu 1 -GpuType H100 -NoWait }
            Msg { New-DaytonaSandbox -Image python:3.12 -Gpu 1 -GpuType Z80 -Ephemeral -NoWait }
            $gpu = New-DaytonaSandbox -Image python:3.12 -Gpu 1 -GpuType RTX-4090, H100 -Spot -Ephemeral -NoWait
            "$($gpu.GpuType)|$($gpu.Spot)|$($gpu.Gpu)"
            $parent = New-DaytonaSandbox
            $child = New-DaytonaSandbox -LinkedSandbox $parent.Name -Ephemeral
            $child.LinkedSandboxId -eq $parent.Id
            Msg { New-DaytonaSandbox -LinkedSandbox $child.Id -Ephemeral }
            Msg { New-DaytonaSandbox -AutoPauseMinutes 30 }
            $gpu, $child, $parent | Remove-DaytonaSandbox -Force
            """);
        var lines = r.Output.Select(o => o.ToString()).ToList();
        AssertValidation("Invalid domain: \"not a domain\". Must be a valid domain name", lines[0]);
        AssertValidation("GPU sandboxes must be ephemeral - set autoDeleteInterval to 0", lines[1]);
        AssertValidation("each value in gpuType must be one of the following values: H100,", lines[2]);
        Assert.Equal("RTX-4090|True|1", lines[3]);
        Assert.Equal("True", lines[4]);
        Assert.Contains("chained links are not allowed", lines[5]);
        AssertValidation("Auto-pause is not supported for this sandbox", lines[6]);
    }

    [Fact]
    public async Task AutoPauseIsForVmClassesWhichPauseAfterAnHourByDefault()
    {
        var snapshot = "vmp-" + Guid.NewGuid().ToString("N")[..8];
        using (var http = new HttpClient { BaseAddress = new Uri(_emu.ApiUrl.TrimEnd('/') + "/") })
        {
            http.DefaultRequestHeaders.Authorization = new("Bearer", EmulatorFixture.ApiKey);
            using var created = await http.PostAsJsonAsync("snapshots", new { name = snapshot, imageName = "ubuntu:24.04", sandboxClass = "linux-vm" });
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }
        var r = Run($$"""
            while ((Get-DaytonaSnapshot -Name '{{snapshot}}').State -ne 'active') { Start-Sleep -Milliseconds 100 }
            $a = New-DaytonaSandbox -Snapshot '{{snapshot}}' -AutoPauseMinutes 20 -NoWait
            "$($a.AutoPauseMinutes)|$($a.AutoStopMinutes)"
            $b = New-DaytonaSandbox -Snapshot '{{snapshot}}' -NoWait
            "$($b.AutoPauseMinutes)|$($b.AutoStopMinutes)"
            $a, $b | Remove-DaytonaSandbox -Force
            """).AssertNoErrors();
        Assert.Equal("20|0", r.Output[0].ToString());
        Assert.Equal("60|0", r.Output[1].ToString());
    }
}
