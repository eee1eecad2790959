using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>Invoke-DaytonaCode and *-DaytonaCodeContext through the built module against the in-process emulator.</summary>
public sealed class CodeTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public CodeTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script) => ModuleHost.Run(_emu.Connect() + "$sb = New-DaytonaSandbox\n" + script);

    private static T Prop<T>(PSObject o, string name) => (T)o.Properties[name].Value;

    [Fact]
    public void ContextKeepsStateAcrossRunsAndContextsAreSeparate()
    {
        var r = Run("""
            $ctx = $sb | New-DaytonaCodeContext
            $other = New-DaytonaCodeContext -Id $sb.Id -WorkingDirectory /tmp
            $ctx | Invoke-DaytonaCode 'import math; r = 2' | Out-Null
            $ctx | Invoke-DaytonaCode 'print(round(math.pi * r ** 2, 3))'
            Invoke-DaytonaCode -Id $sb.Id -ContextId $other.ContextId -Code 'import os; print(os.getcwd(), "r" in globals())'
            Get-DaytonaCodeContext -Id $sb.Id | Sort-Object ContextId | ForEach-Object ContextId | Join-String -Separator ','
            ($ctx.ContextId, $other.ContextId | Sort-Object) -join ','
            """).AssertNoErrors();
        Assert.Equal(4, r.Output.Count);
        var area = r.Output[0];
        Assert.Equal("DaytonaPS.CodeResult", area.BaseObject.GetType().FullName);
        Assert.Equal("12.566\n", Prop<string>(area, "Stdout"));
        Assert.True(Prop<bool>(area, "Succeeded"));
        Assert.Null(area.Properties["ExitCode"].Value);
        Assert.Equal("/tmp False\n", Prop<string>(r.Output[1], "Stdout"));
        Assert.Equal(r.Output[3].BaseObject, r.Output[2].BaseObject);
    }

    [Fact]
    public void DefaultContextIsSharedWithoutContextId()
    {
        var r = Run("""
            $sb | Invoke-DaytonaCode 'seen = 7' | Out-Null
            $sb | Invoke-DaytonaCode 'print(seen * 6)'
            """).AssertNoErrors();
        var result = Assert.Single(r.Output);
        Assert.Equal("42\n", Prop<string>(result, "Stdout"));
        Assert.Equal("default", Prop<string>(result, "ContextId"));
    }

    [Fact]
    public void ExceptionIsDataOnTheResultNotAPowerShellError()
    {
        var r = Run("$sb | Invoke-DaytonaCode \"print('before')`ndef f():`n    return {}['missing']`nf()\"").AssertNoErrors();
        var result = Assert.Single(r.Output);
        Assert.False(Prop<bool>(result, "Succeeded"));
        Assert.Equal("before\n", Prop<string>(result, "Stdout"));
        var error = (PSObject)PSObject.AsPSObject(result.Properties["Error"].Value);
        Assert.Equal("KeyError", Prop<string>(error, "Name"));
        Assert.Equal("'missing'", Prop<string>(error, "Value"));
        var traceback = Prop<string>(error, "Traceback");
        Assert.StartsWith("Traceback (most recent call last):\n", traceback);
        Assert.Contains("File \"<stdin>\", line 4", traceback);
        Assert.EndsWith("KeyError: 'missing'\n", traceback);
    }

    [Fact]
    public void ErrorOnCodeErrorWritesDaytonaCodeFailedAfterTheResult()
    {
        var r = Run("$sb | Invoke-DaytonaCode 'raise ValueError(\"nope\")' -ErrorOnCodeError");
        Assert.Single(r.Output);
        var record = r.Record("DaytonaCodeFailed");
        Assert.Equal(ErrorCategory.InvalidResult, record.CategoryInfo.Category);
        Assert.Contains("ValueError: nope", record.Exception.Message);
        Assert.Equal("DaytonaPS.CodeResult", record.TargetObject.GetType().FullName);
    }

    [Fact]
    public void StdoutAndStderrAreSeparateAndStreamShowsThemLive()
    {
        var r = Run("$sb | Invoke-DaytonaCode \"import sys`nprint('out 1')`nsys.stderr.write('err 1\\n')`nprint('out 2')\" -Stream").AssertNoErrors();
        var result = Assert.Single(r.Output);
        Assert.Equal("out 1\nout 2\n", Prop<string>(result, "Stdout"));
        Assert.Equal("err 1\n", Prop<string>(result, "Stderr"));
        Assert.Equal("out 1\nerr 1\nout 2\n", Prop<string>(result, "Output"));
        Assert.Equal(new[] { "out 1", "[stderr] err 1", "out 2" }, r.Information);
    }

    [Fact]
    public void StreamNeutralisesAzureDevOpsCommandsUnderTfBuild()
    {
        var r = Run("""
            $old = $env:TF_BUILD
            $env:TF_BUILD = 'True'
            try { $sb | Invoke-DaytonaCode 'print("##vso[task.setvariable variable=x]pwned"); print("##[error]fake")' -Stream }
            finally { $env:TF_BUILD = $old }
            """).AssertNoErrors();
        Assert.Equal(new[] { "## vso[task.setvariable variable=x]pwned", "## [error]fake" }, r.Information);
        Assert.StartsWith("##vso[task.setvariable", Prop<string>(Assert.Single(r.Output), "Stdout"));
    }

    [Fact]
    public void TimeoutIsDaytonaCodeTimeoutWithThePartialResultAndTheContextKeepsItsState()
    {
        var r = Run("""
            $ctx = $sb | New-DaytonaCodeContext
            $ctx | Invoke-DaytonaCode 'kept = "yes"' | Out-Null
            $ctx | Invoke-DaytonaCode "import time`nprint('started', flush=True)`ntime.sleep(60)" -TimeoutSec 1
            ($ctx | Invoke-DaytonaCode 'print(kept)').Stdout
            """);
        var record = r.Record("DaytonaCodeTimeout");
        Assert.Equal(ErrorCategory.OperationTimeout, record.CategoryInfo.Category);
        var partial = PSObject.AsPSObject(record.TargetObject);
        Assert.Equal("started\n", Prop<string>(partial, "Stdout"));
        Assert.Equal("yes\n", Assert.Single(r.Output).BaseObject);
    }

    [Fact]
    public void ArgvRunsOnceThroughCodeRunWithEachArgumentWhole()
    {
        var r = Run("""
            $sb | Invoke-DaytonaCode "import sys`nprint(sys.argv[1:])`nsys.exit(4)" -Argv 'a b', "it's", '$HOME'
            $sb | Invoke-DaytonaCode 'console.log(process.argv.slice(1).join("|"))' -Language javascript -Argv x, y
            """).AssertNoErrors();
        Assert.Equal(2, r.Output.Count);
        Assert.Equal("['a b', \"it's\", '$HOME']\n", Prop<string>(r.Output[0], "Stdout"));
        Assert.Equal(4, Prop<int?>(r.Output[0], "ExitCode"));
        Assert.False(Prop<bool>(r.Output[0], "Succeeded"));
        Assert.Null(r.Output[0].Properties["ContextId"].Value);
        Assert.Equal("x|y\n", Prop<string>(r.Output[1], "Stdout"));
    }

    [Fact]
    public void ContextIdWithArgvTerminatesBeforeAnyCall()
    {
        var r = Run("$sb | Invoke-DaytonaCode 'print(1)' -ContextId abc -Argv x");
        Assert.Contains("DaytonaInvalidArgument", r.ErrorIds);
        Assert.Empty(r.Output);
    }

    [Fact]
    public void UnknownContextIsDaytonaNotFound()
    {
        var r = Run("$sb | Invoke-DaytonaCode 'print(1)' -ContextId 00000000-0000-0000-0000-000000000000");
        var record = r.Record("DaytonaNotFound");
        Assert.Equal(ErrorCategory.ObjectNotFound, record.CategoryInfo.Category);
        Assert.Empty(r.Output);
    }

    [Fact]
    public void RemoveHonoursWhatIfThenRemoves()
    {
        var r = Run("""
            $ctx = $sb | New-DaytonaCodeContext
            $ctx | Remove-DaytonaCodeContext -WhatIf
            @(Get-DaytonaCodeContext -Id $sb.Id).Count
            $ctx | Remove-DaytonaCodeContext -Force
            @(Get-DaytonaCodeContext -Id $sb.Id).Count
            $ctx | Remove-DaytonaCodeContext -Force
            """);
        Assert.Equal(new object[] { 1, 0 }, r.Output.Select(o => o.BaseObject).ToArray());
        Assert.Contains("DaytonaNotFound", r.ErrorIds);
        Assert.Single(r.Errors);
    }

    [Fact]
    public void GetWithAnUnknownExactIdIsDaytonaNotFound()
    {
        var r = Run("Get-DaytonaCodeContext -Id $sb.Id -ContextId nope; Get-DaytonaCodeContext -Id $sb.Id -ContextId 'no*'");
        Assert.Equal("DaytonaNotFound", Assert.Single(r.ErrorIds));
        Assert.Empty(r.Output);
    }

    [Fact]
    public void StoppedSandboxIsDaytonaSandboxNotStarted()
    {
        var r = Run("$sb | Stop-DaytonaSandbox | Out-Null\n$sb | Invoke-DaytonaCode 'print(1)'");
        Assert.Contains("DaytonaSandboxNotStarted", r.ErrorIds);
    }
}
