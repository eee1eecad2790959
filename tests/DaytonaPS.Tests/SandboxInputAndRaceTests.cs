using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>
/// What the sandbox cmdlets take from the pipeline, ids that cannot be ids, parameters that cannot
/// go together, concurrent label merges, and a connection closed under a running call.
/// </summary>
public sealed class SandboxInputAndRaceTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public SandboxInputAndRaceTests(EmulatorFixture emu) => _emu = emu;

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);

    [Fact]
    public void PipedObjectsBindByIdSandboxIdOrName_AndOthersAreRefused()
    {
        var name = Unique("bind");
        var r = ModuleHost.Run(_emu.Connect() + $$"""
            $sb = New-DaytonaSandbox -Name {{name}}
            [pscustomobject]@{ Name = '{{name}}' } | Stop-DaytonaSandbox -PassThru | ForEach-Object State
            [pscustomobject]@{ SandboxId = $sb.Id } | Start-DaytonaSandbox -PassThru | ForEach-Object State
            '{{name}}' | Invoke-DaytonaCommand 'echo by-string' | ForEach-Object { $_.Stdout.Trim() }
            @{ Id = $sb.Id } | Stop-DaytonaSandbox -ErrorAction SilentlyContinue -ErrorVariable +bad
            @{ Id = $sb.Id } | Invoke-DaytonaCommand 'true' -ErrorAction SilentlyContinue -ErrorVariable +bad
            @{ Name = '{{name}}' } | Get-DaytonaSandbox -ErrorAction SilentlyContinue -ErrorVariable +bad
            (Get-DaytonaSandbox -Id $sb.Id).State
            $bad | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] }
            """);
        Assert.Null(r.Terminating);
        var lines = r.Output.Select(o => o.ToString()).ToList();
        Assert.Equal(new[] { "stopped", "started", "by-string", "started", "InputObjectNotBound", "InputObjectNotBound", "InputObjectNotBound" }, lines);
    }

    [Theory]
    [InlineData("Get-DaytonaSandbox -Id .")]
    [InlineData("Get-DaytonaSandbox -Id ..")]
    [InlineData("Remove-DaytonaSandbox -Id .. -Force")]
    [InlineData("Start-DaytonaSandbox -Id .")]
    public void DotIdsAreRefusedBeforeAnyCall(string script)
    {
        var r = ModuleHost.Run(_emu.Connect() + script);
        var e = r.Record("DaytonaInvalidArgument");
        Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
        Assert.Empty(r.Output);
    }

    [Theory]
    [InlineData("New-DaytonaSandbox -Cpu 2")]
    [InlineData("New-DaytonaSandbox -Snapshot foo -Memory 4")]
    [InlineData("New-DaytonaSandbox -Name x -Disk 3 -Gpu 1")]
    public void ResourcesWithoutAnImageAreRefusedWithoutPrompting(string script)
    {
        var before = ModuleHost.Run(_emu.Connect() + "@(Get-DaytonaSandbox).Count").AssertNoErrors().Output.Single();
        var r = ModuleHost.Run(_emu.Connect() + script);
        var e = r.Record("DaytonaInvalidArgument");
        Assert.Contains("-Image", e.Exception.Message);
        Assert.Contains("-Image", e.ErrorDetails.RecommendedAction);
        var after = ModuleHost.Run(_emu.Connect() + "@(Get-DaytonaSandbox).Count").AssertNoErrors().Output.Single();
        Assert.Equal(before.ToString(), after.ToString());
    }

    [Fact]
    public void ConcurrentLabelMergesOnOneSandboxAllSurvive()
    {
        var r = ModuleHost.Run(_emu.Connect("-PassThru | Set-Variable ctx") + """
            $sb = New-DaytonaSandbox -NoWait -Context $ctx
            1..10 | ForEach-Object -ThrottleLimit 10 -Parallel {
                Import-Module $using:manifest
                Set-DaytonaSandbox -Id ($using:sb).Id -Label @{ "k$_" = "v$_" } -Context $using:ctx
            }
            $labels = (Get-DaytonaSandbox -Id $sb.Id -Context $ctx).Labels
            1..10 | Where-Object { $labels["k$_"] -eq "v$_" } | Measure-Object | ForEach-Object Count
            """, new Hashtable { ["manifest"] = ModuleHost.ModuleManifest }).AssertNoErrors();
        Assert.Equal("10", r.Output.Last().ToString());
    }

    [Fact]
    public void DisconnectUnderARunningCallIsContextClosed()
    {
        using var rs = ModuleHost.OpenRunspace();
        var ctx = ModuleHost.Run(rs, _emu.Connect("-PassThru") + "").AssertNoErrors().Output.Single();
        ModuleHost.Run(rs, "$sb = New-DaytonaSandbox -Context $ctx", new Hashtable { ["ctx"] = ctx }).AssertNoErrors();
        using var ps = PowerShell.Create();
        ps.Runspace = rs;
        ps.AddScript("$sb | Wait-DaytonaSandbox -State archived -TimeoutSec 0 -Context $ctx");
        var handle = ps.BeginInvoke();
        Thread.Sleep(1000);
        Assert.False(handle.IsCompleted);

        ModuleHost.Run("Disconnect-Daytona -Context $ctx", new Hashtable { ["ctx"] = ctx }).AssertNoErrors();
        var watch = Stopwatch.StartNew();
        Exception? thrown = null;
        try { ps.EndInvoke(handle); } catch (RuntimeException ex) { thrown = ex; }
        var record = (thrown as IContainsErrorRecord)?.ErrorRecord ?? ps.Streams.Error.FirstOrDefault();
        Assert.NotNull(record);
        Assert.StartsWith("DaytonaContextClosed,", record!.FullyQualifiedErrorId);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the wait ended {watch.Elapsed} after the disconnect");
    }
}

/// <summary>An emulator whose state changes take 4 s, so a create can be stopped while it waits.</summary>
public sealed class SlowTransitionEmulatorFixture : EmulatorFixture
{
    protected override int TransitionMs => 4000;
}

/// <summary>Ctrl+C while New-DaytonaSandbox waits: the sandbox it created is removed, or kept with -KeepOnFailure.</summary>
public sealed class CreateInterruptTests : IClassFixture<SlowTransitionEmulatorFixture>
{
    private readonly SlowTransitionEmulatorFixture _emu;

    public CreateInterruptTests(SlowTransitionEmulatorFixture emu) => _emu = emu;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StoppedCreateRemovesOrKeepsItsSandbox(bool keep)
    {
        var name = "ctrlc-" + Guid.NewGuid().ToString("N").Substring(0, 8);
        using var rs = ModuleHost.OpenRunspace();
        ModuleHost.Run(rs, _emu.Connect()).AssertNoErrors();
        using var ps = PowerShell.Create();
        ps.Runspace = rs;
        ps.AddScript($"New-DaytonaSandbox -Name {name} -TimeoutSec 0{(keep ? " -KeepOnFailure" : string.Empty)}");
        var handle = ps.BeginInvoke();
        // Stop it once the sandbox exists, while it waits for 'started' (4 s away).
        var exists = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < exists && ModuleHost.Run(_emu.Connect() + $"Get-DaytonaSandbox -Name {name} -ErrorAction SilentlyContinue").Output.Count == 0)
            Thread.Sleep(100);
        Assert.False(handle.IsCompleted, "New-DaytonaSandbox should still be waiting");
        var watch = Stopwatch.StartNew();
        ps.Stop();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"Stop took {watch.ElapsedMilliseconds} ms");

        // The removal runs in the background: it waits out the 4 s start, then deletes.
        string? state = "unknown";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var r = ModuleHost.Run(_emu.Connect() + $"Get-DaytonaSandbox -Name {name} -ErrorAction SilentlyContinue | ForEach-Object State");
            state = r.Output.Count == 0 ? null : r.Output[0].ToString();
            if (keep ? state == "started" : state is null or "destroying" or "destroyed") break;
            Thread.Sleep(500);
        }
        if (keep) Assert.Equal("started", state);
        else Assert.True(state is null or "destroying" or "destroyed", $"state {state}");
    }
}
