using System.Net;
using System.Text.Json;
using Xunit;
using static DaytonaPS.Emulator.Tests.Api;

namespace DaytonaPS.Emulator.Tests;

/// <summary>The state machine and Daytona's 400/409 rules (reference section 3.2).</summary>
public sealed class ApiLifecycleTests(LifecycleServerFixture fx) : IClassFixture<LifecycleServerFixture>
{
    private HttpClient Http => fx.Http;

    private async Task<string> CreateStarted(object? body = null)
    {
        var id = (await CreateAsync(Http, body)).GetProperty("id").GetString()!;
        await AdvanceToAsync(fx.Server, Http, id, "started");
        return id;
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> Post(string id, string action) =>
        SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/{action}");

    [Fact]
    public async Task StopStartArchiveRestoreWithTransitionalStates()
    {
        var id = await CreateStarted();

        // Starting a started sandbox returns it unchanged.
        var (status, json) = await Post(id, "start");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("started", State(json));

        (status, json) = await Post(id, "stop?force=false");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("stopping", State(json));
        Assert.Equal("stopped", json.GetProperty("desiredState").GetString());
        var (getStatus, during) = await SendAsync(Http, HttpMethod.Get, $"api/sandbox/{id}");
        Assert.Equal("stopping", State(during));

        // While stopping: every lifecycle call is 409, and delete too (a change is pending).
        foreach (var action in new[] { "start", "stop", "archive" })
        {
            (status, json) = await Post(id, action);
            Assert.Equal(HttpStatusCode.Conflict, status);
            AssertError(json, 409, "Sandbox state change in progress");
        }
        (status, _) = await SendAsync(Http, HttpMethod.Delete, $"api/sandbox/{id}");
        Assert.Equal(HttpStatusCode.Conflict, status);

        await AdvanceToAsync(fx.Server, Http, id, "stopped");
        (status, json) = await Post(id, "stop");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(json, 400, "Sandbox is not in a stoppable state");

        (status, json) = await Post(id, "archive");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("archiving", State(json));
        await AdvanceToAsync(fx.Server, Http, id, "archived");

        (status, json) = await Post(id, "start");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("restoring", State(json));
        await AdvanceToAsync(fx.Server, Http, id, "started");
    }

    [Fact]
    public async Task ArchiveOnlyFromStoppedAndStartCancelsArchiving()
    {
        var id = await CreateStarted();
        var (status, json) = await Post(id, "archive");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(json, 400, "Sandbox is not stopped");

        await Post(id, "stop");
        await AdvanceToAsync(fx.Server, Http, id, "stopped");
        (_, json) = await Post(id, "archive");
        Assert.Equal("archiving", State(json));
        // The exception to the 409 rule: start is allowed while archiving.
        (status, json) = await Post(id, "start");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("starting", State(json));
        await AdvanceToAsync(fx.Server, Http, id, "started");
        // The superseded archive must not land.
        fx.Server.Context.Store.AdvanceTransitions();
        await Task.Delay(50);
        var (_, after) = await SendAsync(Http, HttpMethod.Get, $"api/sandbox/{id}");
        Assert.Equal("started", State(after));
    }

    [Fact]
    public async Task StartWhileCreatingIs409AndStartFromStartingToo()
    {
        var created = await CreateAsync(Http);
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal("creating", State(created));
        var (status, _) = await Post(id, "start");
        Assert.Equal(HttpStatusCode.Conflict, status);
        (status, _) = await SendAsync(Http, HttpMethod.Delete, $"api/sandbox/{id}");
        Assert.Equal(HttpStatusCode.Conflict, status);
        await AdvanceToAsync(fx.Server, Http, id, "started");
    }

    [Fact]
    public async Task EphemeralStopEndsDestroyed()
    {
        var id = await CreateStarted(new { autoDeleteInterval = 0 });
        var (status, json) = await Post(id, "stop");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("destroying", State(json));
        await AdvanceToAsync(fx.Server, Http, id, "destroyed");
        Assert.False(fx.Server.Context.Store.TryGet(id, out _));
    }

    [Fact]
    public async Task AutoDeleteZeroOnAStoppedSandboxDeletesIt()
    {
        var id = await CreateStarted();
        await Post(id, "stop");
        await AdvanceToAsync(fx.Server, Http, id, "stopped");
        var (status, json) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/autodelete/0");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(0, json.GetProperty("autoDeleteInterval").GetInt32());
        fx.Server.Context.Store.Tick(DateTime.UtcNow);
        await AdvanceToAsync(fx.Server, Http, id, "destroyed");
    }

    [Fact]
    public async Task ErroredSandboxes400AndRecover()
    {
        var id = await CreateStarted();
        var (status, json) = await SendAsync(Http, HttpMethod.Put, $"_emulator/sandboxes/{id}/error", new { errorReason = "disk full", recoverable = false });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("error", State(json));

        foreach (var action in new[] { "start", "stop", "archive" })
        {
            (status, json) = await Post(id, action);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            AssertError(json, 400, "Sandbox is in an errored state");
        }
        (status, _) = await Post(id, "recover");
        Assert.Equal(HttpStatusCode.BadRequest, status);

        await SendAsync(Http, HttpMethod.Put, $"_emulator/sandboxes/{id}/error", new { errorReason = "oom", recoverable = true });
        (status, json) = await Post(id, "recover?skipStart=true");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("starting", State(json));
        json = await AdvanceToAsync(fx.Server, Http, id, "started");
        Assert.Equal(JsonValueKind.Null, json.GetProperty("errorReason").ValueKind);

        (status, _) = await Post(id, "recover");
        Assert.Equal(HttpStatusCode.BadRequest, status);

        // Delete is allowed from error.
        await SendAsync(Http, HttpMethod.Put, $"_emulator/sandboxes/{id}/error", new { });
        (status, json) = await SendAsync(Http, HttpMethod.Delete, $"api/sandbox/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        await AdvanceToAsync(fx.Server, Http, id, "destroyed");
    }

    [Fact]
    public async Task PauseIsUnprocessableForContainers()
    {
        var id = await CreateStarted();
        var (status, json) = await Post(id, "pause");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(422, json.GetProperty("statusCode").GetInt32());
    }

    [Fact]
    public async Task ResizeRules()
    {
        var id = await CreateStarted();
        var (status, json) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/resize", new { disk = 10 });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        (status, json) = await SendAsync(Http, HttpMethod.Post, $"api/sandbox/{id}/resize", new { cpu = 2 });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("resizing", State(json));
        Assert.Equal(2, (await AdvanceToAsync(fx.Server, Http, id, "started")).GetProperty("cpu").GetInt32());
    }

    [Fact]
    public async Task DeleteRunsTheRuntimeCleanupAndUnknownIs404()
    {
        var id = await CreateStarted();
        var root = Path.Combine(fx.Server.Context.DataDir, "sandboxes", id);
        Assert.True(Directory.Exists(root));
        await SendAsync(Http, HttpMethod.Delete, $"api/sandbox/{id}");
        await AdvanceToAsync(fx.Server, Http, id, "destroyed");
        Assert.False(Directory.Exists(root));
        var (status, json) = await SendAsync(Http, HttpMethod.Delete, $"api/sandbox/{id}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        AssertError(json, 404, $"Sandbox with ID or name {id} not found");
    }
}

/// <summary>Auto-stop / auto-delete timers with a shrunken "minute" and direct ticks.</summary>
public sealed class ApiAutoStopTests
{
    [Fact]
    public async Task AutoStopHonoursTheIntervalAndActivityResetsIt()
    {
        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions { TransitionMs = 10, ApiKeys = { "k" } });
        var store = server.Context.Store;
        store.MinuteLength = TimeSpan.FromSeconds(10);
        store.TickInterval = TimeSpan.FromHours(1); // only our explicit ticks
        using var http = Client(server, "k");
        var idle = await CreateStartedAsync(http, new { autoStopInterval = 1 });
        var never = await CreateStartedAsync(http, new { autoStopInterval = 0 });
        var busy = await CreateStartedAsync(http, new { autoStopInterval = 1 });

        // Fresh activity first: on a loaded machine the three creates can take longer than one
        // 10 s "minute", and the first tick must not see them idle yet.
        foreach (var id in new[] { idle, never, busy })
        {
            Assert.True(store.TryGet(id, out var fresh));
            fresh.SetLastActivity(DateTime.UtcNow);
        }
        store.Tick(DateTime.UtcNow);
        Assert.Equal("started", State(await WaitForStateAsync(http, idle, "started")));

        // Make all three look idle for longer than one "minute"; then activity on one of them.
        var longAgo = DateTime.UtcNow.AddSeconds(-11);
        foreach (var id in new[] { idle, never, busy })
        {
            Assert.True(store.TryGet(id, out var record));
            record.SetLastActivity(longAgo);
        }
        var (status, _) = await SendAsync(http, HttpMethod.Post, $"api/sandbox/{busy}/last-activity");
        Assert.Equal(HttpStatusCode.Created, status);
        store.Tick(DateTime.UtcNow);

        await WaitForStateAsync(http, idle, "stopped");
        Assert.Equal("started", State(await WaitForStateAsync(http, never, "started")));
        Assert.Equal("started", State(await WaitForStateAsync(http, busy, "started")));
    }

    [Fact]
    public async Task AutoStopOfAnEphemeralSandboxDestroysItAndTheBackgroundTimerRuns()
    {
        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions { TransitionMs = 10, ApiKeys = { "k" } });
        using var http = Client(server, "k");
        var (status, _) = await SendAsync(http, HttpMethod.Put, "_emulator/clock", new { minuteMs = 100, tickMs = 20 });
        Assert.Equal(HttpStatusCode.OK, status);
        var id = await CreateStartedAsync(http, new { autoStopInterval = 1, autoDeleteInterval = 0 });
        await WaitForStateAsync(http, id, "destroyed");
    }

    [Fact]
    public async Task AutoDeleteAfterStopAndTtl()
    {
        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions { TransitionMs = 10, ApiKeys = { "k" } });
        server.Context.Store.MinuteLength = TimeSpan.FromMilliseconds(100);
        server.Context.Store.TickInterval = TimeSpan.FromMilliseconds(20);
        using var http = Client(server, "k");
        var stoppedThenDeleted = await CreateStartedAsync(http, new { autoStopInterval = 0, autoDeleteInterval = 1 });
        await SendAsync(http, HttpMethod.Post, $"api/sandbox/{stoppedThenDeleted}/stop");
        var ttl = await CreateStartedAsync(http, new { autoStopInterval = 0, ttlMinutes = 2 });
        await WaitForStateAsync(http, stoppedThenDeleted, "destroyed");
        await WaitForStateAsync(http, ttl, "destroyed");
    }
}
