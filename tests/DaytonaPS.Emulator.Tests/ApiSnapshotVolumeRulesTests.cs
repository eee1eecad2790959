using System.Net;
using System.Text.Json;
using Xunit;
using static DaytonaPS.Emulator.Tests.Api;

namespace DaytonaPS.Emulator.Tests;

/// <summary>Snapshot and volume validation and status codes as apps/api v0.190 has them (snapshot.service, volume.service).</summary>
public sealed class ApiSnapshotVolumeRulesTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private HttpClient Http => fx.Http;

    private async Task<JsonElement> WaitSnapshotAsync(string id, params string[] states)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var (_, json) = await SendAsync(Http, HttpMethod.Get, $"api/snapshots/{id}");
            if (states.Contains(json.GetProperty("state").GetString())) return json;
            Assert.True(DateTime.UtcNow < deadline, "snapshot stayed " + json.GetProperty("state").GetString());
            await Task.Delay(20);
        }
    }

    [Theory]
    [InlineData("python", "Image name must include a tag (e.g., ubuntu:22.04) or digest (@sha256:...)")]
    [InlineData("python:", "Image name must include a tag (e.g., ubuntu:22.04) or digest (@sha256:...)")]
    [InlineData("python:latest", "Images with tag \":latest\" are not allowed")]
    [InlineData("py thon:3.12", "Invalid image name format. Must be lowercase, may contain digits, dots, dashes, and single slashes between components")]
    [InlineData("python@sha256:abc", "Invalid digest format. Must be image@sha256:64_hex_characters")]
    public async Task ImageNamesAreCheckedAsDaytonaDoes(string image, string message)
    {
        var (status, json) = await SendAsync(Http, HttpMethod.Post, "api/snapshots", new { name = Unique("img"), imageName = image });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(json, 400, message);
    }

    [Fact]
    public async Task SnapshotNamesAndBodyShapeAreChecked()
    {
        var (status, json) = await SendAsync(Http, HttpMethod.Post, "api/snapshots", new { name = "bad name", imageName = "python:3.12" });
        AssertError(json, 400, "Invalid snapshot name format. May contain letters, digits, dots, colons, and dashes");
        (status, json) = await SendAsync(Http, HttpMethod.Post, "api/snapshots", new { name = Unique("s") });
        AssertError(json, 400, "Must specify an image name when not using a build info entry");
        (status, json) = await SendAsync(Http, HttpMethod.Post, "api/snapshots",
            new { name = Unique("s"), imageName = "python:3.12", buildInfo = new { dockerfileContent = "FROM python:3.12" } });
        AssertError(json, 400, "Cannot specify an image name when using a build info entry");
        (status, json) = await SendAsync(Http, HttpMethod.Post, "api/snapshots",
            new { name = Unique("s"), entrypoint = new[] { "sleep" }, buildInfo = new { dockerfileContent = "FROM python:3.12" } });
        AssertError(json, 400, "Cannot specify an entrypoint when using a build info entry");
        Assert.Equal(HttpStatusCode.BadRequest, status);

        var name = Unique("Mixed.Case");
        (status, json) = await SendAsync(Http, HttpMethod.Post, "api/snapshots", new { name, imageName = "python:3.12" });
        Assert.Equal(HttpStatusCode.OK, status);
        (status, json) = await SendAsync(Http, HttpMethod.Post, "api/snapshots", new { name, imageName = "python:3.12" });
        Assert.Equal(HttpStatusCode.Conflict, status);
        AssertError(json, 409, $"Snapshot with name \"{name}\" already exists for this organization");
    }

    [Fact]
    public async Task DeleteActivateAndDeactivateTakeAnIdNotAName()
    {
        var name = Unique("byid");
        var (_, json) = await SendAsync(Http, HttpMethod.Post, "api/snapshots", new { name, imageName = "python:3.12" });
        var id = json.GetProperty("id").GetString()!;
        await WaitSnapshotAsync(id, "active");

        foreach (var (method, path) in new[] { (HttpMethod.Delete, $"api/snapshots/{name}"), (HttpMethod.Post, $"api/snapshots/{name}/activate"), (HttpMethod.Post, $"api/snapshots/{name}/deactivate") })
        {
            var (status, body) = await SendAsync(Http, method, path);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            AssertError(body, 400, "Validation failed (uuid is expected)");
        }
        var unknown = Guid.NewGuid().ToString();
        var (s404, b404) = await SendAsync(Http, HttpMethod.Delete, $"api/snapshots/{unknown}");
        Assert.Equal(HttpStatusCode.NotFound, s404);
        AssertError(b404, 404, $"Snapshot {unknown} not found");

        // Deactivating twice is no error; activating an active one is.
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(Http, HttpMethod.Post, $"api/snapshots/{id}/deactivate")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(Http, HttpMethod.Post, $"api/snapshots/{id}/deactivate")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(Http, HttpMethod.Post, $"api/snapshots/{id}/activate")).Status);
        await WaitSnapshotAsync(id, "active");
        var (s400, b400) = await SendAsync(Http, HttpMethod.Post, $"api/snapshots/{id}/activate");
        AssertError(b400, 400, $"Snapshot {id} is already active");
        Assert.Equal(HttpStatusCode.BadRequest, s400);

        var (_, general) = await SendAsync(Http, HttpMethod.Get, "api/snapshots/" + Uri.EscapeDataString(SnapshotStore.DefaultSnapshotName));
        var (s403, b403) = await SendAsync(Http, HttpMethod.Delete, $"api/snapshots/{general.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.Forbidden, s403);
        AssertError(b403, 403, "You cannot delete a general snapshot");
    }

    [Fact]
    public async Task BuildLogsStreamTheBuildAndAFailedRunFailsIt()
    {
        var (_, json) = await SendAsync(Http, HttpMethod.Post, "api/snapshots",
            new { name = Unique("fails"), buildInfo = new { dockerfileContent = "FROM python:3.12\nRUN mkdir -p /tmp/x\nRUN exit 3\nRUN echo never" } });
        var id = json.GetProperty("id").GetString()!;
        var (_, urlJson) = await SendAsync(Http, HttpMethod.Get, $"api/snapshots/{id}/build-logs-url");
        var url = urlJson.GetProperty("url").GetString()!;
        var log = await Http.GetStringAsync(url + "?follow=true");
        var failed = await WaitSnapshotAsync(id, "build_failed", "active", "error");
        Assert.Equal("build_failed", failed.GetProperty("state").GetString());
        Assert.Contains("exited with code 3", failed.GetProperty("errorReason").GetString());
        Assert.Contains("#2 RUN mkdir -p /tmp/x", log);
        Assert.Contains("#3 ERROR: process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3", log);
        Assert.DoesNotContain("never", log);

        // A pulled snapshot has no build info, as in Daytona.
        (_, json) = await SendAsync(Http, HttpMethod.Post, "api/snapshots", new { name = Unique("pull"), imageName = "python:3.12" });
        var (status, body) = await SendAsync(Http, HttpMethod.Get, $"api/snapshots/{json.GetProperty("id").GetString()}/build-logs-url");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("has no build info", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task AnImageFromAnInvalidRegistryEndsInError()
    {
        var (_, json) = await SendAsync(Http, HttpMethod.Post, "api/snapshots", new { name = Unique("nohost"), imageName = "registry.invalid/app:1.0" });
        var done = await WaitSnapshotAsync(json.GetProperty("id").GetString()!, "error", "active");
        Assert.Equal("error", done.GetProperty("state").GetString());
        Assert.Contains("no such host", done.GetProperty("errorReason").GetString());
    }
}

/// <summary>Volume rules, on a server whose transitions never end by themselves (a volume stays pending_create).</summary>
public sealed class ApiVolumeRulesTests(LifecycleServerFixture fx) : IClassFixture<LifecycleServerFixture>
{
    private HttpClient Http => fx.Http;

    [Fact]
    public async Task VolumeStatusCodesAreDaytonas()
    {
        var name = Unique("vol");
        var (status, json) = await SendAsync(Http, HttpMethod.Post, "api/volumes", new { name });
        Assert.Equal(HttpStatusCode.OK, status);
        var id = json.GetProperty("id").GetString()!;

        // Delete while pending_create: 400; a second volume of the same name: 400 too.
        (status, json) = await SendAsync(Http, HttpMethod.Delete, $"api/volumes/{id}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(json, 400, "Volume must be in 'ready' or 'error' state in order to be deleted");
        // A sandbox cannot mount it before it is ready.
        (status, json) = await SendAsync(Http, HttpMethod.Post, "api/sandbox", new { volumes = new[] { new { volumeId = name, mountPath = "/data" } } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(json, 400, $"Volume '{name}' is not in a ready state. Current state: pending_create");
        (status, json) = await SendAsync(Http, HttpMethod.Post, "api/volumes", new { name });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(json, 400, $"Volume with name {name} already exists");

        // An unknown volume on sandbox create (getVolumesByIdOrName: NotFoundException).
        var unknown = Unique("novol");
        (status, json) = await SendAsync(Http, HttpMethod.Post, "api/sandbox", new { volumes = new[] { new { volumeId = unknown, mountPath = "/data" } } });
        Assert.Equal(HttpStatusCode.NotFound, status);
        AssertError(json, 404, $"Volume '{unknown}' not found");

        // No name: the id is the name.
        (status, json) = await SendAsync(Http, HttpMethod.Post, "api/volumes", new { });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(json.GetProperty("id").GetString(), json.GetProperty("name").GetString());
    }
}
