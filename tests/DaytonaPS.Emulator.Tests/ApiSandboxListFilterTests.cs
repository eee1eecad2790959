using System.Net;
using System.Text.Json;
using Xunit;
using static DaytonaPS.Emulator.Tests.Api;

namespace DaytonaPS.Emulator.Tests;

/// <summary>
/// GET /sandbox's range, date, flag and sort parameters as Daytona's ListSandboxesQueryDto and its
/// search adapter apply them (inclusive bounds, class-validator messages), and the emulator's own
/// PUT /_emulator/sandboxes/{id}/timestamps that backdates a sandbox for such tests.
/// </summary>
public sealed class ApiSandboxListFilterTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private HttpClient Http => fx.Http;

    private async Task<List<string>> NamesAsync(string query)
    {
        var (status, page) = await SendAsync(Http, HttpMethod.Get, "api/sandbox?" + query);
        Assert.True(status == HttpStatusCode.OK, $"GET /sandbox?{query} gave {(int)status}: {page}");
        return page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!).ToList();
    }

    private static string Iso(DateTime at) => at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ");

    private async Task BackdateAsync(string id, object body)
    {
        var (status, json) = await SendAsync(Http, HttpMethod.Put, $"_emulator/sandboxes/{id}/timestamps", body);
        Assert.True(status == HttpStatusCode.OK, $"timestamps gave {(int)status}: {json}");
    }

    [Fact]
    public async Task DateFiltersAreInclusiveAndSentDatesMatchExactly()
    {
        var prefix = Unique("Dt").ToLowerInvariant();
        var day = new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var id = await CreateStartedAsync(Http, new { name = $"{prefix}-{i}" });
            await BackdateAsync(id, new { createdAt = Iso(day.AddDays(i)), lastActivityAt = Iso(day.AddDays(i).AddHours(1)) });
            ids.Add(id);
        }

        // The reply carries the new times.
        var (_, got) = await SendAsync(Http, HttpMethod.Get, $"api/sandbox/{ids[1]}");
        Assert.Equal(Iso(day.AddDays(1)), got.GetProperty("createdAt").GetString());
        Assert.Equal(Iso(day.AddDays(1).AddHours(1)), got.GetProperty("lastActivityAt").GetString());

        var asc = "&sort=name&order=asc";
        Assert.Equal([$"{prefix}-1", $"{prefix}-2"], await NamesAsync($"name={prefix}&createdAtAfter={Iso(day.AddDays(1))}{asc}"));
        Assert.Equal([$"{prefix}-0", $"{prefix}-1"], await NamesAsync($"name={prefix}&createdAtBefore={Iso(day.AddDays(1))}{asc}"));
        Assert.Equal([$"{prefix}-0"], await NamesAsync($"name={prefix}&lastEventBefore={Iso(day.AddHours(1))}{asc}"));
        Assert.Equal([$"{prefix}-2"], await NamesAsync($"name={prefix}&lastEventAfter={Iso(day.AddDays(2).AddHours(1))}{asc}"));
        Assert.Equal([$"{prefix}-1"], await NamesAsync(
            $"name={prefix}&lastEventAfter={Iso(day.AddDays(1))}&lastEventBefore={Iso(day.AddDays(1).AddHours(2))}{asc}"));
        // A date without a time is midnight UTC (JavaScript's new Date('2026-03-02')).
        Assert.Equal([$"{prefix}-0"], await NamesAsync($"name={prefix}&createdAtBefore=2026-03-02{asc}"));
    }

    [Fact]
    public async Task AutoDestroyFiltersSkipSandboxesWithoutATtl()
    {
        var prefix = Unique("Ttl").ToLowerInvariant();
        var withTtl = await CreateStartedAsync(Http, new { name = prefix + "-ttl" });
        await CreateStartedAsync(Http, new { name = prefix + "-none" });
        var (status, json) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{withTtl}/ttl/60");
        Assert.Equal(HttpStatusCode.Created, status);
        var at = DateTime.Parse(json.GetProperty("autoDestroyAt").GetString()!, null, System.Globalization.DateTimeStyles.AdjustToUniversal);

        Assert.Equal([prefix + "-ttl"], await NamesAsync($"name={prefix}&autoDestroyAtBefore={Iso(at.AddMinutes(1))}"));
        Assert.Equal([prefix + "-ttl"], await NamesAsync($"name={prefix}&autoDestroyAtAfter={Iso(at.AddMinutes(-1))}"));
        Assert.Empty(await NamesAsync($"name={prefix}&autoDestroyAtAfter={Iso(at.AddMinutes(1))}"));
    }

    [Fact]
    public async Task ResourceRangesAreInclusiveAndSortByResourceAndSnapshot()
    {
        var prefix = Unique("Res").ToLowerInvariant();
        var sizes = new[] { (Cpu: 1, Mem: 4, Disk: 3), (Cpu: 2, Mem: 2, Disk: 5), (Cpu: 4, Mem: 1, Disk: 10) };
        for (var i = 0; i < sizes.Length; i++)
        {
            var id = await CreateStartedAsync(Http, new { name = $"{prefix}-{i}" });
            var record = fx.Server.Context.Store.Get(id);
            record.Cpu = sizes[i].Cpu;
            record.Memory = sizes[i].Mem;
            record.Disk = sizes[i].Disk;
        }
        Assert.Equal([$"{prefix}-1", $"{prefix}-2"], await NamesAsync($"name={prefix}&minCpu=2&sort=cpu&order=asc"));
        Assert.Equal([$"{prefix}-0", $"{prefix}-1"], await NamesAsync($"name={prefix}&maxCpu=2&sort=cpu&order=asc"));
        Assert.Equal([$"{prefix}-1"], await NamesAsync($"name={prefix}&minCpu=2&maxCpu=2"));
        Assert.Equal([$"{prefix}-0", $"{prefix}-1"], await NamesAsync($"name={prefix}&minMemoryGiB=2&sort=memoryGib&order=desc"));
        Assert.Equal([$"{prefix}-2", $"{prefix}-1"], await NamesAsync($"name={prefix}&maxMemoryGiB=2&sort=memoryGib&order=asc"));
        Assert.Equal([$"{prefix}-2", $"{prefix}-1"], await NamesAsync($"name={prefix}&minDiskGiB=5&sort=diskGib&order=desc"));
        Assert.Equal([$"{prefix}-0"], await NamesAsync($"name={prefix}&maxDiskGiB=3"));
        Assert.Equal([$"{prefix}-0", $"{prefix}-1", $"{prefix}-2"], await NamesAsync($"name={prefix}&sort=cpu&order=asc"));
        Assert.Equal([$"{prefix}-2", $"{prefix}-1", $"{prefix}-0"], await NamesAsync($"name={prefix}&sort=cpu&order=desc"));
        Assert.Equal([$"{prefix}-0", $"{prefix}-1", $"{prefix}-2"], await NamesAsync($"name={prefix}&sort=memoryGib&order=desc"));

        Assert.Equal(3, (await NamesAsync($"name={prefix}&snapshots=daytonaio/sandbox:0.5.0-slim")).Count);
        Assert.Equal(3, (await NamesAsync($"name={prefix}&snapshots=nope&snapshots=daytonaio/sandbox:0.5.0-slim")).Count);
        Assert.Empty(await NamesAsync($"name={prefix}&snapshots=nope"));
    }

    [Fact]
    public async Task BooleansAreTrueOnlyForTheStringTrue()
    {
        var prefix = Unique("Pub").ToLowerInvariant();
        var open = await CreateStartedAsync(Http, new { name = prefix + "-open", @public = true });
        await CreateStartedAsync(Http, new { name = prefix + "-closed" });
        Assert.Equal([prefix + "-open"], await NamesAsync($"name={prefix}&isPublic=true"));
        Assert.Equal([prefix + "-closed"], await NamesAsync($"name={prefix}&isPublic=false"));
        // @Transform(value === 'true'): any other value means false, and is no error.
        Assert.Equal([prefix + "-closed"], await NamesAsync($"name={prefix}&isPublic=yes"));
        Assert.Equal([prefix + "-closed"], await NamesAsync($"name={prefix}&isPublic=TRUE"));

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(Http, HttpMethod.Put, $"_emulator/sandboxes/{open}/error", new { recoverable = true })).Status);
        Assert.Equal([prefix + "-open"], await NamesAsync($"name={prefix}&isRecoverable=true"));
        Assert.Equal([prefix + "-closed"], await NamesAsync($"name={prefix}&isRecoverable=false"));
    }

    [Theory]
    [InlineData("minCpu=0", "minCpu must not be less than 1")]
    [InlineData("minCpu=1.5", "minCpu must be an integer number")]
    [InlineData("maxCpu=abc", "maxCpu must not be less than 1, maxCpu must be an integer number")]
    [InlineData("minMemoryGiB=0.5", "minMemoryGiB must not be less than 1, minMemoryGiB must be an integer number")]
    [InlineData("maxDiskGiB=-2", "maxDiskGiB must not be less than 1")]
    [InlineData("limit=abc", "limit must be an integer number, limit must not be less than 1, limit must not be greater than 200")]
    [InlineData("limit=2.5", "limit must be an integer number")]
    [InlineData("createdAtAfter=yesterday", "createdAtAfter must be a Date instance")]
    [InlineData("lastEventBefore=2026-13-45", "lastEventBefore must be a Date instance")]
    [InlineData("autoDestroyAtAfter=soon", "autoDestroyAtAfter must be a Date instance")]
    [InlineData("order=up", "order must be one of the following values: asc, desc")]
    [InlineData("sandboxClasses=vm", "each value in sandboxClasses must be one of the following values: linux-vm, container, android, windows")]
    [InlineData("cursor=%21%21", "Invalid cursor provided: !!")]
    public async Task BadValuesGetDaytonasMessages(string query, string message)
    {
        var (status, json) = await SendAsync(Http, HttpMethod.Get, "api/sandbox?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(json, 400, message);
    }

    [Fact]
    public async Task StatesMessageIsDaytonasCustomOne()
    {
        var (status, json) = await SendAsync(Http, HttpMethod.Get, "api/sandbox?states=destroyed");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(json, 400, "each value must be one of the following values: creating, restoring, destroying, started, stopped, starting, stopping, error, build_failed, pending_build, building_snapshot, unknown, pulling_snapshot, archived, archiving, resizing, snapshotting, forking, pausing, paused, resuming");
    }

    [Fact]
    public async Task TimestampsRouteChecksItsBody()
    {
        var id = await CreateStartedAsync(Http);
        var (status, json) = await SendAsync(Http, HttpMethod.Put, $"_emulator/sandboxes/{id}/timestamps", new { lastActivityAt = "later" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(json, 400, "lastActivityAt must be an ISO 8601 date string");
        (status, json) = await SendAsync(Http, HttpMethod.Put, $"_emulator/sandboxes/{id}/timestamps", new { updatedAt = "2026-01-01T00:00:00Z" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(json, 400, "property updatedAt should not exist");
        (status, _) = await SendAsync(Http, HttpMethod.Put, "_emulator/sandboxes/no-such-sandbox/timestamps", new { });
        Assert.Equal(HttpStatusCode.NotFound, status);
        // Not on Daytona's route space.
        (status, _) = await SendAsync(Http, HttpMethod.Put, $"api/sandbox/{id}/timestamps", new { });
        Assert.Equal(HttpStatusCode.NotFound, status);
    }
}
