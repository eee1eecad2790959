using System.Net;
using System.Text.Json;
using Xunit;
using static DaytonaPS.Emulator.Tests.Api;

namespace DaytonaPS.Emulator.Tests;

/// <summary>/secret and the sandbox side of secrets (create body, PUT /sandbox/{id}/secrets) plus the toolbox's POST /env.</summary>
public sealed class ApiSecretRulesTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private HttpClient Http => fx.Http;

    private static string SecretName(string prefix) => Unique(prefix).Replace('-', '_');

    private async Task<JsonElement> CreateSecretAsync(string name, string value = "v", string[]? hosts = null)
    {
        var (status, json) = await SendAsync(Http, HttpMethod.Post, "api/secret", new { name, value, hosts });
        Assert.Equal(HttpStatusCode.Created, status);
        return json;
    }

    private async Task<string> ExecAsync(string sandboxId, string command)
    {
        var (status, json) = await SendAsync(Http, HttpMethod.Post, $"toolbox/{sandboxId}/process/execute", new { command });
        Assert.Equal(HttpStatusCode.OK, status);
        return json.GetProperty("result").GetString()!;
    }

    [Fact]
    public async Task CreateAnswersMetadataOnlyAndChecksNamesValuesAndHosts()
    {
        var name = SecretName("s");
        var json = await CreateSecretAsync(name, "the-value", ["api.example.com", "*.Example.org"]);
        Assert.Equal(name, json.GetProperty("name").GetString());
        Assert.StartsWith("dtn_secret_", json.GetProperty("placeholder").GetString());
        Assert.Equal("api.example.com,*.example.org", string.Join(",", json.GetProperty("hosts").EnumerateArray().Select(h => h.GetString())));
        Assert.False(json.TryGetProperty("value", out _));
        Assert.DoesNotContain("the-value", json.GetRawText());

        var (status, err) = await SendAsync(Http, HttpMethod.Post, "api/secret", new { name, value = "x" });
        Assert.Equal(HttpStatusCode.Conflict, status);
        AssertError(err, 409, $"Secret with name {name} already exists");
        (_, err) = await SendAsync(Http, HttpMethod.Post, "api/secret", new { name = "1bad", value = "x" });
        AssertError(err, 400, "name must start with a letter or underscore and contain only letters, digits, hyphens and underscores");
        (_, err) = await SendAsync(Http, HttpMethod.Post, "api/secret", new { name = SecretName("e"), value = "" });
        AssertError(err, 400, "value should not be empty");
        (_, err) = await SendAsync(Http, HttpMethod.Post, "api/secret", new { name = SecretName("b"), value = new string('x', 64 * 1024 + 1) });
        AssertError(err, 400, "value must not be larger than 64 KiB");
        foreach (var host in new[] { "api.example.com:443", "https://api.example.com", "a b", "*" })
        {
            (status, err) = await SendAsync(Http, HttpMethod.Post, "api/secret", new { name = SecretName("h"), value = "x", hosts = new[] { host } });
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("Invalid host", err.GetProperty("message").GetString());
        }
    }

    [Fact]
    public async Task PatchChangesOnlyWhatIsGivenAndDeleteAnswers204Then404()
    {
        var created = await CreateSecretAsync(SecretName("p"), "one", ["a.example.com"]);
        var id = created.GetProperty("id").GetString()!;
        var (status, json) = await SendAsync(Http, HttpMethod.Patch, $"api/secret/{id}", new { description = "d" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("d", json.GetProperty("description").GetString());
        Assert.Equal("a.example.com", json.GetProperty("hosts")[0].GetString());
        Assert.Equal(created.GetProperty("placeholder").GetString(), json.GetProperty("placeholder").GetString());
        (_, json) = await SendAsync(Http, HttpMethod.Patch, $"api/secret/{id}", new { value = "two", hosts = Array.Empty<string>() });
        Assert.Equal(0, json.GetProperty("hosts").GetArrayLength());
        Assert.Equal("two", fx.Server.Context.Secrets.Get(id).Value);

        (status, _) = await SendAsync(Http, HttpMethod.Delete, $"api/secret/{id}");
        Assert.Equal(HttpStatusCode.NoContent, status);
        (status, json) = await SendAsync(Http, HttpMethod.Get, $"api/secret/{id}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        AssertError(json, 404, $"Secret with ID {id} not found");
        (status, _) = await SendAsync(Http, HttpMethod.Delete, $"api/secret/{id}");
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task PaginatedListFiltersSortsAndPagesWithoutSkipping()
    {
        var tag = "pg" + Guid.NewGuid().ToString("N")[..6];
        foreach (var n in new[] { "c", "a", "b", "e", "d" }) await CreateSecretAsync($"{tag}_{n}");
        var names = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var (status, json) = await SendAsync(Http, HttpMethod.Get, $"api/secret/paginated?name={tag.ToUpperInvariant()}&sort=name&order=asc&limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(5, json.GetProperty("total").GetInt32());
            names.AddRange(json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!));
            cursor = json.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null);
        Assert.Equal(3, pages);
        Assert.Equal(new[] { "a", "b", "c", "d", "e" }.Select(n => $"{tag}_{n}"), names);

        var (_, err) = await SendAsync(Http, HttpMethod.Get, "api/secret/paginated?sort=value");
        AssertError(err, 400, "sort must be one of the following values: name, createdAt, updatedAt");
        (_, err) = await SendAsync(Http, HttpMethod.Get, "api/secret/paginated?limit=201");
        AssertError(err, 400, "limit must not be greater than 200");
        (_, err) = await SendAsync(Http, HttpMethod.Get, "api/secret/paginated?cursor=nonsense");
        AssertError(err, 400, "Invalid cursor");
    }

    [Fact]
    public async Task MountedSecretsArePlaceholdersInNewCommandsAndPutReplacesTheSet()
    {
        var first = await CreateSecretAsync(SecretName("m"), "real-1");
        var second = await CreateSecretAsync(SecretName("n"), "real-2");
        var id = await CreateStartedAsync(Http, new
        {
            env = new Dictionary<string, string> { ["PLAIN"] = "p" },
            secrets = new[] { new Dictionary<string, string> { ["TOKEN"] = first.GetProperty("name").GetString()! } },
        });
        var p1 = first.GetProperty("placeholder").GetString();
        var p2 = second.GetProperty("placeholder").GetString();
        Assert.Equal($"{p1}|p|\n", await ExecAsync(id, "bash -c 'echo \"$TOKEN|$PLAIN|$OTHER\"'"));
        var (_, sandbox) = await SendAsync(Http, HttpMethod.Get, $"api/sandbox/{id}");
        Assert.False(sandbox.GetProperty("env").TryGetProperty("TOKEN", out _));   // env shows the create env only

        var (status, _) = await SendAsync(Http, HttpMethod.Put, $"api/sandbox/{id}/secrets",
            new { secrets = new[] { new Dictionary<string, string> { ["OTHER"] = second.GetProperty("name").GetString()! } } });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal($"|p|{p2}\n", await ExecAsync(id, "bash -c 'echo \"$TOKEN|$PLAIN|$OTHER\"'"));

        var (_, err) = await SendAsync(Http, HttpMethod.Put, $"api/sandbox/{id}/secrets",
            new { secrets = new[] { new Dictionary<string, string> { ["X"] = "no_such_secret" } } });
        AssertError(err, 404, "Secret with name no_such_secret not found");
        (_, err) = await SendAsync(Http, HttpMethod.Put, $"api/sandbox/{id}/secrets",
            new { secrets = new[] { new Dictionary<string, string> { ["1X"] = second.GetProperty("name").GetString()! } } });
        AssertError(err, 400, "Invalid environment variable name \"1X\" in secrets");
        (_, err) = await SendAsync(Http, HttpMethod.Post, "api/sandbox",
            new { secrets = new[] { new Dictionary<string, string> { ["X"] = "no_such_secret" } } });
        AssertError(err, 404, "Secret with name no_such_secret not found");

        (status, _) = await SendAsync(Http, HttpMethod.Put, $"api/sandbox/{id}/secrets", new { secrets = Array.Empty<object>() });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("|p|\n", await ExecAsync(id, "bash -c 'echo \"$TOKEN|$PLAIN|$OTHER\"'"));
        await SendAsync(Http, HttpMethod.Delete, $"api/sandbox/{id}");
    }

    [Fact]
    public async Task UpdateEnvSetsAndUnsetsForLaterCommandsAndARestartForgetsIt()
    {
        var secret = await CreateSecretAsync(SecretName("r"));
        var id = await CreateStartedAsync(Http, new
        {
            env = new Dictionary<string, string> { ["KEEP"] = "k", ["DROP"] = "d" },
            secrets = new[] { new Dictionary<string, string> { ["TOKEN"] = secret.GetProperty("name").GetString()! } },
        });
        var (status, json) = await SendAsync(Http, HttpMethod.Post, $"toolbox/{id}/env", new { set = new Dictionary<string, string> { ["NEW"] = "n" }, unset = new[] { "DROP" } });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("n", json.GetProperty("NEW").GetString());
        Assert.False(json.TryGetProperty("DROP", out _));
        Assert.Equal("k|n|\n", await ExecAsync(id, "bash -c 'echo \"$KEEP|$NEW|$DROP\"'"));

        // unsetValuePrefix removes every placeholder variable not being set.
        (_, json) = await SendAsync(Http, HttpMethod.Post, $"toolbox/{id}/env", new { unsetValuePrefix = "dtn_secret_" });
        Assert.False(json.TryGetProperty("TOKEN", out _));
        (status, json) = await SendAsync(Http, HttpMethod.Post, $"toolbox/{id}/env", new { set = new Dictionary<string, string> { ["A=B"] = "x" } });
        Assert.Equal(HttpStatusCode.BadRequest, status);

        await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/stop");
        await WaitForStateAsync(Http, id, "stopped");
        await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/start");
        await WaitForStateAsync(Http, id, "started");
        Assert.Equal($"k||d|{secret.GetProperty("placeholder").GetString()}\n", await ExecAsync(id, "bash -c 'echo \"$KEEP|$NEW|$DROP|$TOKEN\"'"));
        await SendAsync(Http, HttpMethod.Delete, $"api/sandbox/{id}");
    }

    [Fact]
    public async Task CreateChecksTheNewerCreateFields()
    {
        var (_, err) = await SendAsync(Http, HttpMethod.Post, "api/sandbox", new { autoStopInterval = 5, autoPauseInterval = 5 });
        AssertError(err, 400, "autoStopInterval and autoPauseInterval are mutually exclusive. Set at most one of them to a non-zero value");
        (_, err) = await SendAsync(Http, HttpMethod.Post, "api/sandbox", new { autoPauseInterval = 5, autoDeleteInterval = 0 });
        AssertError(err, 400, "Ephemeral sandboxes cannot have auto-pause enabled. Set autoPauseInterval to 0");
        (_, err) = await SendAsync(Http, HttpMethod.Post, "api/sandbox", new { autoPauseInterval = 5 });
        AssertError(err, 422, "Auto-pause is not supported for this sandbox");
        (_, err) = await SendAsync(Http, HttpMethod.Post, "api/sandbox", new { networkAllowList = "10.0.0.0" });
        AssertError(err, 400, "Invalid network format: \"10.0.0.0\". Missing CIDR prefix length (e.g., /24)");
        (_, err) = await SendAsync(Http, HttpMethod.Post, "api/sandbox", new { outboundProxyUrl = "socks5://proxy:1080" });
        AssertError(err, 400, "outboundProxyUrl must be an http or https URL");
        (_, err) = await SendAsync(Http, HttpMethod.Post, "api/sandbox", new { spot = true });
        AssertError(err, 400, "spot is only supported for GPU sandboxes");
        (_, err) = await SendAsync(Http, HttpMethod.Post, "api/sandbox", new { linkedSandbox = "x" });
        AssertError(err, 400, "Linked sandboxes must be ephemeral (set autoDeleteInterval to 0)");
    }
}
