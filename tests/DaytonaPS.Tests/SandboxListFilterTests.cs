using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>
/// Get-DaytonaSandbox's server-side filters and sort through the built module against the
/// in-process emulator: what goes on the wire (the -Verbose request line), what comes back,
/// and how they combine with -Label, -Name, paging and the idle clean-up pipeline.
/// </summary>
public sealed class SandboxListFilterTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;
    public SandboxListFilterTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script) => ModuleHost.Run(_emu.Connect() + script);

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Creates sandboxes named {run}-{i} labelled run={run} and returns their ids.</summary>
    private List<string> Create(string run, int count, string extra = "")
    {
        var r = Run($"1..{count} | ForEach-Object {{ New-DaytonaSandbox -Name \"{run}-$_\" -Label @{{run='{run}'}} -NoWait {extra} }} | ForEach-Object Id").AssertNoErrors();
        return r.Output.Select(o => (string)o.BaseObject).ToList();
    }

    private Emulator.SandboxRecord Record(string id) => _emu.Server.Context.Store.Get(id);

    private static List<string> Names(PsResult r) => r.Output.Select(o => (string)o.Properties["Name"].Value).ToList();

    [Fact]
    public void IdleCleanupLineRemovesOnlyTheIdleOnes_WithOneFilteredListCall()
    {
        var run = Unique("idle");
        var ids = Create(run, 4);
        Record(ids[0]).SetLastActivity(DateTime.UtcNow.AddDays(-3));
        Record(ids[2]).SetLastActivity(DateTime.UtcNow.AddDays(-2));

        var r = Run($$"""
            Get-DaytonaSandbox -Label @{run='{{run}}'} -LastActivityBefore (Get-Date).AddDays(-1) -Verbose | Remove-DaytonaSandbox -Force -Wait
            (Get-DaytonaSandbox -Label @{run='{{run}}'} -SortBy Name).Name -join ','
            """).AssertNoErrors();
        var lines = r.Output.Select(o => o.BaseObject.ToString()!).ToList();
        var call = Assert.Single(r.Verbose, l => l.StartsWith("GET /", StringComparison.Ordinal) && l.Contains("/sandbox?"));
        Assert.Contains("lastEventBefore=", call);
        Assert.Contains("labels=", call);
        Assert.Equal($"{run}-2,{run}-4", lines[^1]);
    }

    [Fact]
    public void DatesGoAsUtcIsoAndBoundsAreInclusive()
    {
        var run = Unique("dates");
        var ids = Create(run, 3);
        var day = new DateTime(2026, 5, 1, 8, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < 3; i++)
        {
            lock (_emu.Server.Context.Store.Sync) Record(ids[i]).CreatedAt = day.AddDays(i);
        }
        var r = Run($$"""
            $day = [datetime]::SpecifyKind([datetime]'2026-05-01T08:00:00', 'Utc')
            (Get-DaytonaSandbox -Label @{run='{{run}}'} -CreatedAfter $day.AddDays(1) -SortBy CreatedAt).Name -join ','
            (Get-DaytonaSandbox -Label @{run='{{run}}'} -CreatedBefore $day.AddDays(1) -SortBy CreatedAt -Descending).Name -join ','
            (Get-DaytonaSandbox -Label @{run='{{run}}'} -CreatedAfter $day.AddHours(1) -CreatedBefore $day.AddDays(1).AddHours(1)).Name -join ','
            # A local time names the same instant as its UTC form.
            (Get-DaytonaSandbox -Label @{run='{{run}}'} -CreatedBefore $day.ToLocalTime()).Name -join ','
            @(Get-DaytonaSandbox -Label @{run='{{run}}'} -CreatedAfter $day.AddDays(2) -Verbose).Count
            """).AssertNoErrors();
        var lines = r.Output.Select(o => o.BaseObject.ToString()!).ToList();
        Assert.Equal($"{run}-2,{run}-3", lines[0]);
        Assert.Equal($"{run}-2,{run}-1", lines[1]);
        Assert.Equal($"{run}-2", lines[2]);
        Assert.Equal($"{run}-1", lines[3]);
        Assert.Equal("1", lines[4]);
        Assert.Contains(r.Verbose, l => l.Contains("createdAtAfter=2026-05-03T08%3A00%3A00.000Z"));
    }

    [Fact]
    public void SortByResourceWithPagingAndResourceAndFlagFilters()
    {
        var run = Unique("res");
        var ids = Create(run, 3);
        var sizes = new[] { (Cpu: 2, Mem: 1, Disk: 5), (Cpu: 1, Mem: 4, Disk: 3), (Cpu: 4, Mem: 2, Disk: 10) };
        for (var i = 0; i < 3; i++)
        {
            var s = Record(ids[i]);
            s.Cpu = sizes[i].Cpu; s.Memory = sizes[i].Mem; s.Disk = sizes[i].Disk;
        }
        Record(ids[1]).Public = true;
        var r = Run($$"""
            $l = @{run='{{run}}'}
            (Get-DaytonaSandbox -Label $l -SortBy Cpu).Name -join ','
            (Get-DaytonaSandbox -Label $l -SortBy Cpu -Descending -First 2).Name -join ','
            (Get-DaytonaSandbox -Label $l -SortBy Memory -Skip 1 -First 1).Name -join ','
            (Get-DaytonaSandbox -Label $l -SortBy Disk -Descending).Name -join ','
            (Get-DaytonaSandbox -Label $l -MinCpu 2 -SortBy Name).Name -join ','
            (Get-DaytonaSandbox -Label $l -MaxMemory 2 -MinDisk 5 -SortBy Name).Name -join ','
            (Get-DaytonaSandbox -Label $l -MinMemory 4 -MaxDisk 3).Name -join ','
            (Get-DaytonaSandbox -Label $l -Public).Name -join ','
            (Get-DaytonaSandbox -Label $l -Public:$false -SortBy Name).Name -join ','
            (Get-DaytonaSandbox -Label $l -Snapshot 'daytonaio/sandbox:0.5.0-slim', 'other' -SortBy Name).Name -join ','
            @(Get-DaytonaSandbox -Label $l -Snapshot 'other').Count
            (Get-DaytonaSandbox -Name '{{run}}-[13]' -SortBy Cpu -Descending).Name -join ','
            @(Get-DaytonaSandbox -Label $l -Recoverable).Count
            """).AssertNoErrors();
        var lines = r.Output.Select(o => o.BaseObject.ToString()!).ToList();
        Assert.Equal($"{run}-2,{run}-1,{run}-3", lines[0]);
        Assert.Equal($"{run}-3,{run}-1", lines[1]);
        Assert.Equal($"{run}-3", lines[2]);
        Assert.Equal($"{run}-3,{run}-1,{run}-2", lines[3]);
        Assert.Equal($"{run}-1,{run}-3", lines[4]);
        Assert.Equal($"{run}-1,{run}-3", lines[5]);
        Assert.Equal($"{run}-2", lines[6]);
        Assert.Equal($"{run}-2", lines[7]);
        Assert.Equal($"{run}-1,{run}-3", lines[8]);
        Assert.Equal($"{run}-1,{run}-2,{run}-3", lines[9]);
        Assert.Equal("0", lines[10]);
        Assert.Equal($"{run}-3,{run}-1", lines[11]);
        Assert.Equal("0", lines[12]);
    }

    [Fact]
    public void SortAndFlagsOnTheWire()
    {
        var r = Run("""
            Get-DaytonaSandbox -Name zz-none -SortBy Memory -Verbose -ErrorAction SilentlyContinue
            Get-DaytonaSandbox -Label @{a='b'} -SortBy LastActivityAt -Descending -Public:$false -Recoverable -Verbose
            Get-DaytonaSandbox -Label @{a='b'} -Verbose
            Get-DaytonaSandbox -Label @{a='b'} -MinCpu 1 -MaxCpu 2 -MinMemory 3 -MaxMemory 4 -MinDisk 5 -MaxDisk 6 -Snapshot s1, s2 -Verbose
            """);
        var lines = r.Verbose.Where(l => l.StartsWith("GET /", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, lines.Count);
        Assert.Contains("sort=memoryGib&order=asc", lines[0]);
        Assert.Contains("isPublic=false&isRecoverable=true", lines[1]);
        Assert.Contains("sort=lastActivityAt&order=desc", lines[1]);
        Assert.DoesNotContain("sort=", lines[2]);
        Assert.DoesNotContain("order=", lines[2]);
        Assert.DoesNotContain("isPublic", lines[2]);
        Assert.Contains("snapshots=s1&snapshots=s2", lines[3]);
        Assert.Contains("minCpu=1&maxCpu=2&minMemoryGiB=3&maxMemoryGiB=4&minDiskGiB=5&maxDiskGiB=6", lines[3]);
    }

    [Fact]
    public void ContradictoryRangesAndBadValuesAreClearErrors()
    {
        var r = Run("Get-DaytonaSandbox -MinCpu 4 -MaxCpu 2");
        var e = r.Record("DaytonaInvalidArgument");
        Assert.Contains("-MinCpu (4) is above -MaxCpu (2)", e.Exception.Message);
        Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
        Assert.Empty(r.Output);

        r = Run("Get-DaytonaSandbox -LastActivityAfter (Get-Date) -LastActivityBefore (Get-Date).AddDays(-1)");
        Assert.Contains("-LastActivityAfter", r.Record("DaytonaInvalidArgument").Exception.Message);

        r = Run("Get-DaytonaSandbox -MinMemory 0");
        Assert.Equal("ParameterArgumentValidationError", Assert.Single(r.ErrorIds));

        r = Run("Get-DaytonaSandbox -SortBy Size");
        Assert.Equal("CannotConvertArgumentNoMessage", Assert.Single(r.ErrorIds));
        Assert.Contains("LastActivityAt", (r.TerminatingRecord ?? r.Errors.Single()).Exception.Message);
    }

    [Fact]
    public void SortByCompletesItsValues()
    {
        var r = Run("""
            (TabExpansion2 -inputScript 'Get-DaytonaSandbox -SortBy ' -cursorColumn 27).CompletionMatches.CompletionText -join ','
            (TabExpansion2 -inputScript 'Get-DaytonaSandbox -SortBy Last' -cursorColumn 31).CompletionMatches.CompletionText -join ','
            """).AssertNoErrors();
        Assert.Equal("Cpu,CreatedAt,Disk,LastActivityAt,Memory,Name", r.Output[0].BaseObject.ToString());
        Assert.Equal("LastActivityAt", r.Output[1].BaseObject.ToString());
    }
}
