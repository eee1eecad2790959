using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Xunit;
using static DaytonaPS.Emulator.Tests.Api;

namespace DaytonaPS.Emulator.Tests;

/// <summary>
/// Sandbox names as Daytona validates them, and ids/names in paths: each segment addresses
/// exactly the resource it names ('.', '..', '%2F', '%25' included), never another one.
/// Requests go out unnormalised, as a client that does not clean URLs sends them.
/// </summary>
public sealed class RoutingSafetyTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private HttpClient Http => fx.Http;

    private async Task<string> CreateNamedAsync(string name)
    {
        var created = await CreateAsync(Http, new { name });
        Assert.Equal(name, created.GetProperty("name").GetString());
        var id = created.GetProperty("id").GetString()!;
        await WaitForStateAsync(Http, id, "started");
        return id;
    }

    private async Task<string?> NameAtAsync(string rawPath)
    {
        var (status, body) = await SendRawPathAsync(Http, HttpMethod.Get, rawPath);
        return status == HttpStatusCode.OK ? body.GetProperty("name").GetString() : null;
    }

    [Theory]
    [InlineData("<b>bold</b>")]
    [InlineData("x<img src=x")]
    [InlineData("see https://evil.example")]
    [InlineData("www.example.com")]
    [InlineData("javascript:alert(1)")]
    [InlineData("bell\u0007")]
    [InlineData("nul\u0000")]
    public async Task UnsafeDisplayNamesAreRefusedAsDaytonaDoes(string name)
    {
        var (status, json) = await SendAsync(Http, HttpMethod.Post, "api/sandbox", new { name });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(json, 400, "name must not contain HTML tags, URLs, or control characters");
        Assert.DoesNotContain(fx.Server.Context.Store.Live, s => s.Name == name);
    }

    [Theory]
    [InlineData("O'Brien & co. (v1.2) 3 < 5")]
    [InlineData("ubuntu:22.04")]
    [InlineData("Ünternehmen 日本")]
    public async Task OrdinaryNamesAreAccepted(string name)
    {
        var unique = Unique("ok") + " " + name;
        Assert.Equal(unique, (await CreateAsync(Http, new { name = unique })).GetProperty("name").GetString());
    }

    [Fact]
    public async Task DotSlashAndPercentNamesEachAddressThemselves()
    {
        // Daytona accepts these names (its only rule is the display-string one).
        var dot = await CreateNamedAsync(".");
        var dotDot = await CreateNamedAsync("..");
        var prefix = Unique("n");
        var slash = await CreateNamedAsync($"{prefix}/b");
        var percent = await CreateNamedAsync($"{prefix}%2Fb");

        Assert.Equal(".", await NameAtAsync("/api/sandbox/."));
        Assert.Equal(".", await NameAtAsync("/api/sandbox/%2E"));
        Assert.Equal("..", await NameAtAsync("/api/sandbox/.."));
        Assert.Equal("..", await NameAtAsync("/api/sandbox/%2e%2E"));
        Assert.Equal($"{prefix}/b", await NameAtAsync($"/api/sandbox/{prefix}%2Fb"));
        Assert.Equal($"{prefix}/b", await NameAtAsync($"/api/sandbox/{prefix}%2fb"));
        Assert.Equal($"{prefix}%2Fb", await NameAtAsync($"/api/sandbox/{prefix}%252Fb"));
        // An unencoded '/' is two segments, never the name with a slash.
        var (status, _) = await SendRawPathAsync(Http, HttpMethod.Get, $"/api/sandbox/{prefix}/b");
        Assert.Equal(HttpStatusCode.NotFound, status);

        // Dot segments are not resolved: this DELETE does not reach /api/sandbox/{slash}.
        foreach (var traversal in new[] { $"/api/sandbox/x/%2E%2E/%2E%2E/sandbox/{slash}", $"/api/sandbox/x/../{slash}", $"/api/sandbox/{slash}/stop/.." })
        {
            (status, _) = await SendRawPathAsync(Http, HttpMethod.Delete, traversal);
            Assert.Equal(HttpStatusCode.NotFound, status);
        }
        foreach (var id in new[] { dot, dotDot, slash, percent })
            Assert.Equal("started", State((await SendAsync(Http, HttpMethod.Get, $"api/sandbox/{id}")).Body));

        // Removing '..' by name removes that one only.
        (status, _) = await SendRawPathAsync(Http, HttpMethod.Delete, "/api/sandbox/%2E%2E");
        Assert.Equal(HttpStatusCode.OK, status);
        await WaitForStateAsync(Http, dotDot, "destroyed");
        Assert.Equal("started", State((await SendAsync(Http, HttpMethod.Get, $"api/sandbox/{dot}")).Body));
    }

    [Fact]
    public async Task ToolboxPathsAddressTheSandboxTheyName()
    {
        var prefix = Unique("t");
        var slash = await CreateNamedAsync($"{prefix}/b");
        var percent = await CreateNamedAsync($"{prefix}%2Fb");
        var (status, _) = await SendRawPathAsync(Http, HttpMethod.Post, $"/toolbox/{prefix}%2Fb/process/session", new { sessionId = "in-slash" });
        Assert.Equal(HttpStatusCode.Created, status);
        (status, _) = await SendRawPathAsync(Http, HttpMethod.Post, $"/toolbox/{prefix}%252Fb/process/session", new { sessionId = "in-percent" });
        Assert.Equal(HttpStatusCode.Created, status);

        var sessions = (string id) => fx.Server.Context.Store.Live.Single(s => s.Id == id).Runtime.Sessions.All.Select(s => s.Id);
        Assert.Equal(["in-slash"], sessions(slash));
        Assert.Equal(["in-percent"], sessions(percent));
    }

    [Fact]
    public async Task ASignedUrlOnlyOpensTheSandboxItsPathAddresses()
    {
        var prefix = Unique("sig");
        var victim = await CreateNamedAsync($"{prefix}/b");
        var other = await CreateNamedAsync($"{prefix}%2Fb");
        await Http.PostAsJsonAsync($"toolbox/{victim}/process/execute", new { command = "echo secret > /home/daytona/secret.txt" });
        await Http.PostAsJsonAsync($"toolbox/{other}/process/execute", new { command = "echo mine > /home/daytona/secret.txt" });
        var otherKey = (await Http.GetFromJsonAsync<JsonElement>($"api/sandbox/{other}/signing-key")).GetString()!;

        const string path = "/home/daytona/secret.txt";
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(otherKey), Encoding.UTF8.GetBytes($"v1:files:GET:{path}:0"));
        var query = $"?path={Uri.EscapeDataString(path)}&expires=0&signature=v1_{Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_')}";
        using var anonymous = new HttpClient { BaseAddress = Http.BaseAddress };

        async Task<(HttpStatusCode Status, string Text)> DownloadAsync(string rawSegment)
        {
            var uri = new Uri(Http.BaseAddress!.GetLeftPart(UriPartial.Authority) + $"/toolbox/{rawSegment}/files/download{query}",
                new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
            using var response = await anonymous.GetAsync(uri);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        // Signed for the sandbox called "{prefix}%2Fb": it opens that one, addressed as %252F ...
        var (status, text) = await DownloadAsync($"{prefix}%252Fb");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("mine\n", text);
        // ... and not "{prefix}/b", addressed as %2F.
        (status, text) = await DownloadAsync($"{prefix}%2Fb");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.DoesNotContain("secret", text);
    }

    [Fact]
    public async Task DotAndSlashSessionIdsCanBeUsedAndRemoved()
    {
        var id = await CreateStartedAsync(Http);
        foreach (var (sessionId, raw) in new[] { (".", "%2E"), ("..", "%2E%2E"), ("a/b", "a%2Fb") })
        {
            var (status, body) = await SendAsync(Http, HttpMethod.Post, $"toolbox/{id}/process/session", new { sessionId });
            Assert.True(status == HttpStatusCode.Created, $"{sessionId}: {(int)status} {body}");
            (status, body) = await SendRawPathAsync(Http, HttpMethod.Post, $"/toolbox/{id}/process/session/{raw}/exec", new { command = "echo in-session" });
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("in-session\n", body.GetProperty("stdout").GetString());
            (status, body) = await SendRawPathAsync(Http, HttpMethod.Get, $"/toolbox/{id}/process/session/{raw}");
            Assert.Equal(sessionId, body.GetProperty("sessionId").GetString());
        }
        foreach (var raw in new[] { "%2E", "..", "a%2Fb" })
        {
            var (status, _) = await SendRawPathAsync(Http, HttpMethod.Delete, $"/toolbox/{id}/process/session/{raw}");
            Assert.Equal(HttpStatusCode.NoContent, status);
        }
        var (_, list) = await SendAsync(Http, HttpMethod.Get, $"toolbox/{id}/process/session");
        Assert.Equal(0, list.GetArrayLength());
    }

    [Fact]
    public async Task TheEntrypointSessionIsReservedAsInTheDaemon()
    {
        var id = await CreateStartedAsync(Http);
        var (status, body) = await SendAsync(Http, HttpMethod.Post, $"toolbox/{id}/process/session", new { sessionId = "entrypoint" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("provided session ID is reserved and cannot be created/overridden", body.GetProperty("message").GetString());
        (status, body) = await SendAsync(Http, HttpMethod.Delete, $"toolbox/{id}/process/session/entrypoint");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("can't delete entrypoint session", body.GetProperty("message").GetString());
    }
}
