using System.Diagnostics;
using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>
/// Ctrl+C (a stopped pipeline) ends every long-running cmdlet within a second: remote commands,
/// live output relays, log follows and waits. Each case starts the work, checks it is still running,
/// then stops the pipeline and times how long Stop() takes.
/// </summary>
public sealed class CancellationTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public CancellationTests(EmulatorFixture emu) => _emu = emu;

    [Theory]
    [InlineData("$sb | Invoke-DaytonaCommand 'sleep 60'")]
    [InlineData("$sb | Invoke-DaytonaCommand 'while true; do echo tick; sleep 0.2; done' -Stream")]
    [InlineData("$sb | Start-DaytonaCommand 'sleep 60' -SessionId cancel | Receive-DaytonaCommandLog -Follow")]
    [InlineData("$sb | Wait-DaytonaSandbox -State archived -TimeoutSec 0")]
    public void StoppingThePipelineEndsTheCmdletWithinASecond(string script)
    {
        using var rs = ModuleHost.OpenRunspace();
        ModuleHost.Run(rs, _emu.Connect() + "$sb = New-DaytonaSandbox").AssertNoErrors();
        using var ps = PowerShell.Create();
        ps.Runspace = rs;
        ps.AddScript(script);
        var handle = ps.BeginInvoke();
        Thread.Sleep(1500);
        Assert.False(handle.IsCompleted, "the command should still be running before Stop()");

        var watch = Stopwatch.StartNew();
        ps.Stop();
        watch.Stop();

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"Stop took {watch.ElapsedMilliseconds} ms");
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
    }
}
