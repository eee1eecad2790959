using System.Net;
using Xunit;
using static DaytonaPS.Emulator.Tests.Api;

namespace DaytonaPS.Emulator.Tests;

/// <summary>Per-sandbox resource limits and regions (targets), as Daytona's organization quotas.</summary>
public sealed class ApiLimitsTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string Contact = "\nNeed higher resource limits per-sandbox? Contact us at support@daytona.io and let us know about your use case.";

    private HttpClient Http => fx.Http;

    /// <summary>Resources need a declarative build (a snapshot brings its own).</summary>
    private static readonly object Dockerfile = new { dockerfileContent = "FROM alpine:3" };

    [Theory]
    [InlineData(5, null, null, "CPU request 5 exceeds maximum allowed per sandbox (4).")]
    [InlineData(null, 4096, null, "Memory request 4096GB exceeds maximum allowed per sandbox (8GB).")]
    [InlineData(null, null, 11, "Disk request 11GB exceeds maximum allowed per sandbox (10GB).")]
    [InlineData(9, 9, 11, "CPU request 9 exceeds maximum allowed per sandbox (4).")]
    public async Task CreateRefusesResourcesAboveTheDefaultLimits(int? cpu, int? memory, int? disk, string message)
    {
        var name = Unique("big");
        var (status, json) = await SendAsync(Http, HttpMethod.Post, "api/sandbox", new { name, cpu, memory, disk, buildInfo = Dockerfile });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(json, 400, message + Contact);
        Assert.DoesNotContain(fx.Server.Context.Store.Live, s => s.Name == name);
    }

    [Fact]
    public async Task TheLimitsThemselvesAreAllowed()
    {
        var created = await CreateAsync(Http, new { cpu = 4, memory = 8, disk = 10, buildInfo = Dockerfile });
        Assert.Equal(4, created.GetProperty("cpu").GetInt32());
        Assert.Equal(8, created.GetProperty("memory").GetInt32());
        Assert.Equal(10, created.GetProperty("disk").GetInt32());
    }

    [Fact]
    public async Task ResizeRefusesResourcesAboveTheLimitsAndChangesNothing()
    {
        var id = await CreateStartedAsync(Http);
        var (status, json) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/resize", new { memory = 16 });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(json, 400, "Memory request 16GB exceeds maximum allowed per sandbox (8GB)." + Contact);
        var (_, sandbox) = await SendAsync(Http, HttpMethod.Get, $"api/sandbox/{id}");
        Assert.Equal("started", State(sandbox));
        Assert.Equal(1, sandbox.GetProperty("memory").GetInt32());
    }

    [Fact]
    public async Task SnapshotsDeclaringMoreThanTheLimitsAreRefused()
    {
        var (status, json) = await SendAsync(Http, HttpMethod.Post, "api/snapshots", new { name = Unique("snap"), imageName = "alpine:3", cpu = 6 });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(json, 400, "CPU request 6 exceeds maximum allowed per sandbox (4)." + Contact);
        (status, json) = await SendAsync(Http, HttpMethod.Post, "api/snapshots", new { name = Unique("snap"), imageName = "alpine:3", regionId = "mars" });
        Assert.Equal(HttpStatusCode.NotFound, status);
        AssertError(json, 404, "Region not found");
    }

    [Theory]
    [InlineData("mars")]
    [InlineData("US")]
    public async Task UnknownTargetsAreRefused(string target)
    {
        var name = Unique("mars");
        var (status, json) = await SendAsync(Http, HttpMethod.Post, "api/sandbox", new { name, target });
        Assert.Equal(HttpStatusCode.NotFound, status);
        AssertError(json, 404, "Region not found");
        Assert.DoesNotContain(fx.Server.Context.Store.Live, s => s.Name == name);
    }

    [Theory]
    [InlineData(null, "us")]
    [InlineData("", "us")]
    [InlineData("eu", "eu")]
    [InlineData(" eu ", "eu")]
    public async Task KnownTargetsAndTheDefault(string? target, string expected)
    {
        var created = await CreateAsync(Http, new { target });
        Assert.Equal(expected, created.GetProperty("target").GetString());
    }

    [Fact]
    public async Task LimitsAndTargetsAreConfigurable()
    {
        var options = EmulatorOptions.Parse(["--api-key", "k", "--max-cpu", "8", "--max-memory", "16", "--max-disk", "50", "--targets", "ap, us"]);
        Assert.Equal((8, 16, 50), (options.MaxCpu, options.MaxMemory, options.MaxDisk));
        Assert.Equal(["ap", "us"], options.Targets);
        Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse(["--max-cpu", "0"]));
        Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse(["--targets", " , "]));

        options.TransitionMs = 10;
        await using var server = await EmulatorServer.StartAsync(options);
        using var http = Client(server, "k");
        var created = await CreateAsync(http, new { cpu = 8, memory = 16, disk = 50, buildInfo = Dockerfile });
        Assert.Equal("ap", created.GetProperty("target").GetString());
        var (status, json) = await SendAsync(http, HttpMethod.Post, "api/sandbox", new { cpu = 9, buildInfo = Dockerfile });
        AssertError(json, 400, "CPU request 9 exceeds maximum allowed per sandbox (8)." + Contact);
        (status, _) = await SendAsync(http, HttpMethod.Post, "api/sandbox", new { target = "eu" });
        Assert.Equal(HttpStatusCode.NotFound, status);

        var (_, regions) = await SendAsync(http, HttpMethod.Get, "api/regions");
        Assert.Equal(["ap", "us"], regions.EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        var (_, general) = await SendAsync(http, HttpMethod.Get, "api/snapshots/" + Uri.EscapeDataString(SnapshotStore.DefaultSnapshotName));
        Assert.Equal(["ap", "us"], general.GetProperty("regionIds").EnumerateArray().Select(r => r.GetString()));
    }
}
