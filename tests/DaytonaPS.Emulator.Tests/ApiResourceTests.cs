using System.Net;
using System.Text.Json;
using Xunit;
using static DaytonaPS.Emulator.Tests.Api;

namespace DaytonaPS.Emulator.Tests;

/// <summary>Snapshots, volumes, /config, /health, /api-keys/current.</summary>
public sealed class ApiResourceTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private HttpClient Http => fx.Http;

    [Fact]
    public async Task DefaultSnapshotIsActiveAndFoundByName()
    {
        var (status, json) = await SendAsync(Http, HttpMethod.Get, "api/snapshots/" + Uri.EscapeDataString("daytonaio/sandbox:0.5.0-slim"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("active", json.GetProperty("state").GetString());
        Assert.True(json.GetProperty("general").GetBoolean());
        Assert.True(json.TryGetProperty("mem", out _));

        (status, json) = await SendAsync(Http, HttpMethod.Get, "api/snapshots?page=1&limit=10");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(json.GetProperty("total").GetInt32() >= 1);
        Assert.Equal(1, json.GetProperty("page").GetInt32());
        Assert.True(json.TryGetProperty("totalPages", out _));
    }

    [Fact]
    public async Task SnapshotCreateActivateDeactivateDeleteAndUse()
    {
        var name = Unique("snap");
        var (status, json) = await SendAsync(Http, HttpMethod.Post, "api/snapshots", new { name = "x", imageName = "python:latest" });
        Assert.Equal(HttpStatusCode.BadRequest, status);

        (status, json) = await SendAsync(Http, HttpMethod.Post, "api/snapshots", new { name, imageName = "python:3.12", cpu = 2, memory = 4 });
        Assert.Equal(HttpStatusCode.OK, status);
        var id = json.GetProperty("id").GetString()!;
        Assert.Equal(4, json.GetProperty("mem").GetInt32());
        (status, _) = await SendAsync(Http, HttpMethod.Post, "api/snapshots", new { name, imageName = "python:3.12" });
        Assert.Equal(HttpStatusCode.Conflict, status);

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while ((await SendAsync(Http, HttpMethod.Get, $"api/snapshots/{name}")).Body.GetProperty("state").GetString() != "active")
        {
            Assert.True(DateTime.UtcNow < deadline);
            await Task.Delay(10);
        }

        // A sandbox from it takes the snapshot's resources.
        var sandbox = await CreateAsync(Http, new { snapshot = name });
        Assert.Equal(2, sandbox.GetProperty("cpu").GetInt32());
        Assert.Equal(4, sandbox.GetProperty("memory").GetInt32());

        (status, json) = await SendAsync(Http, HttpMethod.Post, $"api/snapshots/{id}/activate");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        (status, _) = await SendAsync(Http, HttpMethod.Post, $"api/snapshots/{id}/deactivate");
        Assert.Equal(HttpStatusCode.NoContent, status);
        (status, json) = await SendAsync(Http, HttpMethod.Post, "api/sandbox", new { snapshot = name });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        (status, json) = await SendAsync(Http, HttpMethod.Post, $"api/snapshots/{id}/activate");
        Assert.Equal(HttpStatusCode.OK, status);
        // Daytona answers pending; the snapshot manager makes it active again.
        Assert.Equal("pending", json.GetProperty("state").GetString());
        deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await SendAsync(Http, HttpMethod.Get, $"api/snapshots/{id}")).Body.GetProperty("state").GetString() != "active")
        {
            Assert.True(DateTime.UtcNow < deadline);
            await Task.Delay(10);
        }

        (status, _) = await SendAsync(Http, HttpMethod.Delete, $"api/snapshots/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        (status, json) = await SendAsync(Http, HttpMethod.Get, $"api/snapshots/{id}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(404, json.GetProperty("statusCode").GetInt32());
    }

    [Fact]
    public async Task VolumesLifecycleAndInUseConflict()
    {
        var name = Unique("vol");
        var (status, json) = await SendAsync(Http, HttpMethod.Post, "api/volumes", new { name });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("pending_create", json.GetProperty("state").GetString());
        var id = json.GetProperty("id").GetString()!;

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while ((await SendAsync(Http, HttpMethod.Get, $"api/volumes/{id}")).Body.GetProperty("state").GetString() != "ready")
        {
            Assert.True(DateTime.UtcNow < deadline);
            await Task.Delay(10);
        }
        (status, json) = await SendAsync(Http, HttpMethod.Get, $"api/volumes/by-name/{name}");
        Assert.Equal(id, json.GetProperty("id").GetString());

        var sandbox = await CreateStartedAsync(Http, new { volumes = new[] { new { volumeId = name, mountPath = "/data" } } });
        var (_, full) = await SendAsync(Http, HttpMethod.Get, $"api/sandbox/{sandbox}");
        Assert.Equal(id, full.GetProperty("volumes")[0].GetProperty("volumeId").GetString());

        (status, json) = await SendAsync(Http, HttpMethod.Delete, $"api/volumes/{id}");
        Assert.Equal(HttpStatusCode.Conflict, status);
        AssertError(json, 409, $"Volume cannot be deleted because it is in use by one or more sandboxes (e.g. {full.GetProperty("name").GetString()})");

        await SendAsync(Http, HttpMethod.Delete, $"api/sandbox/{sandbox}");
        await WaitForStateAsync(Http, sandbox, "destroyed");
        (status, _) = await SendAsync(Http, HttpMethod.Delete, $"api/volumes/{id}");
        Assert.Equal(HttpStatusCode.OK, status);

        (status, json) = await SendAsync(Http, HttpMethod.Get, "api/volumes");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonValueKind.Array, json.ValueKind);
        (status, _) = await SendAsync(Http, HttpMethod.Get, $"api/volumes/by-name/{Unique("none")}");
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task ConfigHealthAndCurrentApiKey()
    {
        var (status, config) = await SendAsync(Http, HttpMethod.Get, "api/config");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("daytonaio/sandbox:0.5.0-slim", config.GetProperty("defaultSnapshot").GetString());
        Assert.Equal(fx.Server.Context.ToolboxProxyUrl, config.GetProperty("proxyToolboxUrl").GetString());
        Assert.Equal(43200, config.GetProperty("maxAutoArchiveInterval").GetInt32());
        Assert.Equal($"ssh -p {fx.Server.Context.SshGateway!.Port} {{{{TOKEN}}}}@127.0.0.1", config.GetProperty("sshGatewayCommand").GetString());

        (status, _) = await SendAsync(Http, HttpMethod.Get, "api/health");
        Assert.Equal(HttpStatusCode.OK, status);

        (status, var key) = await SendAsync(Http, HttpMethod.Get, "api/api-keys/current");
        Assert.Equal(HttpStatusCode.OK, status);
        var masked = key.GetProperty("value").GetString()!;
        Assert.DoesNotContain(ApiServerFixture.ApiKey, masked);
        Assert.Contains("****", masked);
    }
}
