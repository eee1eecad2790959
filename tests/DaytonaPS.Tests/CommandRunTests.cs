using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>
/// Command runs through the built module against the emulator (real bash in the sandbox): a
/// restart under pooled sessions, stopped sandboxes and -AutoStart, output limits and -OutFile,
/// commands longer than one argument may be, and one sandbox failing among many.
/// </summary>
public sealed class CommandRunTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public CommandRunTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script, IDictionary<string, object>? variables = null) =>
        ModuleHost.Run(_emu.Connect() + "$sb = New-DaytonaSandbox\n" + script, variables is null ? null : new System.Collections.Hashtable(variables.ToDictionary(k => (object)k.Key, v => v.Value)));

    private static T Prop<T>(PSObject o, string name) => (T)o.Properties[name].Value;

    [Fact]
    public void TheFirstCommandAfterARestartWorks()
    {
        var r = Run("""
            $null = 1..5 | ForEach-Object { $sb } | Invoke-DaytonaCommand 'sleep 0.3; echo before' -ThrottleLimit 5
            $sb | Stop-DaytonaSandbox
            $sb | Start-DaytonaSandbox
            $sb | Invoke-DaytonaCommand 'echo after'
            1..3 | ForEach-Object { $sb } | Invoke-DaytonaCommand 'echo again' -ThrottleLimit 3
            """).AssertNoErrors();
        Assert.Equal(4, r.Output.Count);
        Assert.Equal("after\n", Prop<string>(r.Output[0], "Stdout"));
        Assert.All(r.Output.Skip(1), o => Assert.Equal("again\n", Prop<string>(o, "Stdout")));
    }

    [Fact]
    public void AStoppedSandboxIsDaytonaSandboxNotStarted()
    {
        var r = Run("""
            $sb | Stop-DaytonaSandbox
            $sb | Invoke-DaytonaCommand 'true'
            $sb | Invoke-DaytonaCommand 'cat' -InputText 'x'
            $sb | Start-DaytonaCommand 'true'
            (Get-DaytonaSandbox -Id $sb.Id).State
            """);
        Assert.Equal(new[] { "DaytonaSandboxNotStarted", "DaytonaSandboxNotStarted", "DaytonaSandboxNotStarted" }, r.ErrorIds);
        Assert.All(r.Errors, e =>
        {
            Assert.Equal(ErrorCategory.InvalidOperation, e.CategoryInfo.Category);
            Assert.Contains("-AutoStart", e.ErrorDetails.RecommendedAction);
        });
        Assert.Equal("stopped", Assert.Single(r.Output).ToString());
    }

    [Fact]
    public void AutoStartStartsTheSandboxWaitsAndRuns()
    {
        var r = Run("""
            $sb | Stop-DaytonaSandbox
            $sb | Invoke-DaytonaCommand 'cat; echo " ran"' -InputText 'stdin' -AutoStart
            (Get-DaytonaSandbox -Id $sb.Id).State
            $sb | Stop-DaytonaSandbox
            $cmd = $sb | Start-DaytonaCommand 'echo started' -AutoStart
            ($cmd | Receive-DaytonaCommandLog -Follow).Stdout
            """).AssertNoErrors();
        Assert.Equal("stdin ran\n", Prop<string>(r.Output[0], "Stdout"));
        Assert.Equal("started", r.Output[1].ToString());
        Assert.Equal("started\n", r.Output.Last().ToString());
    }

    [Fact]
    public void OutputBeyondTheLimitIsCutWithAWarningNamingTheSandbox()
    {
        var r = Run("""
            $r = $sb | Invoke-DaytonaCommand 'head -c 3000000 /dev/zero | tr "\0" a; echo err >&2' -MaximumOutputSize 1MB -WarningVariable w
            [pscustomobject]@{ Length = $r.Stdout.Length; Truncated = $r.Truncated; Stderr = $r.Stderr; Exit = $r.ExitCode; Warning = "$w"; Id = $sb.Id }
            $s = $sb | Invoke-DaytonaCommand 'head -c 300000 /dev/zero | tr "\0" b' -MaximumOutputSize 100KB -Stream -WarningAction SilentlyContinue
            [pscustomobject]@{ Length = $s.Stdout.Length; Truncated = $s.Truncated }
            $small = $sb | Invoke-DaytonaCommand 'echo small'
            $small.Truncated
            """).AssertNoErrors();
        var sync = r.Output[0];
        Assert.Equal(1024 * 1024, Prop<int>(sync, "Length"));
        Assert.True(Prop<bool>(sync, "Truncated"));
        Assert.Equal("err\n", Prop<string>(sync, "Stderr"));
        Assert.Equal(0, Prop<int>(sync, "Exit"));
        var warning = Prop<string>(sync, "Warning");
        Assert.Contains(Prop<string>(sync, "Id"), warning);
        Assert.Contains("-MaximumOutputSize (1 MB)", warning);
        Assert.Contains("3,000,000", warning);
        var streamed = r.Output[1];
        Assert.Equal(100 * 1024, Prop<int>(streamed, "Length"));
        Assert.True(Prop<bool>(streamed, "Truncated"));
        Assert.False((bool)r.Output[2].BaseObject);
    }

    [Fact]
    public void OutFileGetsStdoutByteForByte()
    {
        var file = Path.Combine(Path.GetTempPath(), "daytonaps-outfile-" + Guid.NewGuid().ToString("N") + ".bin");
        try
        {
            var r = Run($$"""
                $r = $sb | Invoke-DaytonaCommand 'printf "line1\nbinary:\\001\\377\\376\\000end"; echo warn >&2; head -c 2000000 /dev/zero | tr "\0" z' -OutFile '{{file}}'
                [pscustomobject]@{ Stdout = $r.Stdout; Stderr = $r.Stderr; Exit = $r.ExitCode; Truncated = $r.Truncated }
                """).AssertNoErrors();
            var o = Assert.Single(r.Output);
            Assert.Equal(string.Empty, Prop<string>(o, "Stdout"));
            Assert.Equal("warn\n", Prop<string>(o, "Stderr"));
            Assert.False(Prop<bool>(o, "Truncated"));
            var bytes = File.ReadAllBytes(file);
            var head = System.Text.Encoding.ASCII.GetBytes("line1\nbinary:").Concat(new byte[] { 1, 0xff, 0xfe, 0 }).Concat(System.Text.Encoding.ASCII.GetBytes("end")).ToArray();
            Assert.Equal(head, bytes.Take(head.Length).ToArray());
            Assert.Equal(head.Length + 2_000_000, bytes.Length);
            Assert.All(bytes.Skip(head.Length), b => Assert.Equal((byte)'z', b));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void OutFileTakesOneSandbox()
    {
        var file = Path.Combine(Path.GetTempPath(), "daytonaps-outfile-" + Guid.NewGuid().ToString("N") + ".txt");
        try
        {
            var r = Run($"$two = @($sb, (New-DaytonaSandbox))\n$two | Invoke-DaytonaCommand 'echo one' -OutFile '{file}' -ThrottleLimit 1");
            Assert.Equal(new[] { "DaytonaInvalidArgument" }, r.ErrorIds);
            Assert.Single(r.Output);
            Assert.Equal("one\n", File.ReadAllText(file));
            // A folder that does not exist terminates before anything runs (try/catch sees only terminating errors).
            var missing = Run("try { $sb | Invoke-DaytonaCommand 'true' -OutFile '/no/such/folder/x.txt' } catch { 'caught ' + $_.FullyQualifiedErrorId }").AssertNoErrors();
            Assert.StartsWith("caught DaytonaInvalidArgument,", Assert.Single(missing.Output).ToString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void ACommandLongerThanOneArgumentMayBeRunsFromAnUploadedScript()
    {
        // 2 MB of script: far over Linux's 128 KiB for one argument (the inline form fails with exit 126).
        var command = "x='" + new string('a', 2_000_000) + "'\necho \"${#x} $GREETING\"; cat";
        var r = Run("""
            $sb | Invoke-DaytonaCommand $long -Environment @{ GREETING = 'hi' } -InputText 'in'
            $cmd = $sb | Start-DaytonaCommand $long -SessionId long
            ($cmd | Receive-DaytonaCommandLog -Follow).Stdout
            ((Get-DaytonaSession -Id $sb.Id -SessionId long).Commands[0].Command).Length -lt 3000
            $sb | Invoke-DaytonaCommand 'ls /tmp | grep -c daytonaps-script || true'
            """, new Dictionary<string, object> { ["long"] = command }).AssertNoErrors();
        var result = r.Output[0];
        Assert.Equal(0, Prop<int>(result, "ExitCode"));
        Assert.Equal("2000000 hi\nin", Prop<string>(result, "Stdout"));
        Assert.Equal("2000000 \n", r.Output[1].ToString());
        Assert.True((bool)r.Output[2].BaseObject);
        Assert.Equal("0\n", Prop<string>(r.Output[3], "Stdout"));
    }

    [Fact]
    public async Task AResetForOneSandboxIsAnErrorForThatSandboxOnly()
    {
        var created = ModuleHost.Run(_emu.Connect() + "1..6 | ForEach-Object { New-DaytonaSandbox }").AssertNoErrors();
        var boxes = created.Output.Select(o => o.BaseObject).ToArray();
        await _emu.SetFaultsAsync("""{"faultRate":0.4,"faultKinds":["reset"],"seed":7}""");
        try
        {
            var mixed = false;
            for (var round = 0; round < 12 && !mixed; round++)
            {
                var r = ModuleHost.Run(_emu.Connect() + "$boxes | Invoke-DaytonaCommand 'echo ok' -ThrottleLimit 6\n'end'",
                    new System.Collections.Hashtable { ["boxes"] = boxes });
                // Every sandbox gives a result or an error of its own; the pipeline goes on.
                Assert.Null(r.Terminating);
                Assert.Equal("end", r.Output.Last().ToString());
                var results = r.Output.Count - 1;
                Assert.Equal(6, results + r.Errors.Count);
                Assert.All(r.ErrorIds, id => Assert.Equal("DaytonaConnectionFailed", id));
                mixed = results > 0 && r.Errors.Count > 0;
                if (mixed)
                {
                    var quiet = ModuleHost.Run(_emu.Connect() + "$boxes | Invoke-DaytonaCommand 'echo ok' -ThrottleLimit 6 -ErrorAction SilentlyContinue\n'end'",
                        new System.Collections.Hashtable { ["boxes"] = boxes });
                    Assert.Null(quiet.Terminating);
                    Assert.Empty(quiet.Errors);
                    Assert.Equal("end", quiet.Output.Last().ToString());
                }
            }
            Assert.True(mixed, "no round had both a reset and a result");
        }
        finally
        {
            await _emu.SetFaultsAsync("""{"faultRate":0,"faultKinds":"all"}""");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("-Stream")]
    public async Task ACommandWhoseReplyIsLostRanOnceIsNotSentAgainAndItsSessionIsEnded(string mode)
    {
        var prepared = ModuleHost.Run(_emu.Connect() + "New-DaytonaSandbox").AssertNoErrors();
        var sb = Assert.Single(prepared.Output).BaseObject;
        await _emu.NextFaultAsync("lost-reply", "POST", "/toolbox/*/process/session/*/exec");
        try
        {
            var r = ModuleHost.Run(_emu.Connect() + $"""
                $sb | Invoke-DaytonaCommand 'echo ran >> /tmp/runs' {mode}
                'next'
                ($sb | Invoke-DaytonaCommand 'cat /tmp/runs').Stdout
                @(Get-DaytonaSession -Id $sb.Id -IncludeInternal).Count
                """, new System.Collections.Hashtable { ["sb"] = sb });
            Assert.Equal(new[] { "DaytonaConnectionFailed" }, r.ErrorIds);
            Assert.Null(r.Terminating);
            Assert.Equal("next", r.Output[0].ToString());
            // Never re-sent: a synchronous exec ran to the end before its reply was lost; the start of a
            // followed one (-Stream) may have begun the command, which ending its session then stops.
            if (mode == "") Assert.Equal("ran\n", r.Output[1].ToString());
            else Assert.Contains(r.Output[1].ToString(), new[] { "", "ran\n" });
            // The session whose reply was lost was ended (not left open), so only the new one is there.
            Assert.Equal(1, (int)r.Output[2].BaseObject);
        }
        finally
        {
            await _emu.ClearNextFaultsAsync();
        }
    }

    [Fact]
    public async Task AStartWhoseReplyIsLostRanOnceAndKeepsTheUsersSession()
    {
        var prepared = ModuleHost.Run(_emu.Connect() + "New-DaytonaSandbox").AssertNoErrors();
        var sb = Assert.Single(prepared.Output).BaseObject;
        await _emu.NextFaultAsync("lost-reply", "POST", "/toolbox/*/process/session/mine/exec");
        try
        {
            var r = ModuleHost.Run(_emu.Connect() + """
                $sb | Start-DaytonaCommand 'echo started >> /tmp/starts' -SessionId mine
                Start-Sleep -Milliseconds 500
                ($sb | Invoke-DaytonaCommand 'cat /tmp/starts').Stdout
                (Get-DaytonaSession -Id $sb.Id -SessionId mine).Commands.Count
                """, new System.Collections.Hashtable { ["sb"] = sb });
            Assert.Equal(new[] { "DaytonaConnectionFailed" }, r.ErrorIds);
            Assert.Equal("started\n", r.Output[0].ToString());
            Assert.Equal(1, (int)r.Output[1].BaseObject);
        }
        finally
        {
            await _emu.ClearNextFaultsAsync();
        }
    }

    [Fact]
    public void ReceiveKeepsTheLimitToo()
    {
        var r = Run("""
            $cmd = $sb | Start-DaytonaCommand 'head -c 200000 /dev/zero | tr "\0" c'
            $log = $cmd | Receive-DaytonaCommandLog -Follow -MaximumOutputSize 50KB -WarningVariable w
            $log.Stdout.Length; $log.Truncated; "$w" -match [regex]::Escape($sb.Id)
            $again = $cmd | Receive-DaytonaCommandLog -MaximumOutputSize 10KB -WarningAction SilentlyContinue
            $again.Stdout.Length; $again.Truncated
            """).AssertNoErrors();
        Assert.Equal(new object[] { 50 * 1024, true, true, 10 * 1024, true }, r.Output.Select(o => o.BaseObject));
    }
}
