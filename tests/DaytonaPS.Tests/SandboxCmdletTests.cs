using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>The lifecycle cmdlets against the in-process emulator, through the built module.</summary>
public sealed class SandboxCmdletTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;
    public SandboxCmdletTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script, IDictionary? vars = null) => ModuleHost.Run(_emu.Connect() + script, vars);

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public void PipingLabelledSandboxesToRemoveRemovesExactlyThose_AndWhatIfChangesNothing()
    {
        var team = Unique("team");
        var r = Run($$"""
            1..3 | ForEach-Object { New-DaytonaSandbox -Name "{{team}}-x$_" -Label @{team='{{team}}'} -NoWait } | Out-Null
            New-DaytonaSandbox -Name '{{team}}-other' -Label @{team='{{team}}-other'} -NoWait | Out-Null
            Get-DaytonaSandbox -Label @{team='{{team}}'} | Remove-DaytonaSandbox -WhatIf
            $afterWhatIf = @(Get-DaytonaSandbox -Label @{team='{{team}}'}).Count
            Get-DaytonaSandbox -Label @{team='{{team}}'} | Remove-DaytonaSandbox -Force -Wait
            [pscustomobject]@{
                AfterWhatIf = $afterWhatIf
                Left = @(Get-DaytonaSandbox -Label @{team='{{team}}'}).Count
                Other = @(Get-DaytonaSandbox -Name '{{team}}-other').Count
            }
            """).AssertNoErrors();
        var o = Assert.Single(r.Output);
        Assert.Equal(3, o.Properties["AfterWhatIf"].Value);
        Assert.Equal(0, o.Properties["Left"].Value);
        Assert.Equal(1, o.Properties["Other"].Value);
    }

    [Fact]
    public void NewWaitsUntilStartedAndReturnsTypedSandbox()
    {
        var name = Unique("new");
        var r = Run($"New-DaytonaSandbox -Name {name} -Label @{{a='1'}} -Environment @{{FOO='bar'}} -AutoStopMinutes 30 -Ephemeral").AssertNoErrors();
        var s = Assert.Single(r.Output);
        Assert.Equal("DaytonaPS.Sandbox", s.BaseObject.GetType().FullName);
        Assert.Equal("started", s.Properties["State"].Value);
        Assert.Equal(name, s.Properties["Name"].Value);
        Assert.Equal(30, s.Properties["AutoStopMinutes"].Value);
        Assert.Equal(0, s.Properties["AutoDeleteMinutes"].Value);
        Assert.Equal(true, s.Properties["Ephemeral"].Value);
        Assert.Equal("bar", ((IReadOnlyDictionary<string, string>)s.Properties["Env"].Value)["FOO"]);
    }

    [Fact]
    public void ResourcesOnlyWithAnImage()
    {
        var r = Run("New-DaytonaSandbox -Name x -Snapshot s -Cpu 2");
        // Issue 8: no longer PowerShell's generic "parameter set cannot be resolved": a DaytonaPS error saying resources need -Image.
        Assert.Contains("-Image", r.Record("DaytonaInvalidArgument").Exception.Message);
        var img = Run($"New-DaytonaSandbox -Name {Unique("img")} -Image python:3.12 -Cpu 2 -Memory 4 -NoWait").AssertNoErrors();
        Assert.Equal(2.0, Assert.Single(img.Output).Properties["Cpu"].Value);
    }

    [Fact]
    public void GetByNameWildcardAndPaging()
    {
        var p = Unique("page");
        var r = Run($$"""
            1..5 | ForEach-Object { New-DaytonaSandbox -Name "{{p}}-$_" -NoWait } | Out-Null
            [pscustomobject]@{
                All = @(Get-DaytonaSandbox -Name '{{p}}-*').Count
                First2 = @(Get-DaytonaSandbox -Name '{{p}}-*' -First 2).Count
                Skip4 = @(Get-DaytonaSandbox -Name '{{p}}-*' -Skip 4).Count
                Exact = (Get-DaytonaSandbox -Name '{{p}}-3').Name
            }
            """).AssertNoErrors();
        var o = Assert.Single(r.Output);
        Assert.Equal(5, o.Properties["All"].Value);
        Assert.Equal(2, o.Properties["First2"].Value);
        Assert.Equal(1, o.Properties["Skip4"].Value);
        Assert.Equal(p + "-3", o.Properties["Exact"].Value);
    }

    [Fact]
    public void UnknownIdAmongPipedIdsIsNonTerminatingObjectNotFound()
    {
        var name = Unique("keep");
        var r = Run($"New-DaytonaSandbox -Name {name} -NoWait | Out-Null\n'no-such-sandbox', '{name}' | Remove-DaytonaSandbox -Force -Wait\n@(Get-DaytonaSandbox -Name {name} -ErrorAction SilentlyContinue).Count");
        var e = Assert.Single(r.Errors);
        Assert.Equal("DaytonaNotFound,DaytonaPS.Commands.Sandbox.RemoveDaytonaSandboxCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, e.CategoryInfo.Category);
        Assert.Equal("no-such-sandbox", e.TargetObject);
        Assert.Null(r.Terminating);
        Assert.Equal(0, r.Output.Last().BaseObject);
    }

    [Fact]
    public void StopStartArchiveAndSet()
    {
        var name = Unique("life");
        var r = Run($$"""
            $s = New-DaytonaSandbox -Name {{name}} -Label @{keep='1'; drop='1'}
            $stopped = $s | Stop-DaytonaSandbox -PassThru
            $started = $s | Start-DaytonaSandbox -PassThru
            $set = Set-DaytonaSandbox -Id {{name}} -Label @{added='2'} -RemoveLabel drop -AutoArchiveMinutes 60 -AutoDeleteMinutes -1 -Public -PassThru
            $replaced = Set-DaytonaSandbox -Id {{name}} -ReplaceLabel @{only='x'} -PassThru
            $archived = Stop-DaytonaSandbox -Id {{name}} -Archive -PassThru
            [pscustomobject]@{
                Stopped = $stopped.State; Started = $started.State; Archived = $archived.State
                Labels = ($set.Labels.Keys | Sort-Object) -join ','; Public = $set.Public; Archive = $set.AutoArchiveMinutes
                Replaced = ($replaced.Labels.Keys | Sort-Object) -join ','
            }
            """).AssertNoErrors();
        var o = Assert.Single(r.Output);
        Assert.Equal("stopped", o.Properties["Stopped"].Value);
        Assert.Equal("started", o.Properties["Started"].Value);
        Assert.Equal("archived", o.Properties["Archived"].Value);
        Assert.Equal("added,code-toolbox-language,daytonaps-create-id,keep", o.Properties["Labels"].Value);
        Assert.Equal(true, o.Properties["Public"].Value);
        Assert.Equal(60, o.Properties["Archive"].Value);
        Assert.Equal("only", o.Properties["Replaced"].Value);
    }

    [Fact]
    public async Task StartRecoversARecoverableErroredSandbox_WaitThrowsOnError()
    {
        var name = Unique("err");
        Run($"New-DaytonaSandbox -Name {name} | Out-Null").AssertNoErrors();
        await _emu.PutAsync($"/_emulator/sandboxes/{name}/error", "{\"errorReason\":\"disk full\",\"recoverable\":true}");
        var wait = Run($"Wait-DaytonaSandbox -Id {name} -TimeoutSec 5");
        Assert.Equal("DaytonaSandboxFailed", Assert.Single(wait.ErrorIds));
        Assert.Contains("disk full", wait.Record("DaytonaSandboxFailed").Exception.Message);
        var r = Run($"(Start-DaytonaSandbox -Id {name} -PassThru).State").AssertNoErrors();
        Assert.Equal("started", r.Output.Single().BaseObject);
    }

    [Fact]
    public void WaitTimesOutWithDaytonaTimeout()
    {
        var name = Unique("wait");
        var r = Run($"New-DaytonaSandbox -Name {name} | Out-Null\nWait-DaytonaSandbox -Id {name} -State stopped -TimeoutSec 1");
        Assert.Equal("DaytonaTimeout", Assert.Single(r.ErrorIds));
        Assert.Equal(ErrorCategory.OperationTimeout, r.Record("DaytonaTimeout").CategoryInfo.Category);
    }

    [Fact]
    public void StoppingThePipelineDuringAWaitReturnsWithinASecond()
    {
        var name = Unique("stop");
        using var rs = ModuleHost.OpenRunspace();
        ModuleHost.Run(rs, _emu.Connect() + $"New-DaytonaSandbox -Name {name} | Out-Null").AssertNoErrors();
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = rs;
        ps.AddScript($"Wait-DaytonaSandbox -Id {name} -State archived -TimeoutSec 0");
        var handle = ps.BeginInvoke();
        Thread.Sleep(1500);
        Assert.False(handle.IsCompleted);
        var watch = Stopwatch.StartNew();
        ps.Stop();
        watch.Stop();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"Stop took {watch.ElapsedMilliseconds} ms");
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
    }

    [Fact]
    public void EveryCmdletDeclaresOutputTypeAndSandboxCmdletsRoundTrip()
    {
        var r = ModuleHost.Run("""
            Get-Command -Module DaytonaPS | ForEach-Object {
                [pscustomobject]@{ Name = $_.Name; Out = ($_.OutputType.Name -join ',') }
            }
            """).AssertNoErrors();
        var map = r.Output.ToDictionary(o => (string)o.Properties["Name"].Value, o => (string)o.Properties["Out"].Value);
        foreach (var c in new[] { "Connect-Daytona", "Disconnect-Daytona", "Get-DaytonaContext", "New-DaytonaSandbox", "Get-DaytonaSandbox",
                     "Remove-DaytonaSandbox", "Start-DaytonaSandbox", "Stop-DaytonaSandbox", "Wait-DaytonaSandbox", "Set-DaytonaSandbox" })
            Assert.True(map.ContainsKey(c), c);
        Assert.Equal("DaytonaPS.Sandbox", map["Get-DaytonaSandbox"]);
        Assert.Equal("DaytonaPS.Sandbox", map["New-DaytonaSandbox"]);
        Assert.Equal("DaytonaPS.Context", map["Connect-Daytona"]);
        var p = ModuleHost.Run("""
            foreach ($c in 'Remove','Start','Stop','Wait','Set') {
                $cmd = Get-Command "$c-DaytonaSandbox"
                [pscustomobject]@{ C = $c; Alias = $cmd.Parameters['Id'].Aliases -join ','; Input = $cmd.Parameters['InputObject'].ParameterType.FullName }
            }
            (Get-Command Remove-DaytonaSandbox).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact
            """).AssertNoErrors();
        foreach (var o in p.Output.Take(5))
        {
            Assert.Equal("SandboxId,Name", o.Properties["Alias"].Value);
            Assert.Equal("DaytonaPS.Sandbox[]", o.Properties["Input"].Value);
        }
        Assert.Equal("High", p.Output.Last().ToString());
    }

    [Fact]
    public void FormatViewsFitIn120Columns()
    {
        var name = Unique("fmt");
        var r = Run($"New-DaytonaSandbox -Name {name} -NoWait | Out-Null\nGet-DaytonaSandbox -Name {name} | Out-String -Width 400\nGet-DaytonaSandbox -Name {name} | Format-List | Out-String -Width 400").AssertNoErrors();
        var table = r.Output[0].ToString().Split('\n').Where(l => l.Contains(name)).ToList();
        Assert.Single(table);
        Assert.True(table[0].TrimEnd().Length <= 120, table[0]);
        Assert.Contains("Labels", r.Output[1].ToString());
    }

    [Fact]
    public void CompletesNamesFromTheService()
    {
        var name = Unique("cmpl");
        var r = Run($"New-DaytonaSandbox -Name {name} -NoWait | Out-Null\n" +
            $"(TabExpansion2 -inputScript 'Remove-DaytonaSandbox -Id {name[..7]}' -cursorColumn {("Remove-DaytonaSandbox -Id " + name[..7]).Length}).CompletionMatches.CompletionText\n" +
            "(TabExpansion2 -inputScript 'Wait-DaytonaSandbox -State arch' -cursorColumn 31).CompletionMatches.CompletionText").AssertNoErrors();
        Assert.Contains(name, r.Output.Select(o => o.ToString()));
        Assert.Contains("archived", r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void NewFromAnImageWithVerboseShowsTheBuildLogAndWithoutItOpensNoLog()
    {
        var name = Unique("build");
        var quiet = Unique("quiet");
        var r = Run($$"""
            $sb = New-DaytonaSandbox -Name '{{name}}' -Image 'python:3.12' -Verbose
            $sb.State
            New-DaytonaSandbox -Name '{{quiet}}' -Image 'python:3.12' -Debug 4>&1 5>&1 | Where-Object { $_ -is [System.Management.Automation.InformationalRecord] } | ForEach-Object Message
            """).AssertNoErrors();
        Assert.Equal("started", r.Output[0].ToString());
        // The emulator's build log: its build step and the end of the build, followed live.
        Assert.True(r.Verbose.Any(v => v.StartsWith("build: #2 building ")), string.Join("\n", r.Verbose));
        Assert.Contains(r.Verbose, v => v.StartsWith("build: Build finished:"));
        Assert.Contains(r.Verbose, v => v.Contains("/build-logs-url"));
        var quietLines = r.Output.Skip(1).Select(o => o.ToString()).ToList();
        // Debug output shows each request: the sandbox was polled, its build log never asked for.
        Assert.Contains(quietLines, l => l.Contains("GET /api/sandbox/"));
        Assert.DoesNotContain(quietLines, l => l.Contains("build-logs"));
    }
}
