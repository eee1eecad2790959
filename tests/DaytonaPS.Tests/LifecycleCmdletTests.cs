using System.Management.Automation;
using System.Net.Http.Json;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>Resize-, Suspend-, Resume-DaytonaSandbox, Set-DaytonaSandbox's network/TTL/activity settings, Stop -Retain and Revoke-DaytonaPreviewUrl.</summary>
public sealed class LifecycleCmdletTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public LifecycleCmdletTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script) => ModuleHost.Run(_emu.Connect() + script);

    private static T Prop<T>(PSObject o, string name) => (T)o.Properties[name].Value;

    [Fact]
    public void ResizeFollowsDaytonasRules()
    {
        var r = Run("""
            $sb = New-DaytonaSandbox
            ($sb | Resize-DaytonaSandbox -Cpu 2 -Memory 2 -PassThru) | Select-Object State, Cpu, Memory
            $sb | Resize-DaytonaSandbox -Disk 10 -ErrorAction SilentlyContinue -ErrorVariable running
            "$($running[0].FullyQualifiedErrorId)|$($running[0].Exception.Message)"
            $sb | Resize-DaytonaSandbox -Cpu 2 -ErrorAction SilentlyContinue -ErrorVariable same
            "$($same[0].FullyQualifiedErrorId)|$($same[0].Exception.Message)"
            $sb | Resize-DaytonaSandbox -Cpu 4 -WhatIf
            $sb | Stop-DaytonaSandbox
            ($sb | Resize-DaytonaSandbox -Disk 10 -PassThru) | Select-Object State, Cpu, Disk
            try { $sb | Resize-DaytonaSandbox } catch { $_.FullyQualifiedErrorId }
            $sb | Remove-DaytonaSandbox -Force
            """);
        Assert.Equal("started", Prop<string>(r.Output[0], "State"));
        Assert.Equal(2.0, Prop<double>(r.Output[0], "Cpu"));
        Assert.Equal(2.0, Prop<double>(r.Output[0], "Memory"));
        Assert.StartsWith("DaytonaValidation,", r.Output[1].ToString());
        Assert.Contains("Disk resize can only be performed on a stopped sandbox", r.Output[1].ToString());
        Assert.Contains("No resource changes specified", r.Output[2].ToString());
        Assert.Equal("stopped", Prop<string>(r.Output[3], "State"));
        Assert.Equal(2.0, Prop<double>(r.Output[3], "Cpu"));
        Assert.Equal(10.0, Prop<double>(r.Output[3], "Disk"));
        Assert.StartsWith("DaytonaInvalidArgument,", r.Output[4].ToString());
    }

    [Fact]
    public async Task SuspendAndResumeAVmSandbox()
    {
        var snapshot = "vm-" + Guid.NewGuid().ToString("N")[..8];
        using (var http = new HttpClient { BaseAddress = new Uri(_emu.ApiUrl.TrimEnd('/') + "/") })
        {
            http.DefaultRequestHeaders.Authorization = new("Bearer", EmulatorFixture.ApiKey);
            using var created = await http.PostAsJsonAsync("snapshots", new { name = snapshot, imageName = "ubuntu:24.04", sandboxClass = "linux-vm" });
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }
        var r = Run($$"""
            Get-DaytonaSnapshot -Name '{{snapshot}}' | Out-Null
            while ((Get-DaytonaSnapshot -Name '{{snapshot}}').State -ne 'active') { Start-Sleep -Milliseconds 100 }
            $vm = New-DaytonaSandbox -Snapshot '{{snapshot}}'
            ($vm | Suspend-DaytonaSandbox -PassThru).State
            ($vm | Resume-DaytonaSandbox -PassThru).State
            $vm | Resume-DaytonaSandbox -ErrorAction SilentlyContinue -ErrorVariable notPaused
            $notPaused[0].FullyQualifiedErrorId
            $box = New-DaytonaSandbox
            $box | Suspend-DaytonaSandbox -ErrorAction SilentlyContinue -ErrorVariable container
            "$($container[0].FullyQualifiedErrorId)|$($container[0].Exception.Message)"
            $vm, $box | Remove-DaytonaSandbox -Force
            """);
        Assert.Equal("paused", r.Output[0].ToString());
        Assert.Equal("started", r.Output[1].ToString());
        Assert.StartsWith("DaytonaSandboxNotPaused,", r.Output[2].ToString());
        Assert.StartsWith("DaytonaValidation,", r.Output[3].ToString());
        Assert.Contains("Pausing is not supported for this sandbox", r.Output[3].ToString());
    }

    [Fact]
    public void SetChangesNetworkRulesTtlAutoPauseAndActivity()
    {
        var r = Run("""
            $sb = New-DaytonaSandbox
            $a = $sb | Set-DaytonaSandbox -NetworkBlockAll -DomainAllowList 'example.com', '*.daytona.io' -PassThru
            "$($a.NetworkBlockAll)|$($a.NetworkAllowList)|$($a.DomainAllowList)"
            $b = $sb | Set-DaytonaSandbox -NetworkAllowList '10.0.0.0/8', '192.168.0.0/16' -PassThru
            "$($b.NetworkBlockAll)|$($b.NetworkAllowList)|$($b.DomainAllowList)"
            $c = $sb | Set-DaytonaSandbox -NetworkAllowList @() -DomainAllowList @() -PassThru
            "$($c.NetworkBlockAll)|$($c.NetworkAllowList)|$($c.DomainAllowList)"
            $sb | Set-DaytonaSandbox -NetworkAllowList '10.0.0.0' -ErrorAction SilentlyContinue -ErrorVariable bad
            "$($bad[0].FullyQualifiedErrorId)|$($bad[0].Exception.Message)"
            $d = $sb | Set-DaytonaSandbox -AutoPauseMinutes 15 -TtlMinutes 60 -PassThru
            "$($d.AutoPauseMinutes)|$($null -ne $d.AutoDestroyAt)"
            $before = (Get-DaytonaSandbox -Id $sb.Id).LastActivityAt
            Start-Sleep -Milliseconds 50
            $sb | Set-DaytonaSandbox -TouchActivity
            (Get-DaytonaSandbox -Id $sb.Id).LastActivityAt -gt $before
            $sb | Set-DaytonaSandbox -NetworkBlockAll -WhatIf
            (Get-DaytonaSandbox -Id $sb.Id).NetworkBlockAll
            $sb | Remove-DaytonaSandbox -Force
            """).AssertNoErrors();
        Assert.Equal("True||example.com,*.daytona.io", r.Output[0].ToString());
        Assert.Equal("False|10.0.0.0/8,192.168.0.0/16|example.com,*.daytona.io", r.Output[1].ToString());
        Assert.Equal("False||", r.Output[2].ToString());
        Assert.StartsWith("DaytonaValidation,", r.Output[3].ToString());
        Assert.Contains("Missing CIDR prefix length", r.Output[3].ToString());
        Assert.Equal("15|True", r.Output[4].ToString());
        Assert.True((bool)r.Output[5].BaseObject);
        Assert.False((bool)r.Output[6].BaseObject);
    }

    [Fact]
    public void StopRetainKeepsAnEphemeralSandbox()
    {
        var r = Run("""
            $sb = New-DaytonaSandbox -Ephemeral
            $sb.AutoDeleteMinutes
            $stopped = $sb | Stop-DaytonaSandbox -Retain -PassThru -Verbose
            "$($stopped.State)|$($stopped.AutoDeleteMinutes)"
            (Get-DaytonaSandbox -Id $sb.Id).State
            $sb | Remove-DaytonaSandbox -Force
            """).AssertNoErrors();
        Assert.Equal(0, (int)r.Output[0].BaseObject);
        Assert.Equal("stopped|-1", r.Output[1].ToString());
        Assert.Equal("stopped", r.Output[2].ToString());
        Assert.Contains(r.Verbose, v => v.EndsWith("auto-delete is off."));
    }

    [Fact]
    public void RevokeExpiresOneSignedUrlOrAllOfThemWithoutShowingTokens()
    {
        using var rs = ModuleHost.OpenRunspace();
        var r = ModuleHost.Run(rs, _emu.Connect() + """
            $sb = New-DaytonaSandbox
            $one = $sb | Get-DaytonaPreviewUrl -Port 3000 -Signed
            $two = $sb | Get-DaytonaPreviewUrl -Port 3000 -Signed
            $three = $sb | Get-DaytonaPreviewUrl -Port 8080 -Signed
            $sb.Id
            """).AssertNoErrors();
        var tokens = _emu.Server.Context.Store.Get(r.Output[0].ToString()).SignedPreviewTokens;
        Assert.Equal(3, tokens.Count);
        var all = tokens.Keys.ToList();

        var expire = ModuleHost.Run(rs, "$one | Revoke-DaytonaPreviewUrl -Verbose -Debug").AssertNoErrors();
        Assert.Equal(2, tokens.Count);
        Assert.Contains(expire.Verbose, v => v.Contains("/signed-preview-url/***/expire"));
        foreach (var token in all) Assert.DoesNotContain(expire.Verbose.Concat(expire.Debug), line => line.Contains(token));

        ModuleHost.Run(rs, "$sb.Id | Revoke-DaytonaPreviewUrl -All -WhatIf").AssertNoErrors();
        Assert.Equal(2, tokens.Count);
        ModuleHost.Run(rs, "Revoke-DaytonaPreviewUrl -Id $sb.Id -All -Confirm:$false").AssertNoErrors();
        Assert.Empty(tokens);

        var standard = ModuleHost.Run(rs, "$sb | Get-DaytonaPreviewUrl -Port 3000 | Revoke-DaytonaPreviewUrl; $sb | Remove-DaytonaSandbox -Force");
        Assert.Equal(new[] { "DaytonaInvalidArgument" }, standard.ErrorIds);
    }
}
