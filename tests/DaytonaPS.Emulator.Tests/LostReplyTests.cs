using System.Net;
using System.Text;
using System.Text.Json;
using Xunit;
using static DaytonaPS.Emulator.Tests.Api;

namespace DaytonaPS.Emulator.Tests;

/// <summary>
/// The lost-reply fault (the request is carried out, then the connection drops without a byte of
/// reply) and targeted faults (POST /_emulator/faults/next); each test has its own emulator.
/// </summary>
public sealed class LostReplyTests
{
    private const string Key = ApiServerFixture.ApiKey;

    private static Task<EmulatorServer> StartAsync(Action<EmulatorOptions>? configure = null)
    {
        var options = new EmulatorOptions { TransitionMs = 10, ApiKeys = { Key } };
        configure?.Invoke(options);
        return EmulatorServer.StartAsync(options);
    }

    private static async Task TargetAsync(HttpClient http, object rule)
    {
        var (status, body) = await SendAsync(http, HttpMethod.Post, "_emulator/faults/next", rule);
        Assert.True(status == HttpStatusCode.Created, $"faults/next gave {(int)status}: {body}");
    }

    private static async Task<JsonElement> PendingAsync(HttpClient http)
    {
        var (status, body) = await SendAsync(http, HttpMethod.Get, "_emulator/faults/next");
        Assert.Equal(HttpStatusCode.OK, status);
        return body;
    }

    private static string Text(byte[] reply) => Encoding.UTF8.GetString(reply);

    [Fact]
    public async Task LostReplyOnDeleteRemovesTheSandboxAndSendsNothing()
    {
        await using var server = await StartAsync();
        using var http = Client(server, Key);
        var id = await CreateStartedAsync(http);
        await TargetAsync(http, new { kind = "lost-reply", method = "DELETE", path = "/api/sandbox/*", count = 1 });

        var reply = await RawExchangeAsync(server, "DELETE", $"/api/sandbox/{id}");
        Assert.Empty(reply);
        await WaitForStateAsync(http, id, "destroyed");
        Assert.Equal(0, (await PendingAsync(http)).GetArrayLength());

        // The rule is used up: the same request now gets Daytona's answer.
        reply = await RawExchangeAsync(server, "DELETE", $"/api/sandbox/{id}");
        Assert.StartsWith("HTTP/1.1 404", Text(reply));
    }

    [Fact]
    public async Task AnHttpClientSeesTheLostReplyAsAFailedRequest()
    {
        await using var server = await StartAsync();
        using var http = Client(server, Key);
        var id = await CreateStartedAsync(http);
        await TargetAsync(http, new { kind = "lost-reply", method = "POST", path = $"/api/sandbox/{id}/stop" });

        // A client of its own: the request is its connection's first, so .NET does not re-send it.
        using var fresh = Client(server, Key);
        await Assert.ThrowsAsync<HttpRequestException>(() => fresh.PostAsync($"api/sandbox/{id}/stop", null));
        await WaitForStateAsync(http, id, "stopped");
    }

    [Fact]
    public async Task LostRepliesOnCreateStartStopAndLabelsStillAct()
    {
        await using var server = await StartAsync();
        using var http = Client(server, Key);
        await TargetAsync(http, new { kind = "lost-reply", method = "POST", path = "/api/sandbox" });
        var name = Unique("lost");
        Assert.Empty(await RawExchangeAsync(server, "POST", "/api/sandbox", JsonSerializer.Serialize(new { name })));
        var created = await WaitForStateAsync(http, name, "started");
        var id = created.GetProperty("id").GetString()!;

        await TargetAsync(http, new { kind = "lost-reply", method = "POST", path = "/api/sandbox/*/stop" });
        Assert.Empty(await RawExchangeAsync(server, "POST", $"/api/sandbox/{id}/stop"));
        await WaitForStateAsync(http, id, "stopped");

        await TargetAsync(http, new { kind = "lost-reply", method = "POST", path = "/api/sandbox/*/start" });
        Assert.Empty(await RawExchangeAsync(server, "POST", $"/api/sandbox/{id}/start"));
        await WaitForStateAsync(http, id, "started");

        await TargetAsync(http, new { kind = "lost-reply", method = "PUT", path = "/api/sandbox/*/labels" });
        Assert.Empty(await RawExchangeAsync(server, "PUT", $"/api/sandbox/{id}/labels", """{"labels":{"team":"red"}}"""));
        var (_, sandbox) = await SendAsync(http, HttpMethod.Get, $"api/sandbox/{id}");
        Assert.Equal("red", sandbox.GetProperty("labels").GetProperty("team").GetString());
    }

    [Fact]
    public async Task LostReplyOnSessionExecRunsTheCommand()
    {
        await using var server = await StartAsync();
        using var http = Client(server, Key);
        var id = await CreateStartedAsync(http);
        var (status, _) = await SendAsync(http, HttpMethod.Post, $"toolbox/{id}/process/session", new { sessionId = "s" });
        Assert.Equal(HttpStatusCode.Created, status);
        await TargetAsync(http, new { kind = "lost-reply", method = "POST", path = "/toolbox/*/process/session/*/exec", count = 2 });

        // Synchronous: the command runs to its end, then the reply with its output is lost.
        Assert.Empty(await RawExchangeAsync(server, "POST", $"/toolbox/{id}/process/session/s/exec", """{"command":"echo ran-sync; exit 3"}"""));
        var session = server.Context.Store.Live.Single().Runtime.Sessions.Get("s");
        var sync = Assert.Single(session.Commands);
        Assert.Equal(3, sync.ExitCode);
        Assert.Equal("ran-sync\n", sync.Log.Snapshot().Stdout);

        // Asynchronous: the command starts; the reply naming its id is lost.
        Assert.Empty(await RawExchangeAsync(server, "POST", $"/toolbox/{id}/process/session/s/exec", """{"command":"echo ran-async","runAsync":true}"""));
        var async = session.Commands[1];
        await async.Finished.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("ran-async\n", async.Log.Snapshot().Stdout);

        // Count honoured: the third exec is answered.
        var (execStatus, result) = await SendAsync(http, HttpMethod.Post, $"toolbox/{id}/process/session/s/exec", new { command = "echo answered" });
        Assert.Equal(HttpStatusCode.OK, execStatus);
        Assert.Equal("answered\n", result.GetProperty("stdout").GetString());
        Assert.Equal(3, session.Commands.Count);
    }

    [Fact]
    public async Task TargetedFaultsHitOnlyMatchingRequestsAndHonourCount()
    {
        await using var server = await StartAsync();
        using var http = Client(server, Key);
        var id = await CreateStartedAsync(http);
        await TargetAsync(http, new { kind = "503", method = "GET", path = $"/api/sandbox/{id}", count = 2 });
        var pending = Assert.Single((await PendingAsync(http)).EnumerateArray());
        Assert.Equal("503", pending.GetProperty("kind").GetString());
        Assert.Equal("GET", pending.GetProperty("method").GetString());
        Assert.Equal(2, pending.GetProperty("count").GetInt32());

        // Other paths and methods are not matched and use up nothing.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Get, "api/sandbox")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Put, $"api/sandbox/{id}/labels", new { labels = new { } })).Status);

        var (status, body) = await SendAsync(http, HttpMethod.Get, $"api/sandbox/{id}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(503, body.GetProperty("statusCode").GetInt32());
        Assert.Equal(1, Assert.Single((await PendingAsync(http)).EnumerateArray()).GetProperty("count").GetInt32());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await SendAsync(http, HttpMethod.Get, $"api/sandbox/{id}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Get, $"api/sandbox/{id}")).Status);
        Assert.Equal(0, (await PendingAsync(http)).GetArrayLength());
    }

    [Fact]
    public async Task EveryKindCanBeTargetedWhateverTheFaultRate()
    {
        await using var server = await StartAsync();
        using var http = Client(server, Key);
        var id = await CreateStartedAsync(http);

        await TargetAsync(http, new { kind = "500", path = "/api/sandbox" });
        var (status, body) = await SendAsync(http, HttpMethod.Get, "api/sandbox");
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        AssertError(body, 500, "An unexpected error occurred.");

        // Toolbox routes too, with '**' spanning segments.
        await TargetAsync(http, new { kind = "429", method = "post", path = "/toolbox/**" });
        using (var limited = await http.PostAsync($"toolbox/{id}/process/execute", JsonContent("""{"command":"true"}""")))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.True(limited.Headers.Contains("Retry-After-authenticated"));
        }

        // reset: the handler does not run; the connection drops mid-reply (what arrives of its
        // start depends on TCP timing, so only its absence of a whole reply is asserted).
        await TargetAsync(http, new { kind = "reset", method = "DELETE" });
        var reply = Text(await RawExchangeAsync(server, "DELETE", $"/api/sandbox/{id}"));
        Assert.DoesNotContain("\"state\"", reply);
        Assert.Equal("started", State((await SendAsync(http, HttpMethod.Get, $"api/sandbox/{id}")).Body));
    }

    [Fact]
    public async Task TargetedFaultsDrawNothingFromTheSeed()
    {
        async Task<List<int>> Run(bool withTargeted)
        {
            await using var server = await StartAsync(o =>
            {
                o.FaultRate = 0.5;
                o.Seed = 11;
                o.FaultKinds.UnionWith(["500", "503"]);
            });
            using var http = Client(server, Key);
            if (withTargeted)
            {
                await TargetAsync(http, new { kind = "429", path = "/api/snapshots", count = 3 });
                for (var i = 0; i < 3; i++)
                    Assert.Equal(HttpStatusCode.TooManyRequests, (await SendAsync(http, HttpMethod.Get, "api/snapshots")).Status);
            }
            var outcomes = new List<int>();
            for (var i = 0; i < 30; i++) outcomes.Add((int)(await SendAsync(http, HttpMethod.Get, "api/sandbox")).Status);
            return outcomes;
        }

        var plain = await Run(false);
        Assert.Contains(200, plain);
        Assert.Contains(plain, s => s != 200);
        Assert.Equal(plain, await Run(true));
    }

    [Fact]
    public async Task LostReplyIsOptInAndDrawnLikeAnyKind()
    {
        Assert.Contains("lost-reply", EmulatorOptions.Parse(["--fault-kinds", "lost-reply"]).FaultKinds);
        Assert.DoesNotContain("lost-reply", EmulatorOptions.Parse(["--fault-kinds", "all"]).FaultKinds);
        Assert.DoesNotContain("lost-reply", EmulatorOptions.Parse([]).FaultKinds);

        await using var server = await StartAsync(o => { o.FaultRate = 1; o.FaultKinds.Add("lost-reply"); });
        using var http = Client(server, Key);
        var name = Unique("drawn");
        Assert.Empty(await RawExchangeAsync(server, "POST", "/api/sandbox", JsonSerializer.Serialize(new { name })));
        Assert.Contains(server.Context.Store.Live, s => s.Name == name);

        var (status, view) = await SendAsync(http, HttpMethod.Put, "_emulator/faults", new { faultRate = 0, faultKinds = "all" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain("lost-reply", view.GetProperty("faultKinds").EnumerateArray().Select(e => e.GetString()));
        (_, view) = await SendAsync(http, HttpMethod.Put, "_emulator/faults", new { faultKinds = new[] { "lost-reply", "500" } });
        Assert.Equal(["500", "lost-reply"], view.GetProperty("faultKinds").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task TargetedFaultRulesAreValidatedListedAndCleared()
    {
        await using var server = await StartAsync();
        using var http = Client(server, Key);
        foreach (var bad in new object[]
        {
            new { kind = "teapot" },
            new { method = "GET" },
            new { kind = "500", path = "api/sandbox" },
            new { kind = "500", count = 0 },
            new { kind = "500", colour = "red" },
        })
        {
            var (status, body) = await SendAsync(http, HttpMethod.Post, "_emulator/faults/next", bad);
            Assert.True(status == HttpStatusCode.BadRequest, $"{JsonSerializer.Serialize(bad)} gave {(int)status}");
            Assert.Equal(400, body.GetProperty("statusCode").GetInt32());
        }

        await TargetAsync(http, new { kind = "Lost-Reply" });
        await TargetAsync(http, new { kind = "slow", method = "*", path = "/api/volumes", count = 4 });
        var rules = (await PendingAsync(http)).EnumerateArray().ToList();
        Assert.Equal(2, rules.Count);
        Assert.Equal("lost-reply", rules[0].GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, rules[0].GetProperty("method").ValueKind);
        Assert.Equal(JsonValueKind.Null, rules[0].GetProperty("path").ValueKind);
        Assert.Equal(1, rules[0].GetProperty("count").GetInt32());
        Assert.Equal(4, rules[1].GetProperty("count").GetInt32());

        // The admin routes themselves are never faulted, even by a rule that matches anything.
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(http, HttpMethod.Delete, "_emulator/faults/next")).Status);
        Assert.Equal(0, (await PendingAsync(http)).GetArrayLength());
    }
}
