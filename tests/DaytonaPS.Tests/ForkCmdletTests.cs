using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>Copy-DaytonaSandbox (fork) and Get-DaytonaSandbox -ForkOf/-AncestorOf through the built module against the emulator.</summary>
public sealed class ForkCmdletTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public ForkCmdletTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script) => ModuleHost.Run(_emu.Connect() + script);

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private static T Prop<T>(PSObject o, string name) => (T)o.Properties[name].Value;

    /// <summary>A started linux-vm sandbox (the class comes from its snapshot), in $vm.</summary>
    private static string VmSandbox(string snapshot, string name) => $$"""
        $null = New-DaytonaSnapshot -Name '{{snapshot}}' -Image 'ubuntu:22.04' -SandboxClass linux-vm
        $vm = New-DaytonaSandbox -Name '{{name}}' -Snapshot '{{snapshot}}'
        """ + "\n";

    [Fact]
    public void AForkHasTheFilesWrittenBeforeAndIsListedAsAFork()
    {
        var parent = Unique("base");
        var fork = Unique("job");
        var r = Run(VmSandbox(Unique("vm"), parent) + $$"""
            $null = Invoke-DaytonaCommand -InputObject $vm -Command 'echo prepared > ~/state'
            $f = $vm | Copy-DaytonaSandbox -NewName '{{fork}}' -Verbose
            $f
            (Invoke-DaytonaCommand -InputObject $f -Command 'cat ~/state; echo fork-only > ~/state').Output
            (Invoke-DaytonaCommand -InputObject $vm -Command 'cat ~/state').Output
            Get-DaytonaSandbox -ForkOf $vm
            Get-DaytonaSandbox -AncestorOf '{{fork}}'
            @(Get-DaytonaSandbox -AncestorOf $vm).Count
            """).AssertNoErrors();
        var created = r.Output[0];
        Assert.Equal("DaytonaPS.Sandbox", created.BaseObject.GetType().FullName);
        Assert.Equal(fork, Prop<string>(created, "Name"));
        Assert.Equal("started", Prop<string>(created, "State"));
        Assert.Equal("prepared", r.Output[1].ToString().Trim());
        Assert.Equal("prepared", r.Output[2].ToString().Trim());
        Assert.Equal(fork, Prop<string>(r.Output[3], "Name"));
        Assert.Equal(parent, Prop<string>(r.Output[4], "Name"));
        Assert.Equal(0, (int)r.Output[5].BaseObject);
        Assert.Contains(r.Verbose, v => v.Contains("/fork") && v.Contains("200"));
    }

    [Fact]
    public void WhatIfForksNothingAndAContainerIsRefusedWithAHint()
    {
        var parent = Unique("base");
        var r = Run(VmSandbox(Unique("vm"), parent) + """
            $vm | Copy-DaytonaSandbox -NewName 'never' -WhatIf
            @(Get-DaytonaSandbox -ForkOf $vm).Count
            @(Get-DaytonaSandbox -Name 'never' -ErrorAction SilentlyContinue).Count
            """).AssertNoErrors();
        Assert.Equal(0, (int)r.Output[0].BaseObject);
        Assert.Equal(0, (int)r.Output[1].BaseObject);

        var container = Unique("plain");
        r = Run($"$c = New-DaytonaSandbox -Name '{container}'\n'{container}', 'no-such-sandbox' | Copy-DaytonaSandbox");
        var refused = r.Record("DaytonaForkNotSupported");
        Assert.Equal(ErrorCategory.InvalidOperation, refused.CategoryInfo.Category);
        Assert.Contains("New-DaytonaSnapshot -SandboxClass linux-vm", refused.ToString());
        // The other piped sandbox gets its own error; the first did not end the pipeline.
        Assert.Contains("DaytonaNotFound", r.ErrorIds);
    }

    [Fact]
    public void AStoppedSourceAndASourceWithForksAreRefusedAsDaytonaDoes()
    {
        var parent = Unique("base");
        var r = Run(VmSandbox(Unique("vm"), parent) + """
            $f = Copy-DaytonaSandbox -Id $vm.Id
            Remove-DaytonaSandbox -InputObject $vm -Force
            """);
        Assert.Contains("fork", r.Record("DaytonaValidation").ToString());
        r = Run($"""
            Get-DaytonaSandbox -ForkOf '{parent}' | Remove-DaytonaSandbox -Force -Wait
            @(Get-DaytonaSandbox -ForkOf '{parent}' -IncludeDestroyed | Where-Object State -eq destroyed).Count
            Stop-DaytonaSandbox -Id '{parent}'
            Copy-DaytonaSandbox -Id '{parent}'
            """);
        Assert.Equal(1, (int)r.Output[0].BaseObject);
        Assert.Contains("must be started", r.Record("DaytonaValidation").ToString());
    }

    [Fact]
    public async Task AForkWhoseReplyWasLostIsFoundByItsNameAndNotMadeTwice()
    {
        var parent = Unique("base");
        var fork = Unique("job");
        Run(VmSandbox(Unique("vm"), parent)).AssertNoErrors();
        await _emu.NextFaultAsync("lost-reply", "POST", "/api/sandbox/*/fork");
        var r = Run($$"""
            Copy-DaytonaSandbox -Id '{{parent}}' -NewName '{{fork}}' -Verbose
            @(Get-DaytonaSandbox -ForkOf '{{parent}}').Count
            """).AssertNoErrors();
        Assert.Equal(fork, Prop<string>(r.Output[0], "Name"));
        Assert.Equal("started", Prop<string>(r.Output[0], "State"));
        Assert.Equal(1, (int)r.Output[1].BaseObject);
        Assert.Contains(r.Verbose, v => v.Contains("the reply was lost"));
    }
}
