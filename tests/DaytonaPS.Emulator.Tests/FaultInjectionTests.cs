using System.Net;
using Xunit;
using static DaytonaPS.Emulator.Tests.Api;

namespace DaytonaPS.Emulator.Tests;

/// <summary>Latency, injected faults, rate limits and the admin endpoint; each test has its own emulator.</summary>
public sealed class FaultInjectionTests
{
    private static Task<EmulatorServer> StartAsync(Action<EmulatorOptions>? configure = null)
    {
        var options = new EmulatorOptions { TransitionMs = 10, ApiKeys = { "k" } };
        configure?.Invoke(options);
        return EmulatorServer.StartAsync(options);
    }

    private static async Task<List<string>> OutcomesAsync(HttpClient http, int count)
    {
        var outcomes = new List<string>();
        for (var i = 0; i < count; i++)
        {
            try
            {
                using var response = await http.GetAsync("api/sandbox?limit=1");
                outcomes.Add(((int)response.StatusCode).ToString());
            }
            catch (HttpRequestException)
            {
                outcomes.Add("reset");
            }
        }
        return outcomes;
    }

    [Fact]
    public async Task FaultsAreReproducibleBySeed()
    {
        async Task<List<string>> Run(int seed)
        {
            await using var server = await StartAsync(o =>
            {
                o.FaultRate = 0.5;
                o.Seed = seed;
                o.FaultKinds.UnionWith(["500", "503", "429", "reset"]);
            });
            using var http = Client(server, "k");
            return await OutcomesAsync(http, 40);
        }

        var first = await Run(7);
        var second = await Run(7);
        Assert.Equal(first, second);
        Assert.Contains("200", first);
        Assert.Contains(first, o => o != "200");
        Assert.NotEqual(first, await Run(8));
    }

    [Fact]
    public async Task InjectedErrorsUseDaytonasBodyAnd429HasSuffixedHeaders()
    {
        await using var server = await StartAsync(o => { o.FaultRate = 1; o.FaultKinds.Add("429"); });
        using var http = Client(server, "k");
        using var response = await http.PostAsync("api/sandbox", JsonContent("{}"));
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(response.Headers.Contains("Retry-After-sandbox-create"));
        Assert.True(response.Headers.Contains("X-RateLimit-Remaining-sandbox-create"));
        var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        AssertError(body, 429, "ThrottlerException: Too Many Requests");
        Assert.Empty(server.Context.Store.Live);

        // Admin and config are never faulted.
        var (status, _) = await SendAsync(http, HttpMethod.Get, "_emulator/faults");
        Assert.Equal(HttpStatusCode.OK, status);
        (status, _) = await SendAsync(http, HttpMethod.Get, "api/config");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Injected429SendsAShortConfigurableRetryAfter()
    {
        await using var server = await StartAsync(o => { o.FaultRate = 1; o.FaultKinds.Add("429"); });
        using var http = Client(server, "k");
        using (var response = await http.GetAsync("api/sandbox"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Equal("1", response.Headers.GetValues("Retry-After-authenticated").Single());
            Assert.Equal("1", response.Headers.GetValues("X-RateLimit-Reset-authenticated").Single());
        }

        var (status, view) = await SendAsync(http, HttpMethod.Put, "_emulator/faults", new { retryAfterSec = 0 });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, view.GetProperty("retryAfterSec").GetInt32());
        using (var response = await http.PostAsync("api/sandbox", JsonContent("{}")))
            Assert.Equal("0", response.Headers.GetValues("Retry-After-sandbox-create").Single());
        (status, _) = await SendAsync(http, HttpMethod.Put, "_emulator/faults", new { retryAfterSec = -1 });
        Assert.Equal(HttpStatusCode.BadRequest, status);

        // From the command line too.
        var options = EmulatorOptions.Parse(["--api-key", "k", "--fault-retry-after", "3"]);
        Assert.Equal(3, options.FaultRetryAfterSec);
        Assert.Equal(1, EmulatorOptions.Parse(["--api-key", "k"]).FaultRetryAfterSec);
    }

    [Fact]
    public async Task RealRateLimit429SendsTheWindowRemainder()
    {
        await using var server = await StartAsync(o => o.RateLimits["authenticated"] = 1);
        using var http = Client(server, "k");
        using (var ok = await http.GetAsync("api/sandbox")) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using var limited = await http.GetAsync("api/sandbox");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After-authenticated").Single());
        Assert.InRange(retryAfter, 55, 60);
    }

    [Fact]
    public async Task WsDropCutsALogFollowMidStreamAndOnlyThat()
    {
        await using var server = await StartAsync(o => { o.FaultRate = 1; o.FaultKinds.Add("ws-drop"); });
        using var http = Client(server, "k");
        http.DefaultRequestHeaders.Add("X-Daytona-SDK-Version", "0.218.0");
        // Ordinary requests are never faulted by ws-drop (and draw nothing).
        var id = await CreateStartedAsync(http);
        var (status, _) = await SendAsync(http, HttpMethod.Post, $"toolbox/{id}/process/session", new { sessionId = "s" });
        Assert.Equal(HttpStatusCode.Created, status);
        var (_, started) = await SendAsync(http, HttpMethod.Post, $"toolbox/{id}/process/session/s/exec",
            new { command = "for i in 1 2 3 4 5; do echo out-$i; echo err-$i >&2; done", runAsync = true });
        var cmdId = started.GetProperty("cmdId").GetString()!;
        var command = server.Context.Store.Live.Single().Runtime.Sessions.Get("s").Get(cmdId);
        await command.Finished.WaitAsync(TimeSpan.FromSeconds(20));
        var full = command.Log.Multiplexed();

        async Task<(byte[] Bytes, bool Dropped)> FollowAsync()
        {
            using var socket = new System.Net.WebSockets.ClientWebSocket();
            socket.Options.SetRequestHeader("Authorization", "Bearer k");
            await socket.ConnectAsync(new Uri(server.BaseUrl.Replace("http", "ws") + $"/toolbox/{id}/process/session/s/command/{cmdId}/logs?follow=true"), CancellationToken.None);
            var received = new MemoryStream();
            var buffer = new byte[4096];
            try
            {
                while (true)
                {
                    var result = await socket.ReceiveAsync(buffer, new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
                    if (result.MessageType == System.Net.WebSockets.WebSocketMessageType.Close) return (received.ToArray(), false);
                    received.Write(buffer, 0, result.Count);
                }
            }
            catch (System.Net.WebSockets.WebSocketException)
            {
                return (received.ToArray(), true);
            }
        }

        var (cut, dropped) = await FollowAsync();
        Assert.True(dropped);
        Assert.InRange(cut.Length, 1, full.Length - 1);
        Assert.Equal(full[..cut.Length], cut);
        // Counted, so tests can wait for drops instead of guessing from a clock.
        await ToolboxProcessTests.WaitUntilAsync(() => server.Context.Faults.WsDrops == 1);

        await SendAsync(http, HttpMethod.Put, "_emulator/faults", new { faultRate = 0 });
        var (whole, droppedAgain) = await FollowAsync();
        Assert.False(droppedAgain);
        Assert.Equal(full, whole);
        Assert.Equal(1, server.Context.Faults.WsDrops);

        // Selectable by name, never through "all".
        Assert.Contains("ws-drop", EmulatorOptions.Parse(["--fault-kinds", "ws-drop,500"]).FaultKinds);
        Assert.DoesNotContain("ws-drop", EmulatorOptions.Parse(["--fault-kinds", "all"]).FaultKinds);
        var (_, view) = await SendAsync(http, HttpMethod.Put, "_emulator/faults", new { faultKinds = "all" });
        Assert.DoesNotContain("ws-drop", view.GetProperty("faultKinds").EnumerateArray().Select(e => e.GetString()));
        (_, view) = await SendAsync(http, HttpMethod.Put, "_emulator/faults", new { faultKinds = new[] { "ws-drop" } });
        Assert.Equal("ws-drop", Assert.Single(view.GetProperty("faultKinds").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task Injected500And503()
    {
        await using var server = await StartAsync(o => { o.FaultRate = 1; o.FaultKinds.Add("500"); });
        using var http = Client(server, "k");
        var (status, json) = await SendAsync(http, HttpMethod.Get, "api/sandbox");
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        AssertError(json, 500, "An unexpected error occurred.");

        await SendAsync(http, HttpMethod.Put, "_emulator/faults", new { faultKinds = new[] { "503" } });
        (status, json) = await SendAsync(http, HttpMethod.Get, "api/sandbox");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(503, json.GetProperty("statusCode").GetInt32());
    }

    [Fact]
    public async Task ResetAbortsMidResponse()
    {
        await using var server = await StartAsync(o => { o.FaultRate = 1; o.FaultKinds.Add("reset"); });
        using var http = Client(server, "k");
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetStringAsync("api/sandbox"));
    }

    [Fact]
    public async Task SlowHonoursClientCancellation()
    {
        await using var server = await StartAsync(o => { o.FaultRate = 1; o.FaultKinds.Add("slow"); });
        using var http = Client(server, "k");
        var (status, view) = await SendAsync(http, HttpMethod.Put, "_emulator/faults", new { slowMs = 400 });
        Assert.Equal(400, view.GetProperty("slowMs").GetInt32());
        var watch = System.Diagnostics.Stopwatch.StartNew();
        (status, _) = await SendAsync(http, HttpMethod.Get, "api/sandbox");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(watch.ElapsedMilliseconds >= 350, $"took {watch.ElapsedMilliseconds} ms");

        await SendAsync(http, HttpMethod.Put, "_emulator/faults", new { slowMs = 60000 });
        using var cts = new CancellationTokenSource(200);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => http.GetAsync("api/sandbox", cts.Token));
    }

    [Fact]
    public async Task NoKindsMeansAllKinds()
    {
        await using var server = await StartAsync(o => o.FaultRate = 0.5);
        using var http = Client(server, "k");
        var (_, view) = await SendAsync(http, HttpMethod.Get, "_emulator/faults");
        Assert.Equal(EmulatorOptions.AllFaultKinds, view.GetProperty("faultKinds").EnumerateArray().Select(k => k.GetString()));
    }

    [Fact]
    public async Task LatencyIsAdded()
    {
        await using var server = await StartAsync(o => o.LatencyMs = 150);
        using var http = Client(server, "k");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await SendAsync(http, HttpMethod.Get, "api/sandbox");
        Assert.True(watch.ElapsedMilliseconds >= 140);
    }

    [Fact]
    public async Task AdminSwitchesFaultsOnAndOffMidRun()
    {
        await using var server = await StartAsync();
        using var http = Client(server, "k");
        var (status, view) = await SendAsync(http, HttpMethod.Get, "_emulator/faults");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, view.GetProperty("faultRate").GetDouble());
        Assert.True(view.TryGetProperty("rateLimits", out _));
        Assert.True(view.TryGetProperty("seed", out _));
        Assert.True(view.TryGetProperty("latencyMs", out _));

        Assert.All(await OutcomesAsync(http, 5), o => Assert.Equal("200", o));
        (status, view) = await SendAsync(http, HttpMethod.Put, "_emulator/faults", new { faultRate = 1.0, faultKinds = new[] { "503" }, seed = 3 });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1.0, view.GetProperty("faultRate").GetDouble());
        Assert.All(await OutcomesAsync(http, 5), o => Assert.Equal("503", o));
        await SendAsync(http, HttpMethod.Put, "_emulator/faults", new { faultRate = 0 });
        Assert.All(await OutcomesAsync(http, 5), o => Assert.Equal("200", o));

        (status, var bad) = await SendAsync(http, HttpMethod.Put, "_emulator/faults", new { faultKinds = new[] { "teapot" } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(400, bad.GetProperty("statusCode").GetInt32());
    }

    [Fact]
    public async Task RateLimitsPerThrottlerWithSuffixedHeaders()
    {
        await using var server = await StartAsync(o => o.RateLimits["sandbox-create"] = 2);
        using var http = Client(server, "k");
        using (var ok = await http.PostAsync("api/sandbox", JsonContent("{}")))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("2", ok.Headers.GetValues("X-RateLimit-Limit-sandbox-create").Single());
            Assert.Equal("1", ok.Headers.GetValues("X-RateLimit-Remaining-sandbox-create").Single());
            Assert.True(ok.Headers.Contains("X-RateLimit-Reset-sandbox-create"));
        }
        using (var ok = await http.PostAsync("api/sandbox", JsonContent("{}"))) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using (var limited = await http.PostAsync("api/sandbox", JsonContent("{}")))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.True(int.Parse(limited.Headers.GetValues("Retry-After-sandbox-create").Single()) > 0);
            Assert.Equal("0", limited.Headers.GetValues("X-RateLimit-Remaining-sandbox-create").Single());
            Assert.Contains("ThrottlerException: Too Many Requests", await limited.Content.ReadAsStringAsync());
        }
        Assert.Equal(2, server.Context.Store.Live.Count());

        // Other throttlers are separate: listing is 'authenticated'.
        using (var list = await http.GetAsync("api/sandbox"))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            Assert.True(list.Headers.Contains("X-RateLimit-Limit-authenticated"));
            Assert.False(list.Headers.Contains("X-RateLimit-Limit-sandbox-create"));
        }

        // Lifting the limit through the admin endpoint takes effect at once.
        await SendAsync(http, HttpMethod.Put, "_emulator/faults", new { rateLimits = new Dictionary<string, int> { ["sandbox-create"] = 100 } });
        using (var ok = await http.PostAsync("api/sandbox", JsonContent("{}"))) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task LifecycleThrottlerCountsStartStopDelete()
    {
        await using var server = await StartAsync(o => o.RateLimits["sandbox-lifecycle"] = 1);
        using var http = Client(server, "k");
        var id = await CreateStartedAsync(http);
        var (status, _) = await SendAsync(http, HttpMethod.Post, $"api/sandbox/{id}/stop");
        Assert.Equal(HttpStatusCode.OK, status);
        using var limited = await http.DeleteAsync($"api/sandbox/{id}");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.Contains("Retry-After-sandbox-lifecycle"));
    }
}
