using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>
/// Every mutating cmdlet when Daytona acts and its reply is lost (the emulator's targeted
/// lost-reply fault: the handler runs, the connection closes without a byte). The change must
/// happen exactly once and the cmdlet must report success, never a phantom failure such as
/// DaytonaNotFound for the sandbox it just removed. count 2 also loses the reply of the request
/// .NET re-sends by itself on a fresh connection when a reused one dies before the reply.
/// </summary>
public sealed class LostReplyTests : IClassFixture<EmulatorFixture>, IAsyncLifetime
{
    private readonly EmulatorFixture _emu;

    public LostReplyTests(EmulatorFixture emu) => _emu = emu;

    public Task InitializeAsync() => _emu.ClearNextFaultsAsync();

    public Task DisposeAsync() => _emu.ClearNextFaultsAsync();

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);

    private PsResult Run(string script) => ModuleHost.Run(_emu.Connect("-MaximumRetryDelaySec 1") + script);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task RemoveWhoseReplyIsLostSucceeds(int lost)
    {
        var name = Unique("lost-rm");
        Run($"New-DaytonaSandbox -Name {name} | Out-Null").AssertNoErrors();
        await _emu.NextFaultAsync("lost-reply", "DELETE", "/api/sandbox/*", lost);
        Run($"Remove-DaytonaSandbox -Id {name} -Force -Wait").AssertNoErrors();
        Assert.Empty(Run($"Get-DaytonaSandbox -Name {name} -ErrorAction SilentlyContinue").Output);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task CreateWhoseReplyIsLostMakesExactlyOneSandbox(int lost)
    {
        var name = Unique("lost-new");
        await _emu.NextFaultAsync("lost-reply", "POST", "/api/sandbox", lost);
        var r = Run($"New-DaytonaSandbox -Name {name}").AssertNoErrors();
        Assert.Equal("started", Assert.Single(r.Output).Properties["State"].Value?.ToString());
        Assert.Single(Run($"Get-DaytonaSandbox -Name {name}").AssertNoErrors().Output);
    }

    [Theory]
    [InlineData("start", "Stop-DaytonaSandbox -Id {0}", "Start-DaytonaSandbox -Id {0} -PassThru", "started")]
    [InlineData("stop", "", "Stop-DaytonaSandbox -Id {0} -PassThru", "stopped")]
    public async Task StartAndStopWhoseReplyIsLostReachTheirState(string route, string before, string action, string state)
    {
        var name = Unique("lost-" + route);
        Run($"New-DaytonaSandbox -Name {name} | Out-Null").AssertNoErrors();
        if (before.Length > 0) Run(string.Format(before, name)).AssertNoErrors();
        await _emu.NextFaultAsync("lost-reply", "POST", "/api/sandbox/*/" + route, 2);
        var r = Run(string.Format(action, name)).AssertNoErrors();
        Assert.Equal(state, Assert.Single(r.Output).Properties["State"].Value?.ToString());
    }

    [Fact]
    public async Task LabelChangeWhoseReplyIsLostIsApplied()
    {
        var name = Unique("lost-lbl");
        Run($"New-DaytonaSandbox -Name {name} -Label @{{ keep = 'yes' }} | Out-Null").AssertNoErrors();
        await _emu.NextFaultAsync("lost-reply", "PUT", "/api/sandbox/*/labels", 2);
        var r = Run($"Set-DaytonaSandbox -Id {name} -Label @{{ added = 'ok' }} -PassThru").AssertNoErrors();
        var labels = (System.Collections.IDictionary)Assert.Single(r.Output).Properties["Labels"].Value;
        Assert.Equal("yes", labels["keep"]?.ToString());
        Assert.Equal("ok", labels["added"]?.ToString());
    }
}
