using System.Diagnostics;
using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>
/// Receive-DaytonaCommandLog -Follow across dropped WebSockets: the emulator's ws-drop fault cuts
/// every follow connection inside its stream (possibly inside a 01 01 01 / 02 02 02 marker) until
/// the test switches it off; the client reconnects, skips what it already has, and must deliver
/// every byte exactly once.
/// </summary>
public sealed class LogFollowReconnectTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public LogFollowReconnectTests(EmulatorFixture emu) => _emu = emu;

    // Once flaky under full-suite load, for two reasons, both fixed: the emulator completed a
    // command's log 2 s after its shell exited even when a starved thread pool had not read all the
    // output yet (Stdout cut after out-13; see ToolboxOutputCompletionTests), and this test waited a
    // fixed 1.5 s for drops, so a slow runspace saw fewer than two.
    [Fact]
    public async Task FollowDeliversEveryByteOnceAcrossDrops()
    {
        const int lines = 30;
        var prepared = ModuleHost.Run(_emu.Connect() + $$"""
            $sb = New-DaytonaSandbox
            $sb | Start-DaytonaCommand 'for i in $(seq 1 {{lines}}); do echo out-$i; echo err-$i >&2; sleep 0.1; done; echo tail-no-newline' -SessionId drops
            """).AssertNoErrors();
        var cmd = prepared.Output.Single();

        await _emu.SetFaultsAsync("""{"faultRate":1,"faultKinds":["ws-drop"]}""");
        PsResult result;
        try
        {
            var follow = Task.Run(() => ModuleHost.Run(_emu.Connect() + "$cmd | Receive-DaytonaCommandLog -Follow -Verbose", new Dictionary<string, object> { ["cmd"] = cmd }));
            // Let several connections drop (counted by the emulator, not guessed from a clock: under
            // load the runspace alone can take seconds), then let the next one finish.
            var waited = Stopwatch.StartNew();
            while (_emu.Server.Context.Faults.WsDrops < 3 && !follow.IsCompleted && waited.Elapsed < TimeSpan.FromSeconds(60))
                await Task.Delay(50);
            Assert.False(follow.IsCompleted, "follow ended while every connection was being dropped");
            Assert.True(_emu.Server.Context.Faults.WsDrops >= 3, $"only {_emu.Server.Context.Faults.WsDrops} follow connections were dropped in 60 s");
            await _emu.SetFaultsAsync("""{"faultRate":0}""");
            result = await follow.WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            await _emu.SetFaultsAsync("""{"faultRate":0,"faultKinds":"all"}""");
        }

        result.AssertNoErrors();
        Assert.True(result.Verbose.Count(v => v.Contains("reconnecting after", StringComparison.Ordinal)) >= 2,
            "expected at least two reconnects: " + string.Join(" | ", result.Verbose));
        var log = result.Output.Single();
        Assert.Equal(0, (int?)log.Properties["ExitCode"].Value);
        var expectedOut = string.Concat(Enumerable.Range(1, lines).Select(i => $"out-{i}\n")) + "tail-no-newline\n";
        var expectedErr = string.Concat(Enumerable.Range(1, lines).Select(i => $"err-{i}\n"));
        Assert.Equal(expectedOut, (string)log.Properties["Stdout"].Value);
        Assert.Equal(expectedErr, (string)log.Properties["Stderr"].Value);
        // The live lines (information stream) hold each line exactly once, too.
        var live = result.Information.Select(l => l.Replace("[stderr] ", "")).ToList();
        foreach (var line in expectedOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Concat(expectedErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)))
            Assert.Equal(1, live.Count(l => l == line));
    }
}
