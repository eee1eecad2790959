using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>GET /api/sandbox/{id}/telemetry/metrics: values measured from the sandbox's processes and files.</summary>
public sealed class SandboxMetricsTests(ToolboxServerFixture fx) : IClassFixture<ToolboxServerFixture>
{
    private static string Iso(DateTime at) => at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ");

    private async Task<Dictionary<string, List<(DateTime At, double Value)>>> MetricsAsync(string id, string extra = "")
    {
        var url = $"api/sandbox/{id}/telemetry/metrics?from={Iso(DateTime.UtcNow.AddMinutes(-10))}&to={Iso(DateTime.UtcNow.AddMinutes(1))}{extra}";
        using var response = await fx.Http.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        var series = JsonDocument.Parse(body).RootElement.GetProperty("series");
        return series.EnumerateArray().ToDictionary(
            s => s.GetProperty("metricName").GetString()!,
            s => s.GetProperty("dataPoints").EnumerateArray()
                .Select(p => (DateTime.Parse(p.GetProperty("timestamp").GetString()!, null, System.Globalization.DateTimeStyles.AdjustToUniversal), p.GetProperty("value").GetDouble()))
                .ToList());
    }

    [Fact]
    public async Task CpuMemoryAndDiskAreMeasured()
    {
        // Every sample its own point here (Daytona, and the emulator by default, average per minute).
        fx.Server.Context.Metrics.Bucket = TimeSpan.FromTicks(1);
        try { await MeasureAsync(); }
        finally { fx.Server.Context.Metrics.Bucket = TimeSpan.FromMinutes(1); }
    }

    private async Task MeasureAsync()
    {
        var id = await fx.CreateSandboxAsync();
        var baseline = await MetricsAsync(id);
        // The first sample has no earlier one to measure CPU against; the limits are there at once.
        Assert.DoesNotContain("daytona.sandbox.cpu.utilization", baseline.Keys);
        Assert.Equal(1, baseline["daytona.sandbox.cpu.limit"].Single().Value);
        Assert.Equal(1024d * 1024 * 1024, baseline["daytona.sandbox.memory.limit"].Single().Value);
        Assert.Equal(3d * 1024 * 1024 * 1024, baseline["daytona.sandbox.filesystem.total"].Single().Value);
        var diskBefore = baseline["daytona.sandbox.filesystem.usage"].Single().Value;

        // Write 4 MiB and burn CPU in a background process that is still running (or reaped inside
        // the sandbox) when the next sample is taken: the processes of the sandbox's PID namespace.
        await fx.ExecAsync(id, "head -c 4194304 /dev/zero > /tmp/four-mib");
        await fx.ExecAsync(id, "nohup timeout 20 sh -c 'while :; do :; done' >/dev/null 2>&1 &");
        await Task.Delay(1500);

        var after = await MetricsAsync(id);
        Assert.All(after.Values, points => Assert.True(points.Count is 1 or 2));
        var cpu = after["daytona.sandbox.cpu.utilization"].Single().Value;
        Assert.InRange(cpu, 1, 400); // a loaded machine gives the loop less than a whole core
        Assert.True(after["daytona.sandbox.memory.usage"][^1].Value > 0, "resident memory of the sandbox's processes");
        Assert.InRange(after["daytona.sandbox.memory.utilization"][^1].Value, 0.000001, 100);
        var disk = after["daytona.sandbox.filesystem.usage"][^1].Value;
        Assert.True(disk - diskBefore >= 4 * 1024 * 1024, $"disk grew by {disk - diskBefore}");
        Assert.Equal(3d * 1024 * 1024 * 1024 - disk, after["daytona.sandbox.filesystem.available"][^1].Value, 0);
        Assert.Equal(9, after.Count);

        // metricNames narrows the series (repeated key and bracket form); by name Daytona's telemetry finds nothing.
        var two = await MetricsAsync(id, "&metricNames=daytona.sandbox.cpu.limit&metricNames[]=daytona.sandbox.memory.usage");
        Assert.Equal(["daytona.sandbox.cpu.limit", "daytona.sandbox.memory.usage"], two.Keys.Order().ToArray());
    }

    [Fact]
    public async Task PointsAreMinuteAveragesAndNoneOutsideTheRange_AndValidation()
    {
        var id = await fx.CreateSandboxAsync();
        await MetricsAsync(id);
        await Task.Delay(1100);
        var averaged = await MetricsAsync(id);
        foreach (var point in averaged["daytona.sandbox.filesystem.usage"])
            Assert.Equal(0, point.At.Second + point.At.Millisecond); // at the minute's start
        Assert.InRange(averaged["daytona.sandbox.filesystem.usage"].Count, 1, 2); // two samples, one or two minutes
        using var old = await fx.Http.GetAsync($"api/sandbox/{id}/telemetry/metrics?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z");
        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        Assert.Equal("{\"series\":[]}", await old.Content.ReadAsStringAsync());

        using var missing = await fx.Http.GetAsync($"api/sandbox/{id}/telemetry/metrics?to=2020-01-02T00:00:00Z");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("from must be a valid ISO 8601 date string", (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString());
        using var both = await fx.Http.GetAsync($"api/sandbox/{id}/telemetry/metrics?from=soon&to=later");
        Assert.Equal("from must be a valid ISO 8601 date string, to must be a valid ISO 8601 date string",
            (await both.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString());
        using var unknown = await fx.Http.GetAsync("api/sandbox/no-such-sandbox/telemetry/metrics?from=soon");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // By name the guard finds the sandbox, but Daytona's telemetry is keyed by "sandbox-<id>": no series.
        var name = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        using var created = await fx.Http.PostAsJsonAsync("api/sandbox", new { name });
        var named = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await fx.WaitForStateAsync(named, "started");
        Assert.NotEmpty(await MetricsAsync(named));
        Assert.Empty(await MetricsAsync(name));
    }
}
