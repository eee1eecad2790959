using DaytonaPS.Api;
using DaytonaPS.Commands.Sandbox;
using Xunit;

namespace DaytonaPS.UnitTests;

/// <summary>GET /sandbox's query string as Get-DaytonaSandbox builds it, and the metric timestamps it reads.</summary>
public sealed class SandboxListQueryTests
{
    [Fact]
    public void EveryFilterHasDaytonasNameAndForm()
    {
        var query = new SandboxListQuery
        {
            Limit = 50,
            NamePrefix = "web",
            Labels = new Dictionary<string, string> { ["team"] = "a b" },
            States = ["started", "stopped"],
            Snapshots = ["s1", "s/2"],
            Targets = ["eu"],
            MinCpu = 1, MaxCpu = 2, MinMemoryGiB = 3, MaxMemoryGiB = 4, MinDiskGiB = 5, MaxDiskGiB = 6,
            IsPublic = false, IsRecoverable = true,
            CreatedAfter = new DateTime(2026, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc),
            CreatedBefore = new DateTime(2026, 1, 3, 0, 0, 0, DateTimeKind.Utc),
            LastActivityAfter = new DateTime(2026, 2, 1, 0, 0, 0, DateTimeKind.Utc),
            LastActivityBefore = new DateTime(2026, 2, 2, 0, 0, 0, DateTimeKind.Utc),
            AutoDestroyAfter = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc),
            AutoDestroyBefore = new DateTime(2026, 3, 2, 0, 0, 0, DateTimeKind.Utc),
            Sort = GetDaytonaSandboxCommand.WireSortField(SandboxSortField.Memory),
            Order = "desc",
        };
        Assert.Equal(
            "?cursor=c%2B1&limit=50&name=web&labels=%7B%22team%22%3A%22a%20b%22%7D&states=started&states=stopped"
            + "&snapshots=s1&snapshots=s%2F2&regionIds=eu&minCpu=1&maxCpu=2&minMemoryGiB=3&maxMemoryGiB=4&minDiskGiB=5&maxDiskGiB=6"
            + "&isPublic=false&isRecoverable=true&createdAtAfter=2026-01-02T03%3A04%3A05.678Z&createdAtBefore=2026-01-03T00%3A00%3A00.000Z"
            + "&lastEventAfter=2026-02-01T00%3A00%3A00.000Z&lastEventBefore=2026-02-02T00%3A00%3A00.000Z"
            + "&autoDestroyAtAfter=2026-03-01T00%3A00%3A00.000Z&autoDestroyAtBefore=2026-03-02T00%3A00%3A00.000Z&sort=memoryGib&order=desc",
            query.ToQueryString("c+1"));
        Assert.Equal("?limit=200", new SandboxListQuery().ToQueryString(null));
    }

    [Theory]
    [InlineData(SandboxSortField.Name, "name")]
    [InlineData(SandboxSortField.Cpu, "cpu")]
    [InlineData(SandboxSortField.Memory, "memoryGib")]
    [InlineData(SandboxSortField.Disk, "diskGib")]
    [InlineData(SandboxSortField.LastActivityAt, "lastActivityAt")]
    [InlineData(SandboxSortField.CreatedAt, "createdAt")]
    public void SortFieldsAreDaytonasEnum(SandboxSortField field, string wire) =>
        Assert.Equal(wire, GetDaytonaSandboxCommand.WireSortField(field));

    [Fact]
    public void LocalAndUnspecifiedTimesGoAsTheirUtcInstant()
    {
        var utc = new DateTime(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal("2026-06-01T12:00:00.000Z", SandboxListQuery.ToWireDate(utc));
        Assert.Equal("2026-06-01T12:00:00.000Z", SandboxListQuery.ToWireDate(utc.ToLocalTime()));
        Assert.Equal("2026-06-01T12:00:00.000Z", SandboxListQuery.ToWireDate(DateTime.SpecifyKind(utc.ToLocalTime(), DateTimeKind.Unspecified)));
    }

    [Theory]
    [InlineData("2026-12-02T05:31:00.000Z")]
    [InlineData("2026-12-02 05:31:00")]
    [InlineData("2026-12-02T06:31:00+01:00")]
    public void MetricTimestampsInEveryFormDaytonaMaySend(string text) =>
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 5, 31, 0, TimeSpan.Zero), SandboxTelemetry.ParseTimestamp(text));

    [Fact]
    public void MetricNameWildcardsExpandOverTheKnownNames()
    {
        Assert.Equal(["daytona.sandbox.memory.usage", "daytona.sandbox.filesystem.usage"],
            GetDaytonaSandboxMetricCommand.WireNames(["*.usage"]));
        Assert.Equal(["custom.metric", "daytona.sandbox.cpu.limit"],
            GetDaytonaSandboxMetricCommand.WireNames(["custom.metric", "*CPU.LIMIT", "daytona.sandbox.cpu.limit"]));
        Assert.Empty(GetDaytonaSandboxMetricCommand.WireNames(["nothing*"]));
        Assert.Empty(GetDaytonaSandboxMetricCommand.WireNames(null));
    }
}
