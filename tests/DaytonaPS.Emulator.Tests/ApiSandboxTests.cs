using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Xunit;
using static DaytonaPS.Emulator.Tests.Api;

namespace DaytonaPS.Emulator.Tests;

public sealed class ApiSandboxTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private HttpClient Http => fx.Http;

    [Fact]
    public async Task CreateFromDefaultSnapshotHasEveryRequiredField()
    {
        var name = Unique("req");
        var created = await CreateAsync(Http, new { name, labels = new { team = "a" }, env = new { A = "1" } });
        Assert.Contains(State(created), new[] { "creating", "started" });
        foreach (var field in new[] { "id", "organizationId", "name", "user", "env", "labels", "public", "networkBlockAll", "target", "cpu", "gpu", "memory", "disk", "toolboxProxyUrl", "kvm" })
            Assert.True(created.TryGetProperty(field, out _), $"missing {field}");
        Assert.Equal(name, created.GetProperty("name").GetString());
        Assert.Equal("daytonaio/sandbox:0.5.0-slim", created.GetProperty("snapshot").GetString());
        Assert.Equal(fx.Server.Context.ToolboxProxyUrl, created.GetProperty("toolboxProxyUrl").GetString());
        Assert.Equal("daytona", created.GetProperty("user").GetString());
        Assert.Equal(15, created.GetProperty("autoStopInterval").GetInt32());
        Assert.Equal(-1, created.GetProperty("autoDeleteInterval").GetInt32());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", created.GetProperty("createdAt").GetString());

        var id = created.GetProperty("id").GetString()!;
        var started = await WaitForStateAsync(Http, id, "started");
        Assert.Equal("started", started.GetProperty("desiredState").GetString());

        // By name too, and the id wins over a name.
        var (status, byName) = await SendAsync(Http, HttpMethod.Get, $"api/sandbox/{name}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(id, byName.GetProperty("id").GetString());
    }

    [Fact]
    public async Task NameDefaultsToTheId()
    {
        var created = await CreateAsync(Http);
        Assert.Equal(created.GetProperty("id").GetString(), created.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("{\"cpu\":2}", "Cannot specify Sandbox resources when using a snapshot")]
    [InlineData("{\"memory\":4,\"snapshot\":\"daytonaio/sandbox:0.5.0-slim\"}", "Cannot specify Sandbox resources when using a snapshot")]
    [InlineData("{\"buildInfo\":{\"dockerfileContent\":\"FROM alpine:3\"},\"snapshot\":\"daytonaio/sandbox:0.5.0-slim\"}", "Cannot specify a snapshot when using a build info entry")]
    [InlineData("{\"snapshot\":\"no-such-snapshot\"}", "Snapshot no-such-snapshot not found. Did you add it through the Daytona Dashboard?")]
    [InlineData("{\"cpu\":\"two\"}", "cpu must be an integer number")]
    [InlineData("{\"labels\":[1]}", "labels must be an object")]
    [InlineData("{\"autoStopInterval\":-1}", "autoStopInterval must not be less than 0")]
    public async Task CreateValidation(string body, string message)
    {
        var (status, json) = await SendAsync(Http, HttpMethod.Post, "api/sandbox", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(json, 400, message);
    }

    [Fact]
    public async Task MalformedJsonIsA400WithDaytonasBody()
    {
        var (status, json) = await SendAsync(Http, HttpMethod.Post, "api/sandbox", "{\"name\":");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("Unexpected token", json.GetProperty("message").GetString());
        Assert.Equal("Bad Request", json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task BuildInfoAllowsResourcesAndGoesThroughTheBuildStates()
    {
        var created = await CreateAsync(Http, new { buildInfo = new { dockerfileContent = "FROM python:3.12\n" }, cpu = 2, memory = 4, disk = 5 });
        Assert.Equal("pending_build", State(created));
        Assert.Equal(2, created.GetProperty("cpu").GetInt32());
        Assert.Equal(4, created.GetProperty("memory").GetInt32());
        Assert.StartsWith("daytona-", created.GetProperty("buildInfo").GetProperty("snapshotRef").GetString());
        await WaitForStateAsync(Http, created.GetProperty("id").GetString()!, "started");
    }

    [Fact]
    public async Task DuplicateLiveNameIs409AndDeleteFreesTheName()
    {
        var name = Unique("dup");
        var id = await CreateStartedAsync(Http, new { name });
        var (status, json) = await SendAsync(Http, HttpMethod.Post, "api/sandbox", new { name });
        Assert.Equal(HttpStatusCode.Conflict, status);
        AssertError(json, 409, $"Sandbox with name {name} already exists");

        var (delStatus, deleted) = await SendAsync(Http, HttpMethod.Delete, $"api/sandbox/{id}");
        Assert.Equal(HttpStatusCode.OK, delStatus);
        Assert.Equal("destroying", State(deleted));
        Assert.StartsWith($"DESTROYED_{name}_", deleted.GetProperty("name").GetString());

        // The name is free at once; the old sandbox ends up 404.
        var again = await CreateAsync(Http, new { name });
        Assert.NotEqual(id, again.GetProperty("id").GetString());
        await WaitForStateAsync(Http, id, "destroyed");
        var (getStatus, notFound) = await SendAsync(Http, HttpMethod.Get, $"api/sandbox/{id}");
        Assert.Equal(HttpStatusCode.NotFound, getStatus);
        AssertError(notFound, 404, $"Sandbox with ID or name {id} not found");
    }

    [Fact]
    public async Task CursorPagingAcrossSeveralPagesWithALabelsFilter()
    {
        var run = Guid.NewGuid().ToString("N");
        var ids = new HashSet<string>();
        for (var i = 0; i < 7; i++)
            ids.Add((await CreateAsync(Http, new { labels = new Dictionary<string, string> { ["run"] = run, ["i"] = i.ToString() } })).GetProperty("id").GetString()!);
        await CreateAsync(Http, new { labels = new { run = "other" } });

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        var labels = Uri.EscapeDataString(JsonSerializer.Serialize(new { run }));
        do
        {
            var url = $"api/sandbox?limit=3&labels={labels}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            var (status, page) = await SendAsync(Http, HttpMethod.Get, url);
            Assert.Equal(HttpStatusCode.OK, status);
            foreach (var item in page.GetProperty("items").EnumerateArray())
            {
                seen.Add(item.GetProperty("id").GetString()!);
                Assert.False(item.TryGetProperty("env", out _));
                Assert.False(item.TryGetProperty("volumes", out _));
                Assert.False(item.TryGetProperty("buildInfo", out _));
                Assert.True(item.TryGetProperty("toolboxProxyUrl", out _));
            }
            var next = page.GetProperty("nextCursor");
            cursor = next.ValueKind == JsonValueKind.Null ? null : next.GetString();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(7, seen.Count);
        Assert.Equal(ids.OrderBy(x => x), seen.OrderBy(x => x));
    }

    [Fact]
    public async Task DeletingWhilePagingSkipsNothing()
    {
        var run = Guid.NewGuid().ToString("N");
        for (var i = 0; i < 6; i++) await CreateStartedAsync(Http, new { labels = new { run } });
        var labels = Uri.EscapeDataString(JsonSerializer.Serialize(new { run }));
        var (_, first) = await SendAsync(Http, HttpMethod.Get, $"api/sandbox?limit=3&labels={labels}&sort=createdAt&order=asc");
        foreach (var item in first.GetProperty("items").EnumerateArray())
            await SendAsync(Http, HttpMethod.Delete, $"api/sandbox/{item.GetProperty("id").GetString()}");
        var cursor = Uri.EscapeDataString(first.GetProperty("nextCursor").GetString()!);
        var (_, second) = await SendAsync(Http, HttpMethod.Get, $"api/sandbox?limit=3&labels={labels}&sort=createdAt&order=asc&cursor={cursor}");
        Assert.Equal(3, second.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task ListFiltersStatesNamePrefixAndSort()
    {
        var prefix = Unique("Lst");
        var a = await CreateStartedAsync(Http, new { name = prefix + "-a" });
        var b = await CreateStartedAsync(Http, new { name = prefix + "-b" });
        await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{b}/stop");
        await WaitForStateAsync(Http, b, "stopped");

        async Task<List<string>> Names(string query)
        {
            var (status, page) = await SendAsync(Http, HttpMethod.Get, "api/sandbox?" + query);
            Assert.Equal(HttpStatusCode.OK, status);
            return page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!).ToList();
        }

        var lower = prefix.ToLowerInvariant();
        Assert.Equal([prefix + "-a", prefix + "-b"], await Names($"name={lower}&sort=name&order=asc"));
        Assert.Equal([prefix + "-b", prefix + "-a"], await Names($"name={lower}&sort=name&order=desc"));
        Assert.Equal([prefix + "-b"], await Names($"name={lower}&states=stopped"));
        Assert.Equal([prefix + "-a", prefix + "-b"], await Names($"name={lower}&states=stopped&states=started&sort=name&order=asc"));
        Assert.Equal([prefix + "-a"], await Names($"name={lower}&states[]=started"));
        Assert.Equal([prefix + "-a"], await Names($"id={a[..8].ToUpperInvariant()}"));
    }

    [Theory]
    [InlineData("labels=%7Bnot-json", "Invalid labels JSON format")]
    [InlineData("labels=%5B1%5D", "Invalid labels JSON format")]
    [InlineData("limit=0", "limit must not be less than 1")]
    [InlineData("limit=201", "limit must not be greater than 200")]
    [InlineData("sort=size", "sort must be one of the following values: name, cpu, memoryGib, diskGib, lastActivityAt, createdAt")]
    public async Task ListValidation(string query, string message)
    {
        var (status, json) = await SendAsync(Http, HttpMethod.Get, "api/sandbox?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(json, 400, message);
    }

    [Fact]
    public async Task DestroyedStateIsRejectedAsAFilter()
    {
        var (status, json) = await SendAsync(Http, HttpMethod.Get, "api/sandbox?states=destroyed");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("each value must be one of the following values: creating, ", json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task PutLabelsReplacesAndSettingsPostsAnswer201()
    {
        var id = await CreateStartedAsync(Http, new { labels = new { a = "1", b = "2" } });
        var (status, json) = await SendAsync(Http, HttpMethod.Put, $"api/sandbox/{id}/labels", new { labels = new { c = "3" } });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("{\"c\":\"3\"}", json.GetProperty("labels").GetRawText());

        (status, json) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/autostop/30");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(30, json.GetProperty("autoStopInterval").GetInt32());
        (status, json) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/autoarchive/0");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(43200, json.GetProperty("autoArchiveInterval").GetInt32());
        (status, json) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/autodelete/-1");
        Assert.Equal(HttpStatusCode.Created, status);
        (status, json) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/public/true");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.True(json.GetProperty("public").GetBoolean());
        (status, json) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/ttl/60");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.NotEqual(JsonValueKind.Null, json.GetProperty("autoDestroyAt").ValueKind);
        (status, _) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/last-activity");
        Assert.Equal(HttpStatusCode.Created, status);

        (status, json) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/autostop/abc");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(json, 400, "Validation failed (numeric string is expected)");
        (status, json) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/network-settings", new { });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        (status, json) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/network-settings", new { networkBlockAll = true });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(json.GetProperty("networkBlockAll").GetBoolean());
    }

    [Fact]
    public async Task Unauthenticated401AndUnknownRoute404()
    {
        using var anonymous = Client(fx.Server, null);
        var (status, json) = await SendAsync(anonymous, HttpMethod.Get, "api/sandbox");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        AssertError(json, 401, "Unauthorized");
        using var wrong = Client(fx.Server, "wrong-key");
        (status, _) = await SendAsync(wrong, HttpMethod.Get, "api/sandbox");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        (status, _) = await SendAsync(anonymous, HttpMethod.Get, "api/config");
        Assert.Equal(HttpStatusCode.OK, status);
        (status, _) = await SendAsync(anonymous, HttpMethod.Get, "_emulator/faults");
        Assert.Equal(HttpStatusCode.Unauthorized, status);

        (status, json) = await SendAsync(Http, HttpMethod.Patch, "api/sandbox");
        Assert.Equal(HttpStatusCode.NotFound, status);
        AssertError(json, 404, "Cannot PATCH /api/sandbox");
    }

    [Fact]
    public async Task JwtNeedsTheOrganizationHeader()
    {
        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions { Jwt = "jwt-token", OrganizationId = "org-42" });
        using var http = Client(server, "jwt-token");
        var (status, json) = await SendAsync(http, HttpMethod.Get, "api/sandbox");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(403, json.GetProperty("statusCode").GetInt32());

        http.DefaultRequestHeaders.Add("X-Daytona-Organization-ID", "org-42");
        (status, _) = await SendAsync(http, HttpMethod.Get, "api/sandbox");
        Assert.Equal(HttpStatusCode.OK, status);
        var created = await CreateAsync(http);
        Assert.Equal("org-42", created.GetProperty("organizationId").GetString());

        using var other = Client(server, "jwt-token");
        other.DefaultRequestHeaders.Add("X-Daytona-Organization-ID", "org-other");
        (status, _) = await SendAsync(other, HttpMethod.Get, "api/sandbox");
        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task SshAccessCreateRevokesEarlierTokensAndValidates()
    {
        var id = await CreateStartedAsync(Http);
        var (status, first) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/ssh-access?expiresInMinutes=5");
        Assert.Equal(HttpStatusCode.OK, status);
        var token1 = first.GetProperty("token").GetString()!;
        Assert.Equal($"ssh -p {fx.Server.Context.SshGateway!.Port} {token1}@127.0.0.1", first.GetProperty("sshCommand").GetString());
        Assert.Equal(id, first.GetProperty("sandboxId").GetString());

        var (_, second) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/ssh-access");
        var token2 = second.GetProperty("token").GetString()!;
        Assert.NotEqual(token1, token2);

        var (_, v1) = await SendAsync(Http, HttpMethod.Get, $"api/sandbox/ssh-access/validate?token={token1}");
        Assert.False(v1.GetProperty("valid").GetBoolean());
        var (_, v2) = await SendAsync(Http, HttpMethod.Get, $"api/sandbox/ssh-access/validate?token={token2}");
        Assert.True(v2.GetProperty("valid").GetBoolean());
        Assert.Equal(id, v2.GetProperty("sandboxId").GetString());

        var (tooLong, body) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/ssh-access?expiresInMinutes=1e300");
        Assert.Equal(HttpStatusCode.BadRequest, tooLong);
        Assert.Equal("expiresInMinutes is too large", body.GetProperty("message").GetString());

        (status, _) = await SendAsync(Http, HttpMethod.Delete, $"api/sandbox/{id}/ssh-access?token={token2}");
        Assert.Equal(HttpStatusCode.OK, status);
        (_, v2) = await SendAsync(Http, HttpMethod.Get, $"api/sandbox/ssh-access/validate?token={token2}");
        Assert.False(v2.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task PreviewUrlsAndToolboxProxyUrl()
    {
        var id = await CreateStartedAsync(Http);
        var (status, preview) = await SendAsync(Http, HttpMethod.Get, $"api/sandbox/{id}/ports/3000/preview-url");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(id, preview.GetProperty("sandboxId").GetString());
        Assert.StartsWith($"http://3000-{id}.localhost:", preview.GetProperty("url").GetString());
        Assert.False(string.IsNullOrEmpty(preview.GetProperty("token").GetString()));

        var (_, signed) = await SendAsync(Http, HttpMethod.Get, $"api/sandbox/{id}/ports/8080/signed-preview-url?expiresInSeconds=120");
        Assert.Equal(8080, signed.GetProperty("port").GetInt32());
        Assert.Matches("^[a-z0-9]{16}$", signed.GetProperty("token").GetString());
        (status, _) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/ports/8080/signed-preview-url/{signed.GetProperty("token").GetString()}/expire");
        Assert.Equal(HttpStatusCode.Created, status);

        (status, var bad) = await SendAsync(Http, HttpMethod.Get, $"api/sandbox/{id}/ports/70000/preview-url");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(400, bad.GetProperty("statusCode").GetInt32());

        var (_, proxy) = await SendAsync(Http, HttpMethod.Get, $"api/sandbox/{id}/toolbox-proxy-url");
        Assert.Equal(fx.Server.BaseUrl + "/toolbox", proxy.GetProperty("url").GetString());
    }
}
