using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>Get-/New-/Remove-DaytonaVolume, mounting through New-DaytonaSandbox -Volume, and volume completion.</summary>
public sealed class VolumeCmdletTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public VolumeCmdletTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script) => ModuleHost.Run(_emu.Connect() + script);

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    [Fact]
    public void AVolumeIsSharedBetweenSandboxesAndCannotBeRemovedWhileMounted()
    {
        var name = Unique("data");
        var r = Run($$"""
            $v = New-DaytonaVolume -Name '{{name}}'
            $v.State
            $a = New-DaytonaSandbox -Volume '{{name}}:/data'
            $b = New-DaytonaSandbox -Volume @{ VolumeId = $v.Id; MountPath = '/shared' }
            ($a | Invoke-DaytonaCommand 'echo hello-from-a > /data/note').ExitCode
            ($b | Invoke-DaytonaCommand 'cat /shared/note').Stdout
            $v | Remove-DaytonaVolume -Force -ErrorAction SilentlyContinue -ErrorVariable busy
            $busy[0].FullyQualifiedErrorId
            $busy[0].CategoryInfo.Category.ToString()
            $a, $b | Remove-DaytonaSandbox -Force
            Remove-DaytonaVolume -Name '{{name}}' -Force
            Start-Sleep -Milliseconds 500
            @(Get-DaytonaVolume '{{name[..6]}}*').Count
            """);
        Assert.Equal("ready", r.Output[0].ToString());
        Assert.Equal(0, (int)r.Output[1].BaseObject);
        Assert.Equal("hello-from-a\n", r.Output[2].ToString());
        Assert.StartsWith("DaytonaConflict,", r.Output[3].ToString());
        Assert.Equal("ResourceBusy", r.Output[4].ToString());
        Assert.Equal(0, (int)r.Output[5].BaseObject);
        Assert.Empty(r.Errors);
    }

    [Fact]
    public void DuplicatesAndPendingVolumesAreRefusedWithTheirIds()
    {
        var name = Unique("dup");
        var r = Run($$"""
            $v = New-DaytonaVolume -Name '{{name}}' -NoWait
            $v.State
            Remove-DaytonaVolume -Name '{{name}}' -Force -ErrorAction SilentlyContinue -ErrorVariable pending
            $pending[0].FullyQualifiedErrorId
            New-DaytonaVolume -Name '{{name}}' -ErrorAction SilentlyContinue -ErrorVariable dup | Out-Null
            $dup[0].FullyQualifiedErrorId
            $dup[0].CategoryInfo.Category.ToString()
            Get-DaytonaVolume -Name 'no-such-volume-x' -ErrorAction SilentlyContinue -ErrorVariable missing
            $missing[0].FullyQualifiedErrorId
            New-DaytonaSandbox -Volume 'no-such-volume-x:/data' -ErrorAction SilentlyContinue -ErrorVariable unknown | Out-Null
            $unknown[0].FullyQualifiedErrorId
            New-DaytonaVolume -Name '{{name}}-w' -WhatIf
            @(Get-DaytonaVolume -Name '{{name}}-w' -ErrorAction SilentlyContinue).Count
            """);
        Assert.Equal("pending_create", r.Output[0].ToString());
        Assert.StartsWith("DaytonaValidation,", r.Output[1].ToString());
        Assert.StartsWith("DaytonaConflict,", r.Output[2].ToString());
        Assert.Equal("ResourceExists", r.Output[3].ToString());
        Assert.StartsWith("DaytonaNotFound,", r.Output[4].ToString());
        Assert.StartsWith("DaytonaNotFound,", r.Output[5].ToString());
        Assert.Equal(0, (int)r.Output[6].BaseObject);
    }

    [Fact]
    public void VolumeNamesCompleteForNewDaytonaSandboxAsAMountSpec()
    {
        var name = Unique("comp");
        var r = Run($$"""
            New-DaytonaVolume -Name '{{name}}' | Out-Null
            $line = 'New-DaytonaSandbox -Volume {{name[..6]}}'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
            $line = 'Get-DaytonaVolume {{name[..6]}}'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
            """).AssertNoErrors();
        var texts = r.Output.Select(o => o.ToString()).ToList();
        Assert.Contains(name + ":/", texts);
        Assert.Contains(name, texts);
    }
}
