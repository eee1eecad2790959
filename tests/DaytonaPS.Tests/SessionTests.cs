using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>Start-DaytonaCommand, Receive-DaytonaCommandLog, Get-/Remove-DaytonaSession against the emulator.</summary>
public sealed class SessionTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public SessionTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script) => ModuleHost.Run(_emu.Connect() + "$sb = New-DaytonaSandbox\n" + script);

    private static T Prop<T>(PSObject o, string name) => (T)o.Properties[name].Value;

    [Fact]
    public void SendInputAnswersAPrompt_WhatIfSendsNothing_AndAnEndedCommandIsDaytonaCommandEnded()
    {
        var r = Run("""
            $cmd = $sb | Start-DaytonaCommand 'read -p "Deploy? " answer; echo "answer=$answer"' -SessionId ask -AcceptInput
            $cmd | Send-DaytonaCommandInput 'nope' -WhatIf
            $cmd | Send-DaytonaCommandInput 'yes' -Verbose
            $log = $cmd | Receive-DaytonaCommandLog -Follow -TimeoutSec 20 -InformationAction Ignore
            $log.ExitCode; $log.Stdout
            $cmd | Send-DaytonaCommandInput 'late'
            'after'
            """);
        Assert.Equal(0, r.Output[0].BaseObject);
        var stdout = r.Output[1].ToString();
        Assert.Contains("yes\n", stdout);            // Daytona echoes input into the log
        Assert.Contains("answer=yes", stdout);
        Assert.DoesNotContain("nope", stdout);        // -WhatIf sent nothing
        Assert.Contains(r.Verbose, v => v.StartsWith("Sent 3 characters to command ", StringComparison.Ordinal));
        var ended = r.Record("DaytonaCommandEnded");
        Assert.Equal(ErrorCategory.InvalidOperation, ended.CategoryInfo.Category);
        Assert.Contains("has already ended", ended.Exception.Message);
        Assert.Equal("after", r.Output.Last().ToString());   // not terminating
    }

    [Fact]
    public void SecureInputWithNoInputEchoReachesTheCommandAndNothingElse()
    {
        const string canary = "CANARY-pw-7d1e";
        var r = Run($$"""
            $ErrorActionPreference = 'Continue'; $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'
            $cmd = $sb | Start-DaytonaCommand 'read -s pw; [ "$pw" = "{{canary[..6]}}$(echo {{canary[6..]}})" ] && echo matched || echo "mismatch"' -SessionId secret -NoInputEcho
            $cmd | Send-DaytonaCommandInput -SecureInput (ConvertTo-SecureString ('{{canary[..6]}}' + '{{canary[6..]}}') -AsPlainText -Force) -Confirm:$false
            $log = $cmd | Receive-DaytonaCommandLog -Follow -TimeoutSec 20
            $log.Stdout; $log.Output
            """).AssertNoErrors();
        Assert.Equal("matched\n", r.Output[0].ToString());
        var everything = string.Join("\n", r.Output.Select(o => o?.ToString())) + string.Join("\n", r.Verbose) + string.Join("\n", r.Debug) + string.Join("\n", r.Information);
        Assert.Contains("a secret line", everything);
        Assert.DoesNotContain(canary, everything);
    }

    [Fact]
    public void EntrypointLogsShowWhyTheServiceDidNotComeUp()
    {
        var name = "entry-" + Guid.NewGuid().ToString("N")[..8];
        var r = ModuleHost.Run(_emu.Connect() + $$"""
            New-DaytonaSnapshot -Name '{{name}}' -Image 'python:3.12' -Entrypoint 'bash', '-c', 'echo "starting server"; echo "port 8080 in use" >&2; exit 3' | Out-Null
            $sb = New-DaytonaSandbox -Snapshot '{{name}}'
            try {
                $log = $sb | Receive-DaytonaCommandLog -Entrypoint -Follow -TimeoutSec 30 -InformationAction Ignore
                $log.ExitCode; $log.Stdout; $log.Stderr; $log.SessionId
                $again = Receive-DaytonaCommandLog -SandboxId $sb.Id -Entrypoint
                $again.Stderr
                $plain = New-DaytonaSandbox
                (Receive-DaytonaCommandLog -SandboxId $plain.Id -Entrypoint).Output.Length
                $plain | Remove-DaytonaSandbox -Force
            } finally { $sb | Remove-DaytonaSandbox -Force; Remove-DaytonaSnapshot -Name '{{name}}' -Force }
            """).AssertNoErrors();
        Assert.Equal(3, r.Output[0].BaseObject);
        Assert.Equal("starting server\n", r.Output[1].ToString());
        Assert.Equal("port 8080 in use\n", r.Output[2].ToString());
        Assert.Equal("entrypoint", r.Output[3].ToString());
        Assert.Equal("port 8080 in use\n", r.Output[4].ToString());   // without -Follow: what it wrote
        Assert.Equal(0, r.Output[5].BaseObject);                      // no entrypoint: an empty log, no error
    }

    [Fact]
    public void SessionIdCompletesFromTheNamedSandboxsSessions()
    {
        var r = Run("""
            $sb | Start-DaytonaCommand 'true' -SessionId build-one | Out-Null
            $sb | Start-DaytonaCommand 'true' -SessionId build-two | Out-Null
            $sb | Start-DaytonaCommand 'true' -SessionId other | Out-Null
            $sb | Invoke-DaytonaCommand 'true' | Out-Null   # makes one of Invoke-DaytonaCommand's own sessions
            function Complete([string] $line) { (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText -join ',' }
            Complete "Get-DaytonaSession -Id $($sb.Id) -SessionId build"
            Complete "Receive-DaytonaCommandLog -SandboxId $($sb.Id) -CommandId x -SessionId "
            Complete 'Remove-DaytonaSession -InputObject $sb -SessionId o'
            Complete 'Start-DaytonaCommand -Id nothing-like-this -Command true -SessionId '
            Complete 'Get-DaytonaSession -SessionId '
            """).AssertNoErrors();
        var lines = r.Output.Select(o => o.ToString()).ToList();
        Assert.Equal("build-one,build-two", lines[0]);
        Assert.Equal("build-one,build-two,other", lines[1]);   // internal sessions left out
        Assert.Equal("other", lines[2]);
        Assert.Equal("", lines[3]);   // an unknown sandbox: nothing, no error
        Assert.Equal("", lines[4]);   // no sandbox named: nothing to complete
    }

    [Fact]
    public void StartReturnsAtOnceAndFollowStreamsUntilTheEnd()
    {
        var r = Run("""
            $cmd = $sb | Start-DaytonaCommand 'echo first; sleep 2; echo oops >&2; sleep 0.2; echo last' -SessionId work
            # Still running according to the service, not only the returned object.
            $running = (Get-DaytonaSession -Id $sb.Id -SessionId work).Commands | Where-Object CommandId -eq $cmd.CommandId
            $cmd
            $cmd | Receive-DaytonaCommandLog -Follow
            $null -eq $running.ExitCode
            """).AssertNoErrors();
        Assert.Equal(3, r.Output.Count);
        var cmd = r.Output[0];
        Assert.Equal("DaytonaPS.SessionCommand", cmd.BaseObject.GetType().FullName);
        Assert.Equal("work", Prop<string>(cmd, "SessionId"));
        Assert.Null(cmd.Properties["ExitCode"].Value);
        Assert.True((bool)r.Output[2].BaseObject, "Start-DaytonaCommand should return while the command still runs");
        var log = r.Output[1];
        Assert.Equal("DaytonaPS.CommandLog", log.BaseObject.GetType().FullName);
        Assert.Equal(0, Prop<int?>(log, "ExitCode"));
        Assert.Equal("first\nlast\n", Prop<string>(log, "Stdout"));
        Assert.Equal("oops\n", Prop<string>(log, "Stderr"));
        Assert.Equal(new[] { "first", "[stderr] oops", "last" }, r.Information);
    }

    [Fact]
    public void FollowAfterTheEndReplaysEverythingOnce()
    {
        var r = Run("""
            $cmd = $sb | Start-DaytonaCommand 'for i in 1 2 3; do echo line$i; done'
            Start-Sleep -Milliseconds 800
            ($cmd | Receive-DaytonaCommandLog -Follow).Stdout
            ($cmd | Receive-DaytonaCommandLog).Stdout
            """).AssertNoErrors();
        Assert.Equal("line1\nline2\nline3\n", r.Output[0].ToString());
        Assert.Equal("line1\nline2\nline3\n", r.Output[1].ToString());
        Assert.Equal(new[] { "line1", "line2", "line3" }, r.Information);
    }

    [Fact]
    public void SessionSurvivesExit3AndOtherShellTricks()
    {
        var r = Run("""
            $a = $sb | Start-DaytonaCommand 'exit 3' -SessionId keep
            $a | Receive-DaytonaCommandLog -Follow | Out-Null
            $b = $sb | Start-DaytonaCommand 'set -e; false' -SessionId keep
            $b | Receive-DaytonaCommandLog -Follow | Out-Null
            $c = $sb | Start-DaytonaCommand 'exec echo survived' -SessionId keep
            $c | Receive-DaytonaCommandLog -Follow | ForEach-Object Stdout
            $s = Get-DaytonaSession -Id $sb.Id -SessionId keep
            $s.Commands | ForEach-Object { "$($_.Command)=$($_.ExitCode)" }
            """).AssertNoErrors();
        Assert.Equal("survived\n", r.Output[0].ToString());
        Assert.Equal(new[] { "exit 3=3", "set -e; false=1", "exec echo survived=0" }, r.Output.Skip(1).Select(o => o.ToString()));
    }

    [Fact]
    public void GetHidesInternalSessionsUnlessAsked()
    {
        var r = Run("""
            $sb | Invoke-DaytonaCommand 'true' | Out-Null
            $sb | Start-DaytonaCommand 'true' -SessionId mine | Out-Null
            (Get-DaytonaSession -Id $sb.Id).SessionId -join ','
            @(Get-DaytonaSession -Id $sb.Id -IncludeInternal).Count
            (Get-DaytonaSession -Id $sb.Id -SessionId 'mi*').SessionId
            (Get-DaytonaSession -Id $sb.Id -SessionId '*').SessionId -join ','
            @(Get-DaytonaSession -Id $sb.Id -SessionId '*' -IncludeInternal).Count
            """).AssertNoErrors();
        Assert.Equal("mine", r.Output[0].ToString());
        Assert.Equal(2, (int)r.Output[1].BaseObject);
        Assert.Equal("mine", r.Output[2].ToString());
        Assert.Equal("mine", r.Output[3].ToString());
        Assert.Equal(2, (int)r.Output[4].BaseObject);
    }

    [Fact]
    public void RemoveHonoursWhatIfThenRemoves()
    {
        var r = Run("""
            $sb | Start-DaytonaCommand 'sleep 30' -SessionId doomed | Out-Null
            Get-DaytonaSession -Id $sb.Id -SessionId doomed | Remove-DaytonaSession -WhatIf
            @(Get-DaytonaSession -Id $sb.Id -SessionId doomed).Count
            Get-DaytonaSession -Id $sb.Id -SessionId doomed | Remove-DaytonaSession -Force
            @(Get-DaytonaSession -Id $sb.Id).Count
            """).AssertNoErrors();
        Assert.Equal(new object[] { 1, 0 }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void UnknownSessionIsNotFound()
    {
        var r = Run("Get-DaytonaSession -Id $sb.Id -SessionId nope\nRemove-DaytonaSession -Id $sb.Id -SessionId nope -Force");
        Assert.Equal(new[] { "DaytonaNotFound", "DaytonaNotFound" }, r.ErrorIds);
    }

    [Fact]
    public void StartWhatIfStartsNothing()
    {
        var r = Run("$sb | Start-DaytonaCommand 'touch /tmp/x' -SessionId w -WhatIf\n@(Get-DaytonaSession -Id $sb.Id).Count").AssertNoErrors();
        Assert.Equal(0, (int)Assert.Single(r.Output).BaseObject);
    }
}
