using System.Management.Automation;
using System.Text.RegularExpressions;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>
/// New-DaytonaSnapshot -Dockerfile with a build context through the built module: the COPY sources are
/// uploaded to the object storage push-access names (signed S3 requests), the emulator builds the
/// Dockerfile, the build log streams to verbose, and a sandbox from the snapshot has the files.
/// </summary>
public sealed class DockerfileSnapshotCmdletTests : IClassFixture<EmulatorFixture>, IDisposable
{
    private readonly EmulatorFixture _emu;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "daytonaps-ctx-" + Guid.NewGuid().ToString("N")[..8]);

    public DockerfileSnapshotCmdletTests(EmulatorFixture emu)
    {
        _emu = emu;
        Directory.CreateDirectory(Path.Combine(_dir, "app", "lib"));
        File.WriteAllText(Path.Combine(_dir, "app", "main.sh"), "echo running main\n");
        File.WriteAllText(Path.Combine(_dir, "app", "lib", "util.txt"), "util\n");
        File.WriteAllText(Path.Combine(_dir, "notes.md"), "# notes\n");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private PsResult Run(string script) => ModuleHost.Run(_emu.Connect() + script);

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    /// <summary>The storage credentials (a 40-character secret, a 48-character session token) never reach a stream.</summary>
    private static void AssertNoStorageSecret(PsResult r)
    {
        var everything = string.Join("\n", r.Output.Select(o => o?.ToString()).Concat(r.Verbose).Concat(r.Debug).Concat(r.Warnings).Concat(r.Information)
            .Concat(r.Errors.Select(e => e.ToString() + e.ErrorDetails?.Message)));
        Assert.DoesNotMatch(new Regex("[a-z0-9]{40,}"), everything);
        Assert.DoesNotContain("x-amz-security-token", everything, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Credential=", everything);
    }

    [Fact]
    public void ADockerfileWithCopyAndRunBuildsAndItsSandboxesHaveTheFiles()
    {
        var dockerfile = Path.Combine(_dir, "build", "Dockerfile");
        Directory.CreateDirectory(Path.GetDirectoryName(dockerfile)!);
        File.WriteAllText(dockerfile, "FROM python:3.12-slim\nENV GREETING=hello\nCOPY app /home/daytona/app\nCOPY *.md /home/daytona/docs/\nRUN bash /home/daytona/app/main.sh > /home/daytona/ran.txt && echo built-step\n");
        var name = Unique("ctx");
        var r = Run($$"""
            $s = New-DaytonaSnapshot -Name '{{name}}' -Dockerfile '{{dockerfile}}' -ContextPath '{{_dir}}' -Verbose -Debug
            $s.State
            $sb = New-DaytonaSandbox -Snapshot '{{name}}'
            (Invoke-DaytonaCommand -InputObject $sb -Command 'cat app/lib/util.txt docs/notes.md ran.txt; echo $GREETING' -WorkingDirectory /home/daytona).Output
            # The second build of the same context uploads nothing new.
            $null = New-DaytonaSnapshot -Name '{{name}}-2' -Dockerfile '{{dockerfile}}' -ContextPath '{{_dir}}' -Verbose
            """).AssertNoErrors();
        Assert.Equal("active", r.Output[0].ToString());
        Assert.Equal("util\n# notes\nrunning main\nhello", r.Output[1].ToString().TrimEnd('\n'));
        Assert.Contains(r.Verbose, v => v.StartsWith("Build context 'app': 2 file(s)"));
        Assert.Contains(r.Verbose, v => v.StartsWith("Build context 'notes.md': 1 file(s)"));
        Assert.Contains(r.Verbose, v => v.StartsWith("Build context 'app' is uploaded already"));
        // The build log came through verbose while it ran, with the RUN's own output.
        Assert.Contains(r.Verbose, v => v.Contains("build: #5 built-step"));
        AssertNoStorageSecret(r);
    }

    [Fact]
    public void AFailingRunIsAnErrorWithItsLogAndABadContextIsRefusedBeforeAnyCall()
    {
        var dockerfile = Path.Combine(_dir, "Dockerfile");
        File.WriteAllText(dockerfile, "FROM ubuntu:22.04\nCOPY notes.md /tmp/\nRUN echo checking; cat /tmp/notes.md; exit 9\n");
        var name = Unique("fail");
        var r = Run($"New-DaytonaSnapshot -Name '{name}' -Dockerfile '{dockerfile}'");
        var error = r.Record("DaytonaSnapshotFailed");
        Assert.Contains("exited with code 9", error.ToString());
        Assert.Contains("#3 # notes", error.ToString());
        AssertNoStorageSecret(r);

        File.WriteAllText(dockerfile, "FROM ubuntu:22.04\nCOPY ../outside.txt /tmp/\n");
        r = Run($"New-DaytonaSnapshot -Name '{Unique("bad")}' -Dockerfile '{dockerfile}'; @(Get-DaytonaSnapshot -Name 'bad-*').Count");
        Assert.Contains("outside the context folder", r.Record("DaytonaInvalidArgument").ToString());
        Assert.Equal(0, (int)r.Output[0].BaseObject);
        File.WriteAllText(dockerfile, "FROM ubuntu:22.04\nCOPY missing.txt /tmp/\n");
        r = Run($"New-DaytonaSnapshot -Name '{Unique("bad")}' -Dockerfile '{dockerfile}'");
        Assert.Contains("not in the context folder", r.Record("DaytonaInvalidArgument").ToString());
    }

    [Fact]
    public void SandboxClassAndGpuTypeReachDaytonaAndWhatIfUploadsNothing()
    {
        File.WriteAllText(Path.Combine(_dir, "Dockerfile"), "FROM a:1\nCOPY notes.md /tmp/\n");
        var name = Unique("cls");
        var r = Run($$"""
            $s = New-DaytonaSnapshot -Name '{{name}}' -Image 'ubuntu:22.04' -SandboxClass linux-vm
            $s.SandboxClass
            (New-DaytonaSandbox -Snapshot '{{name}}').SandboxClass
            New-DaytonaSnapshot -Name '{{name}}-w' -Dockerfile '{{Path.Combine(_dir, "Dockerfile")}}' -WhatIf -Verbose
            @(Get-DaytonaSnapshot -Name '{{name}}-w' -ErrorAction SilentlyContinue).Count
            """);
        r.AssertNoErrors();
        Assert.DoesNotContain(r.Verbose, v => v.Contains("Build context") || v.Contains("push-access"));
        Assert.Equal("linux-vm", r.Output[0].ToString());
        Assert.Equal("linux-vm", r.Output[1].ToString());
        Assert.Equal(0, (int)r.Output[2].BaseObject);
        r = Run($"New-DaytonaSnapshot -Name '{Unique("bad")}' -Image 'ubuntu:22.04' -SandboxClass mainframe");
        Assert.Contains("sandboxClass must be one of the following values", r.Record("DaytonaValidation").ToString());
    }

    [Fact]
    public void GetDaytonaSnapshotSourceSandboxFindsTheSnapshotsOfASandbox()
    {
        var sandbox = Unique("src");
        var name = Unique("ofsb");
        var r = Run($$"""
            $sb = New-DaytonaSandbox -Name '{{sandbox}}'
            $null = Invoke-DaytonaApi -Method Post -Path "/sandbox/$($sb.Id)/snapshot" -Body @{ name = '{{name}}' }
            $deadline = (Get-Date).AddSeconds(30)
            while ((Get-DaytonaSnapshot -Name '{{name}}').State -ne 'active' -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Get-DaytonaSnapshot -SourceSandbox $sb
            @(Get-DaytonaSnapshot -SourceSandbox '{{sandbox}}').Count
            @(Get-DaytonaSnapshot -SourceSandbox $sb -Name 'daytonaio/*').Count
            """).AssertNoErrors();
        Assert.Equal(name, ((PSObject)r.Output[0]).Properties["Name"].Value);
        Assert.Equal(r.Output[0].Properties["SourceSandboxId"].Value, Run($"(Get-DaytonaSandbox -Id '{sandbox}').Id").Output[0].BaseObject);
        Assert.Equal(1, (int)r.Output[1].BaseObject);
        Assert.Equal(0, (int)r.Output[2].BaseObject);
        Assert.Contains("DaytonaNotFound", Run("Get-DaytonaSnapshot -SourceSandbox 'no-such-sandbox'").ErrorIds);
    }
}
