using System.Net;
using System.Text.Json;
using Xunit;
using static DaytonaPS.Emulator.Tests.Api;

namespace DaytonaPS.Emulator.Tests;

/// <summary>Resize, network settings and auto-archive as apps/api v0.190 rules them (sandbox.service, network-validation.util).</summary>
public sealed class ApiSettingsRulesTests(LifecycleServerFixture fx) : IClassFixture<LifecycleServerFixture>
{
    private HttpClient Http => fx.Http;

    private async Task<string> CreateStarted(object? body = null)
    {
        var id = (await CreateAsync(Http, body)).GetProperty("id").GetString()!;
        await AdvanceToAsync(fx.Server, Http, id, "started");
        return id;
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> Resize(string id, object body) =>
        SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/resize", body);

    private const string NoChange = "No resource changes specified - sandbox is already at the desired configuration";

    [Fact]
    public async Task ResizeRulesInDaytonasOrder()
    {
        var id = await CreateStarted();
        var (status, json) = await Resize(id, new { });
        AssertError(json, 400, NoChange);
        (_, json) = await Resize(id, new { cpu = 1, memory = 1 });
        AssertError(json, 400, NoChange);
        (_, json) = await Resize(id, new { disk = 10 });
        AssertError(json, 400, "Disk resize can only be performed on a stopped sandbox");
        (_, json) = await Resize(id, new { cpu = 0 });
        AssertError(json, 400, "cpu must not be less than 1");

        // While stopping: the state is checked (400) before the change in progress (409).
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/stop")).Status);
        (status, json) = await Resize(id, new { cpu = 2 });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(json, 400, "Sandbox must be in started or stopped state to resize");
        await AdvanceToAsync(fx.Server, Http, id, "stopped");

        (_, json) = await Resize(id, new { disk = 2 });
        AssertError(json, 400, "Sandbox disk size cannot be decreased");
        (status, json) = await Resize(id, new { cpu = 2, memory = 2, disk = 10 });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("resizing", State(json));
        var done = await AdvanceToAsync(fx.Server, Http, id, "stopped");
        Assert.Equal(10, done.GetProperty("disk").GetInt32());
        Assert.Equal(2, done.GetProperty("cpu").GetInt32());
    }

    [Fact]
    public async Task ResizeWhileStartedOnlyGrowsCpuAndMemory()
    {
        var id = await CreateStarted();
        var (status, _) = await Resize(id, new { cpu = 2, memory = 2 });
        Assert.Equal(HttpStatusCode.OK, status);
        await AdvanceToAsync(fx.Server, Http, id, "started");
        var (_, json) = await Resize(id, new { cpu = 1 });
        AssertError(json, 400, "Sandbox must be in stopped state to decrease the number of CPU cores");
        (_, json) = await Resize(id, new { memory = 1 });
        AssertError(json, 400, "Sandbox must be in stopped state to decrease memory");
    }

    [Theory]
    [InlineData("{\"networkAllowList\":\"10.0.0.0\"}", "Invalid network format: \"10.0.0.0\". Missing CIDR prefix length (e.g., /24)")]
    [InlineData("{\"networkAllowList\":\"10.0.0.256/8\"}", "Invalid IP address: \"10.0.0.256\" in network \"10.0.0.256/8\". Must be a valid IPv4 address")]
    [InlineData("{\"networkAllowList\":\"10.0.0.0/33\"}", "Invalid CIDR prefix length: 10.0.0.0/33. Prefix must be between 0 and 32")]
    [InlineData("{\"networkAllowList\":\"1.0.0.0/8,2.0.0.0/8,3.0.0.0/8,4.0.0.0/8,5.0.0.0/8,6.0.0.0/8,7.0.0.0/8,8.0.0.0/8,9.0.0.0/8,10.0.0.0/8,11.0.0.0/8\"}", "Network allow list cannot contain more than 10 networks")]
    [InlineData("{\"domainAllowList\":\"exa mple.com\"}", "Invalid domain: \"exa mple.com\". Must be a valid domain name")]
    [InlineData("{}", "At least one of networkBlockAll, networkAllowList or domainAllowList must be provided")]
    public async Task NetworkSettingsAreValidated(string body, string message)
    {
        var id = await CreateStarted();
        using var response = await Http.PostAsync($"api/sandbox/{id}/network-settings", JsonContent(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        AssertError(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement, 400, message);
    }

    [Fact]
    public async Task NetworkSettingsFollowDaytonasClearingRules()
    {
        var id = await CreateStarted();
        async Task<JsonElement> Set(object body)
        {
            var (status, json) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/network-settings", body);
            Assert.Equal(HttpStatusCode.OK, status);
            return json;
        }
        static (bool, string?, string?) Of(JsonElement s) => (s.GetProperty("networkBlockAll").GetBoolean(),
            s.GetProperty("networkAllowList").ValueKind == JsonValueKind.Null ? null : s.GetProperty("networkAllowList").GetString(),
            s.GetProperty("domainAllowList").ValueKind == JsonValueKind.Null ? null : s.GetProperty("domainAllowList").GetString());

        Assert.Equal((false, "10.0.0.0/8", "*.daytona.io"), Of(await Set(new { networkAllowList = "10.0.0.0/8", domainAllowList = "*.daytona.io" })));
        // Block-all drops the allow list; an allow list lifts block-all; unblocking clears the list.
        Assert.Equal((true, null, "*.daytona.io"), Of(await Set(new { networkBlockAll = true })));
        Assert.Equal((false, "192.168.0.0/16", "*.daytona.io"), Of(await Set(new { networkAllowList = "192.168.0.0/16" })));
        Assert.Equal((false, null, "*.daytona.io"), Of(await Set(new { networkBlockAll = false })));
        Assert.Equal((false, "10.0.0.0/8", "*.daytona.io"), Of(await Set(new { networkAllowList = "10.0.0.0/8" })));
        Assert.Equal((false, null, null), Of(await Set(new { networkAllowList = " ", domainAllowList = "" })));
    }

    [Fact]
    public async Task AutoArchiveIsCappedAt43200Minutes()
    {
        var id = await CreateStarted();
        var (status, json) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/autoarchive/99999");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(43200, json.GetProperty("autoArchiveInterval").GetInt32());
        (_, json) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/autoarchive/60");
        Assert.Equal(60, json.GetProperty("autoArchiveInterval").GetInt32());
        (_, json) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/autoarchive/0");
        Assert.Equal(43200, json.GetProperty("autoArchiveInterval").GetInt32());
        json = await CreateAsync(Http, new { autoArchiveInterval = 50000 });
        Assert.Equal(43200, json.GetProperty("autoArchiveInterval").GetInt32());
    }
}
