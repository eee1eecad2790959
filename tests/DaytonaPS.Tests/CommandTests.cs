using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>Invoke-DaytonaCommand through the built module against the in-process emulator.</summary>
public sealed class CommandTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public CommandTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script) => ModuleHost.Run(_emu.Connect() + "$sb = New-DaytonaSandbox\n" + script);

    private static PSObject Single(PsResult r) => Assert.Single(r.AssertNoErrors().Output);

    private static T Prop<T>(PSObject o, string name) => (T)o.Properties[name].Value;

    [Theory]
    [InlineData("true", 0)]
    [InlineData("false", 1)]
    [InlineData("no-such-command-xyz", 127)]
    [InlineData("exit 3", 3)]
    public void ExitCodeIsDataNotAnError(string command, int expected)
    {
        var r = Run($"$sb | Invoke-DaytonaCommand '{command}'");
        var result = Single(r);
        Assert.Equal("DaytonaPS.CommandResult", result.BaseObject.GetType().FullName);
        Assert.Equal(expected, Prop<int>(result, "ExitCode"));
        if (expected == 127) Assert.Contains("not found", Prop<string>(result, "Stderr"));
    }

    [Fact]
    public void SeparatesStdoutAndStderrAndKeepsTheCombinedOrder()
    {
        // stdout and stderr are two pipes read separately (as on Daytona): only writes apart in time
        // have a defined order in the combined output, hence the sleeps.
        var result = Single(Run("$sb | Invoke-DaytonaCommand 'echo out1; sleep 0.2; echo err1 >&2; sleep 0.2; echo out2'"));
        Assert.Equal("out1\nout2\n", Prop<string>(result, "Stdout"));
        Assert.Equal("err1\n", Prop<string>(result, "Stderr"));
        Assert.Equal("out1\nerr1\nout2\n", Prop<string>(result, "Output"));
        Assert.True(Prop<TimeSpan>(result, "Duration") > TimeSpan.Zero);
    }

    [Fact]
    public void NonAsciiOutputRoundTrips()
    {
        var result = Single(Run("$sb | Invoke-DaytonaCommand \"printf '%s\\n' 'grüße 日本語 ✓'; echo 'ошибка' >&2\""));
        Assert.Equal("grüße 日本語 ✓\n", Prop<string>(result, "Stdout"));
        Assert.Equal("ошибка\n", Prop<string>(result, "Stderr"));
    }

    [Fact]
    public void WorkingDirectoryEnvironmentAndInputText()
    {
        var r = Run("""
            Invoke-DaytonaCommand 'mkdir -p /tmp/wd1' -Id $sb.Id | Out-Null
            $sb | Invoke-DaytonaCommand 'pwd; echo "$GREETING/$OTHER"; cat' -WorkingDirectory /tmp/wd1 -Environment @{ GREETING = "it's 'quoted' `$x"; OTHER = 42 } -InputText "line1`nline2 ü`n"
            """);
        var result = Single(r);
        Assert.Equal("/tmp/wd1\nit's 'quoted' $x/42\nline1\nline2 ü\n", Prop<string>(result, "Stdout"));
        // the stdin file was removed
        var ls = Single(Run("$sb | Invoke-DaytonaCommand 'ls /tmp | grep -c daytonaps-stdin || true'"));
        Assert.Equal("0\n", Prop<string>(ls, "Stdout"));
    }

    [Fact]
    public void StdinIsDevNullWithoutInputText()
    {
        var result = Single(Run("$sb | Invoke-DaytonaCommand 'cat; echo done' -TimeoutSec 20"));
        Assert.Equal("done\n", Prop<string>(result, "Stdout"));
    }

    [Fact]
    public void InvalidEnvironmentNameTerminatesBeforeAnyCall()
    {
        var r = Run("$sb | Invoke-DaytonaCommand 'true' -Environment @{ 'BAD-NAME' = 1 }");
        Assert.Contains("DaytonaInvalidArgument", r.ErrorIds);
        Assert.Empty(r.Output);
    }

    [Fact]
    public void TimeoutIsDaytonaCommandTimeout()
    {
        var started = DateTime.UtcNow;
        var r = Run("$sb | Invoke-DaytonaCommand 'sleep 30' -TimeoutSec 1");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20), "took " + (DateTime.UtcNow - started));
        Assert.Empty(r.Output);
        var error = Assert.Single(r.Errors);
        Assert.StartsWith("DaytonaCommandTimeout,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
        // the sandbox is still usable afterwards
        Assert.Equal(0, Prop<int>(Single(Run("$sb | Invoke-DaytonaCommand 'true'")), "ExitCode"));
    }

    [Fact]
    public void ErrorOnNonZeroExitWritesDaytonaCommandFailedWithTheResult()
    {
        var r = Run("$sb | Invoke-DaytonaCommand 'echo x; exit 4' -ErrorOnNonZeroExit");
        var error = Assert.Single(r.Errors);
        Assert.StartsWith("DaytonaCommandFailed,", error.FullyQualifiedErrorId);
        var target = PSObject.AsPSObject(error.TargetObject);
        Assert.Equal("DaytonaPS.CommandResult", target.BaseObject.GetType().FullName);
        Assert.Equal(4, Prop<int>(target, "ExitCode"));
        Assert.Single(r.Output);
    }

    [Fact]
    public void NeverSetsLastExitCode()
    {
        var r = Run("$global:LASTEXITCODE = 17\n$sb | Invoke-DaytonaCommand 'exit 5' | Out-Null\n$global:LASTEXITCODE").AssertNoErrors();
        Assert.Equal(17, (int)Assert.Single(r.Output).BaseObject);
    }

    [Theory]
    [InlineData("set -e; false; echo never")]
    [InlineData("exec echo replaced")]
    [InlineData("cat <<EOF\nheredoc body\nEOF")]
    [InlineData("cat <<EOF\nunterminated")]
    [InlineData("exit 3")]
    public void ShellTricksNeitherHangNorBreakTheNextCall(string command)
    {
        var r = Run("$sb | Invoke-DaytonaCommand $cmd -TimeoutSec 20\n$sb | Invoke-DaytonaCommand 'echo alive'".Replace("$cmd", "'" + command.Replace("'", "''") + "'"));
        r.AssertNoErrors();
        Assert.Equal(2, r.Output.Count);
        Assert.Equal("alive\n", Prop<string>(r.Output[1], "Stdout"));
        if (command.StartsWith("cat <<EOF\nheredoc")) Assert.Equal("heredoc body\n", Prop<string>(r.Output[0], "Stdout"));
    }

    [Fact]
    public void WhatIfRunsNothing()
    {
        var r = Run("$sb | Invoke-DaytonaCommand 'touch /tmp/whatif-marker' -WhatIf\n$sb | Invoke-DaytonaCommand 'test -e /tmp/whatif-marker'").AssertNoErrors();
        var result = Assert.Single(r.Output);
        Assert.Equal(1, Prop<int>(result, "ExitCode"));
    }

    [Fact]
    public void WhatIfAndConfirmPreferencesAreHonouredToo()
    {
        // The cmdlets skip the pipeline-thread ShouldProcess only when its answer is known to be yes.
        var r = Run("""
            $WhatIfPreference = $true
            $sb | Invoke-DaytonaCommand 'touch /tmp/pref-marker'
            $sb | Start-DaytonaCommand 'touch /tmp/pref-marker2' -SessionId pref
            $WhatIfPreference = $false
            $ConfirmPreference = 'Medium'
            $sb | Invoke-DaytonaCommand 'touch /tmp/pref-marker3' -Confirm:$false | Out-Null
            $ConfirmPreference = 'High'
            ($sb | Invoke-DaytonaCommand 'ls /tmp/pref-marker* 2>/dev/null').Stdout
            @(Get-DaytonaSession -Id $sb.Id).Count
            """).AssertNoErrors();
        Assert.Equal("/tmp/pref-marker3\n", r.Output[0].ToString());
        Assert.Equal(0, (int)r.Output[1].BaseObject);
    }

    [Fact]
    public void IdParameterAndObjectsWithSandboxIdBind()
    {
        var r = Run("Invoke-DaytonaCommand 'echo a' -Id $sb.Id\n[pscustomobject]@{ SandboxId = $sb.Id } | Invoke-DaytonaCommand 'echo b'").AssertNoErrors();
        Assert.Equal(new[] { "a\n", "b\n" }, r.Output.Select(o => Prop<string>(o, "Stdout")));
    }

    [Fact]
    public void FanOutOverTenSandboxesRunsConcurrently()
    {
        var r = ModuleHost.Run(_emu.Connect() + """
            $boxes = 1..10 | ForEach-Object { New-DaytonaSandbox }
            $results = $boxes | Invoke-DaytonaCommand 'date +%s.%N; sleep 1; date +%s.%N' -ThrottleLimit 10
            [pscustomobject]@{ Results = $results; Ids = $boxes.Id }
            """).AssertNoErrors();
        var o = Assert.Single(r.Output);
        var results = ((IEnumerable<object>)o.Properties["Results"].Value).Select(PSObject.AsPSObject).ToList();
        Assert.Equal(10, results.Count);
        Assert.All(results, x => Assert.Equal(0, Prop<int>(x, "ExitCode")));
        var ids = ((IEnumerable<object>)o.Properties["Ids"].Value).Select(x => x.ToString()).OrderBy(x => x);
        Assert.Equal(ids, results.Select(x => Prop<string>(x, "SandboxId")).OrderBy(x => x));
        // Concurrency shown by the commands' own start and end times (sandboxes share the host's clock),
        // not by a wall-clock limit that load can break: run one after another, no two would overlap.
        var spans = results.Select(x => Prop<string>(x, "Stdout").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(t => double.Parse(t, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToList();
        var mostAtOnce = spans.Max(s => spans.Count(other => other[0] <= s[0] && s[0] < other[1]));
        Assert.True(mostAtOnce >= 3, $"at most {mostAtOnce} of the 10 commands ran at the same time");
    }

    [Fact]
    public void StreamShowsStdoutAndStderrLinesInOrderThenTheResult()
    {
        var r = Run("$sb | Invoke-DaytonaCommand 'echo one; sleep 0.2; echo two >&2; sleep 0.2; echo three' -Stream").AssertNoErrors();
        var result = Assert.Single(r.Output);
        Assert.Equal("one\nthree\n", Prop<string>(result, "Stdout"));
        Assert.Equal("two\n", Prop<string>(result, "Stderr"));
        Assert.Equal("one\ntwo\nthree\n", Prop<string>(result, "Output"));
        Assert.Equal(new[] { "one", "[stderr] two", "three" }, r.Information);
    }

    [Fact]
    public void StreamLinesAreTaggedForCapture()
    {
        var r = Run("$null = $sb | Invoke-DaytonaCommand 'echo a; sleep 0.2; echo b >&2' -Stream -InformationVariable iv\n$iv | ForEach-Object { $_.Tags -join ',' }").AssertNoErrors();
        var tags = r.Output.Select(o => o.ToString()).ToList();
        Assert.Equal(2, tags.Count);
        Assert.StartsWith("PSHOST,DaytonaPS.Stdout,DaytonaPS.Sandbox:", tags[0]);
        Assert.StartsWith("PSHOST,DaytonaPS.Stderr,DaytonaPS.Sandbox:", tags[1]);
    }

    [Fact]
    public void StreamNeutralisesAzureDevOpsCommandsUnderTfBuild()
    {
        var r = Run("""
            $old = $env:TF_BUILD
            $env:TF_BUILD = 'True'
            try { $sb | Invoke-DaytonaCommand 'echo "##vso[task.setvariable variable=x]pwned"; echo "##[error]fake"; echo "a ##vso[task.complete]"; echo plain' -Stream }
            finally { $env:TF_BUILD = $old }
            """).AssertNoErrors();
        // Folded into one log group (its title neutralised too: it quotes the command), sandbox lines neutralised.
        Assert.StartsWith("##[group]Invoke-DaytonaCommand: 'echo \"## vso[task.setvariable", r.Information[0]);
        Assert.Equal("##[endgroup]", r.Information[^1]);
        Assert.Equal(new[] { "## vso[task.setvariable variable=x]pwned", "## [error]fake", "a ## vso[task.complete]", "plain" }, r.Information.Skip(1).SkipLast(1));
        // the result keeps the real output
        Assert.StartsWith("##vso[task.setvariable", Prop<string>(Assert.Single(r.Output), "Stdout"));
    }

    /// <summary>Lines the Azure DevOps agent would execute: "##vso[" anywhere, "##[" at the start (after white space).</summary>
    private static IEnumerable<string> AgentCommands(string text) =>
        text.Split('\n', '\r').Where(l => l.Contains("##vso[", StringComparison.OrdinalIgnoreCase) || l.TrimStart().StartsWith("##[", StringComparison.Ordinal));

    [Fact]
    public void ViewsNeutraliseAzureDevOpsCommandsUnderTfBuildAndPropertiesKeepTheBytes()
    {
        var r = Run("""
            $r = $sb | Invoke-DaytonaCommand 'echo "##vso[task.setvariable variable=x]pwned"; echo "##[error]fake" >&2; echo "  ##vso[task.complete]x"'
            $cmd = $sb | Start-DaytonaCommand 'echo "##vso[task.logissue]y"'
            $log = $cmd | Receive-DaytonaCommandLog -Follow 6>$null
            $old = $env:TF_BUILD
            $env:TF_BUILD = 'True'
            try {
                $r | Out-String -Width 250
                $r | Format-List | Out-String
                $log | Out-String
                $cmd | Out-String -Width 250
                Get-DaytonaSession -Id $sb.Id | Select-Object -ExpandProperty Commands | Out-String -Width 250
            }
            finally { $env:TF_BUILD = $old }
            $env:TF_BUILD = $null
            try { $r | Format-List | Out-String } finally { $env:TF_BUILD = $old }
            $r.Stdout
            $log.Stdout
            """).AssertNoErrors();
        Assert.Equal(8, r.Output.Count);
        var underAgent = r.Output.Take(5).Select(o => o.ToString()!).ToList();
        foreach (var view in underAgent) Assert.Empty(AgentCommands(view));
        Assert.Contains("## vso[task.setvariable", underAgent[0]);
        Assert.Contains("## vso[task.setvariable variable=x]pwned", underAgent[1]);
        Assert.Contains("## [error]fake", underAgent[1]);
        Assert.Contains("## vso[task.logissue]y", underAgent[2]);
        Assert.Contains("## vso[task.logissue]", underAgent[3]);
        Assert.Contains("## vso[task.logissue]", underAgent[4]);
        // Outside Azure DevOps the views show the text as it is, and the properties always keep it.
        Assert.Contains("##vso[task.setvariable variable=x]pwned", r.Output[5].ToString());
        Assert.Equal("##vso[task.setvariable variable=x]pwned\n  ##vso[task.complete]x\n", r.Output[6].ToString());
        Assert.Equal("##vso[task.logissue]y\n", r.Output[7].ToString());
    }

    [Fact]
    public void TfBuildMeansAzureDevOpsOnlyWhenItIsTrue()
    {
        var r = Run("""
            $old = $env:TF_BUILD
            $env:TF_BUILD = 'false'
            try { $sb | Invoke-DaytonaCommand 'echo "##vso[x]"' -Stream | Out-Null } finally { $env:TF_BUILD = $old }
            $env:TF_BUILD = 'true'
            try { $sb | Invoke-DaytonaCommand 'echo "##vso[y]"' -Stream | Out-Null } finally { $env:TF_BUILD = $old }
            """).AssertNoErrors();
        // 'true' counts (case-insensitive): its run is neutralised and folded into a log group; 'false' is neither.
        Assert.Equal(new[] { "##vso[x]", "## vso[y]" }, r.Information.Where(i => !i.StartsWith("##[group]", StringComparison.Ordinal) && i != "##[endgroup]"));
        Assert.Equal(1, r.Information.Count(i => i.StartsWith("##[group]", StringComparison.Ordinal)));
        Assert.Equal("##[endgroup]", r.Information[^1]);
    }

    [Fact]
    public void StreamWithoutTfBuildRelaysLinesAsTheyAre()
    {
        var r = Run("""
            $old = $env:TF_BUILD
            $env:TF_BUILD = $null
            try { $sb | Invoke-DaytonaCommand 'echo "##vso[x]"' -Stream } finally { $env:TF_BUILD = $old }
            """).AssertNoErrors();
        Assert.Equal(new[] { "##vso[x]" }, r.Information);
    }

    [Fact]
    public void StreamTimeoutIsDaytonaCommandTimeout()
    {
        var r = Run("$sb | Invoke-DaytonaCommand 'echo started; sleep 30' -Stream -TimeoutSec 1");
        var error = Assert.Single(r.Errors);
        Assert.StartsWith("DaytonaCommandTimeout,", error.FullyQualifiedErrorId);
        Assert.Contains("started", r.Information);
    }

    [Fact]
    public void StoppedSandboxIsAnErrorNotAHang()
    {
        var r = Run("$sb | Stop-DaytonaSandbox | Out-Null\n$sb | Invoke-DaytonaCommand 'true'\n'next'");
        Assert.Single(r.Errors);
        Assert.Equal("next", r.Output.Last().ToString());
    }
}
