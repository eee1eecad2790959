using System.Globalization;
using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>
/// The module's command runs over the emulator's long-lived session shells (one bash per session,
/// as on Daytona): each of the module's commands still runs in its own child bash (its `cd`,
/// variables and `exit` stay its own), background jobs live on until the sandbox stops, stdin is
/// at end-of-file, a command that kills the session's shell does not break the next run, and
/// commands in several sessions run at the same time.
/// </summary>
public sealed class SessionShellTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public SessionShellTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script) => ModuleHost.Run(_emu.Connect() + "$sb = New-DaytonaSandbox\n" + script);

    private static T Prop<T>(PSObject o, string name) => (T)o.Properties[name].Value;

    [Fact]
    public void EachCommandKeepsItsOwnShellStateInOneSession()
    {
        var r = Run("""
            $a = $sb | Start-DaytonaCommand 'cd /tmp; export MINE=1; alias x=y; exit 3' -SessionId shared
            $a | Receive-DaytonaCommandLog -Follow | ForEach-Object ExitCode
            $b = $sb | Start-DaytonaCommand 'pwd; echo "${MINE-unset}"; alias x 2>&1 | wc -l' -SessionId shared
            $b | Receive-DaytonaCommandLog -Follow | ForEach-Object Stdout
            """).AssertNoErrors();
        Assert.Equal(3, (int)r.Output[0].BaseObject);
        Assert.Equal("/home/daytona\nunset\n1\n", r.Output[1].ToString());
    }

    [Fact]
    public void ABackgroundJobLivesInLaterCommandsAndIsGoneAfterARestart()
    {
        var marker = "job-" + Guid.NewGuid().ToString("N")[..10];
        var r = Run($$"""
            $sb | Invoke-DaytonaCommand "bash -c 'exec -a {{marker}} sleep 300' &" | ForEach-Object ExitCode
            ($sb | Invoke-DaytonaCommand 'ps ax -o args').Stdout -match '{{marker}}'
            $sb | Stop-DaytonaSandbox
            $sb | Start-DaytonaSandbox
            ($sb | Invoke-DaytonaCommand 'ps ax -o args').Stdout -match '{{marker}}'
            """).AssertNoErrors();
        Assert.Equal(new object[] { 0, true, false }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void StdinIsAtEndOfFileAndAKilledSessionShellDoesNotBreakTheNextRun()
    {
        var r = Run("""
            ($sb | Invoke-DaytonaCommand 'cat; echo done').Stdout
            # The command's bash is a child of the session's shell: this kills that shell.
            ($sb | Invoke-DaytonaCommand 'kill -9 $PPID; sleep 5').ExitCode
            ($sb | Invoke-DaytonaCommand 'echo next').Stdout
            """).AssertNoErrors();
        Assert.Equal("done\n", r.Output[0].ToString());
        Assert.Equal(137, (int)r.Output[1].BaseObject);
        Assert.Equal("next\n", r.Output[2].ToString());
    }

    [Fact]
    public void CommandsInOneSandboxRunInSeveralSessionsAtOnce()
    {
        var r = Run("""
            1..4 | ForEach-Object { $sb } | Invoke-DaytonaCommand 'date +%s.%N; sleep 2; date +%s.%N' -ThrottleLimit 4 | ForEach-Object Stdout
            """).AssertNoErrors();
        var spans = r.Output.Select(o =>
        {
            var t = o.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            return (Start: t[0], End: t[1]);
        }).ToArray();
        Assert.Equal(4, spans.Length);
        // In one session they would run one after another and none would overlap.
        var overlapping = spans.Where((a, i) => spans.Where((_, j) => j != i).Any(b => a.Start < b.End && b.Start < a.End)).Count();
        Assert.True(overlapping >= 2, $"only {overlapping} of 4 commands overlapped");
    }
}
