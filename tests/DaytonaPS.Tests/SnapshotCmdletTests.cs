using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>Get-/New-/Remove-/Enable-/Disable-DaytonaSnapshot and snapshot completion through the built module.</summary>
public sealed class SnapshotCmdletTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public SnapshotCmdletTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script) => ModuleHost.Run(_emu.Connect() + script);

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private static T Prop<T>(PSObject o, string name) => (T)o.Properties[name].Value;

    [Fact]
    public void NewWaitsUntilActiveAndGetFindsItByWildcardAndState()
    {
        var name = Unique("py");
        var r = Run($$"""
            $s = New-DaytonaSnapshot -Name '{{name}}' -Image 'python:3.12' -Cpu 2 -Memory 4 -Entrypoint 'sleep', 'infinity' -Verbose
            $s
            Get-DaytonaSnapshot '{{name[..5]}}*'
            @(Get-DaytonaSnapshot -State active | Where-Object Name -eq '{{name}}').Count
            @(Get-DaytonaSnapshot -State inactive | Where-Object Name -eq '{{name}}').Count
            Get-DaytonaSnapshot -Name $s.Id
            ($s | Format-Table | Out-String -Width 200)
            """).AssertNoErrors();
        var created = r.Output[0];
        Assert.Equal("DaytonaPS.Snapshot", created.BaseObject.GetType().FullName);
        Assert.Equal("active", Prop<string>(created, "State"));
        Assert.Equal(2.0, Prop<double>(created, "Cpu"));
        Assert.Equal(4.0, Prop<double>(created, "Memory"));
        Assert.Equal(new[] { "sleep", "infinity" }, Prop<IReadOnlyList<string>>(created, "Entrypoint"));
        Assert.Equal(name, Prop<string>(r.Output[1], "Name"));
        Assert.Equal(1, (int)r.Output[2].BaseObject);
        Assert.Equal(0, (int)r.Output[3].BaseObject);
        Assert.Equal(name, Prop<string>(r.Output[4], "Name"));
        var table = r.Output[5].ToString();
        Assert.Contains("MemGB", table);
        Assert.Contains("python:3.12", table);
        Assert.Contains(r.Verbose, v => v.EndsWith(": pending"));
        Assert.Contains(r.Verbose, v => v.EndsWith(": active"));
    }

    [Fact]
    public void InvalidImagesAreRefusedWithDaytonasMessage()
    {
        var r = Run($"New-DaytonaSnapshot -Name '{Unique("bad")}' -Image 'python:latest'");
        var error = r.Record("DaytonaValidation");
        Assert.Contains("Images with tag \":latest\" are not allowed", error.ToString());
        r = Run($"New-DaytonaSnapshot -Name '{Unique("bad")}' -Image 'python'");
        Assert.Contains("must include a tag", r.Record("DaytonaValidation").ToString());
    }

    [Fact]
    public void AFailedBuildIsAnErrorWithTheBuildLogsTail()
    {
        var dockerfile = Path.Combine(Path.GetTempPath(), $"daytonaps-{Guid.NewGuid():N}.Dockerfile");
        File.WriteAllText(dockerfile, "FROM python:3.12\nRUN mkdir -p /tmp/requests\nRUN exit 7\n");
        try
        {
            var name = Unique("build");
            var r = Run($"New-DaytonaSnapshot -Name '{name}' -Dockerfile '{dockerfile}' -Verbose");
            var error = r.Record("DaytonaSnapshotFailed");
            Assert.Equal(ErrorCategory.InvalidResult, error.CategoryInfo.Category);
            var text = error.ToString();
            Assert.Contains("build_failed", text);
            Assert.Contains("exited with code 7", text);
            Assert.Contains("Last lines of the build log:", text);
            Assert.Contains("RUN mkdir -p /tmp/requests", text);
            Assert.Equal(name, error.TargetObject);
            // The build log went to the verbose stream while it ran.
            Assert.Contains(r.Verbose, v => v.StartsWith("build: #2 RUN mkdir -p /tmp/requests"));
        }
        finally
        {
            File.Delete(dockerfile);
        }
    }

    [Fact]
    public void AnImageThatCannotBePulledIsAnError()
    {
        var r = Run($"New-DaytonaSnapshot -Name '{Unique("nohost")}' -Image 'registry.invalid/app:1.0'");
        var error = r.Record("DaytonaSnapshotFailed");
        Assert.Contains("no such host", error.ToString());
    }

    [Fact]
    public void DisableEnableAndRemoveByNameAndFromThePipeline()
    {
        var name = Unique("cycle");
        var r = Run($$"""
            $s = New-DaytonaSnapshot -Name '{{name}}' -Image 'alpine:3.20'
            (Disable-DaytonaSnapshot -Name '{{name}}' -PassThru).State
            (New-DaytonaSandbox -Snapshot '{{name}}' -ErrorAction SilentlyContinue -ErrorVariable e) | Out-Null
            $e.Count -gt 0
            ($s | Enable-DaytonaSnapshot -PassThru).State
            Remove-DaytonaSnapshot -Name '{{name}}' -WhatIf
            (Get-DaytonaSnapshot -Name '{{name}}').State
            $s | Remove-DaytonaSnapshot -Force
            Get-DaytonaSnapshot -Name '{{name}}' -ErrorAction SilentlyContinue -ErrorVariable gone
            $gone[0].FullyQualifiedErrorId
            """);
        Assert.Equal("inactive", r.Output[0].ToString());
        Assert.True((bool)r.Output[1].BaseObject);
        Assert.Equal("active", r.Output[2].ToString());
        Assert.Equal("active", r.Output[3].ToString());
        Assert.StartsWith("DaytonaNotFound,", r.Output[4].ToString());
    }

    [Fact]
    public void RemovingAGeneralSnapshotIsForbidden()
    {
        var r = Run("Get-DaytonaSnapshot -Name 'daytonaio/sandbox:0.5.0-slim' | Remove-DaytonaSnapshot -Force");
        Assert.Contains("DaytonaForbidden", r.ErrorIds);
    }

    [Fact]
    public void GetPagesThroughMoreThanOneServerPageAndSupportsFirstAndSkip()
    {
        var prefix = Unique("many");
        var r = Run($$"""
            1..205 | ForEach-Object { New-DaytonaSnapshot -Name ('{{prefix}}-{0:d3}' -f $_) -Image 'alpine:3.20' -NoWait } | Out-Null
            @(Get-DaytonaSnapshot).Count -gt 205
            @(Get-DaytonaSnapshot '{{prefix}}-*').Count
            @(Get-DaytonaSnapshot '{{prefix}}-*' -First 3 -Skip 200).Count
            (Get-DaytonaSnapshot '{{prefix}}-*' -IncludeTotalCount -First 1 | Select-Object -First 1).ToString()
            Get-DaytonaSnapshot '{{prefix}}-*' | Remove-DaytonaSnapshot -Force
            """).AssertNoErrors();
        Assert.True((bool)r.Output[0].BaseObject);
        Assert.Equal(205, (int)r.Output[1].BaseObject);
        Assert.Equal(3, (int)r.Output[2].BaseObject);
        Assert.Contains("205", r.Output[3].ToString());
    }

    [Fact]
    public void SnapshotNamesCompleteForNewDaytonaSandbox()
    {
        var name = Unique("comp");
        var r = Run($$"""
            New-DaytonaSnapshot -Name '{{name}}' -Image 'alpine:3.20' -NoWait | Out-Null
            $line = 'New-DaytonaSandbox -Snapshot {{name[..6]}}'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
            """).AssertNoErrors();
        Assert.Contains(name, r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void FromSandboxSnapshotsAPipedSandboxsFilesAndWaitsUntilActive()
    {
        var box = Unique("src");
        var snap = Unique("fromsb");
        var r = Run($$"""
            $sb = New-DaytonaSandbox -Name '{{box}}'
            $null = Invoke-DaytonaCommand -InputObject $sb -Command 'echo prepared > ~/state'
            $s = $sb | New-DaytonaSnapshot -Name '{{snap}}' -Verbose
            $s
            $copy = New-DaytonaSandbox -Snapshot '{{snap}}'
            (Invoke-DaytonaCommand -InputObject $copy -Command 'cat ~/state').Output
            (Get-DaytonaSnapshot -SourceSandbox '{{box}}').Name
            (Get-DaytonaSandbox -Id $sb.Id).State
            """).AssertNoErrors();
        var created = r.Output[0];
        Assert.Equal("DaytonaPS.Snapshot", created.BaseObject.GetType().FullName);
        Assert.Equal(snap, Prop<string>(created, "Name"));
        Assert.Equal("active", Prop<string>(created, "State"));
        Assert.Equal("prepared", r.Output[1].ToString().Trim());
        Assert.Equal(snap, r.Output[2].ToString());
        Assert.Equal("started", r.Output[3].ToString());
        Assert.Contains(r.Verbose, v => v.Contains($"making snapshot '{snap}' from sandbox '{box}'"));
        Assert.Contains(r.Verbose, v => v.EndsWith(": active"));
    }

    [Fact]
    public void FromSandboxByNameWithNoWaitWhatIfAndATakenName()
    {
        var box = Unique("src");
        var snap = Unique("fromsb");
        var r = Run($$"""
            $sb = New-DaytonaSandbox -Name '{{box}}'
            New-DaytonaSnapshot -Name '{{snap}}' -FromSandbox '{{box}}' -WhatIf
            @(Get-DaytonaSnapshot -Name '{{snap}}' -ErrorAction SilentlyContinue).Count
            (New-DaytonaSnapshot '{{snap}}' -FromSandbox $sb.Id -NoWait).Name
            # The sandbox shows 'snapshotting' for a moment and Daytona refuses a second snapshot meanwhile.
            for ($i = 0; $i -lt 100 -and ((Get-DaytonaSandbox -Id $sb.Id).State -ne 'started' -or (Get-DaytonaSnapshot -Name '{{snap}}').State -ne 'active'); $i++) { Start-Sleep -Milliseconds 100 }
            New-DaytonaSnapshot -Name '{{snap}}' -FromSandbox '{{box}}' -ErrorAction SilentlyContinue -ErrorVariable taken
            $taken[0].FullyQualifiedErrorId
            $taken[0].CategoryInfo.Category
            $taken[0].TargetObject
            """);
        Assert.Equal(0, (int)r.Output[0].BaseObject);
        Assert.Equal(snap, r.Output[1].ToString());
        Assert.StartsWith("DaytonaConflict,", r.Output[2].ToString());
        Assert.Equal("ResourceExists", r.Output[3].ToString());
        Assert.Equal(snap, r.Output[4].ToString());
    }

    [Fact]
    public void FromSandboxRefusesASandboxThatIsNeitherStartedNorStoppedAndIncludeMemoryOnAContainer()
    {
        var box = Unique("src");
        var arch = Unique("arch");
        var r = Run($$"""
            $sb = New-DaytonaSandbox -Name '{{box}}'
            $null = $sb | Stop-DaytonaSandbox -Archive
            $sb | New-DaytonaSnapshot -Name '{{arch}}' -ErrorAction SilentlyContinue -ErrorVariable e
            $e[0].FullyQualifiedErrorId
            $e[0].CategoryInfo.Category
            $e[0].ToString()
            $e[0].TargetObject
            @(Get-DaytonaSnapshot -Name '{{arch}}' -ErrorAction SilentlyContinue).Count
            $c = New-DaytonaSandbox
            $c | New-DaytonaSnapshot -Name '{{Unique("mem")}}' -IncludeMemory -ErrorAction SilentlyContinue -ErrorVariable m
            $m[0].FullyQualifiedErrorId
            $m[0].ToString()
            """);
        Assert.StartsWith("DaytonaSnapshotSourceNotReady,", r.Output[0].ToString());
        Assert.Equal("InvalidOperation", r.Output[1].ToString());
        Assert.Contains($"sandbox '{box}'", r.Output[2].ToString());
        Assert.Contains("is archived", r.Output[2].ToString());
        Assert.Equal(arch, r.Output[3].ToString());
        Assert.Equal(0, (int)r.Output[4].BaseObject);
        Assert.StartsWith("DaytonaValidation,", r.Output[5].ToString());
        Assert.Contains("includeMemory", r.Output[6].ToString());
    }

    [Fact]
    public void APipedSnapshotStillBindsToTheImageSetNotFromSandbox()
    {
        var name = Unique("orig");
        var copy = Unique("copy");
        var r = Run($$"""
            $s = New-DaytonaSnapshot -Name '{{name}}' -Image 'alpine:3.20' -NoWait
            ($s | New-DaytonaSnapshot -Name '{{copy}}' -NoWait).ImageName
            (Get-Command New-DaytonaSnapshot).ParameterSets.Name -join ','
            """).AssertNoErrors();
        Assert.Equal("alpine:3.20", r.Output[0].ToString());
        Assert.Equal("Image,Dockerfile,FromSandbox", r.Output[1].ToString());
    }
}
