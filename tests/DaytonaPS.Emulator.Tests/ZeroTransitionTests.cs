using System.Net;
using Xunit;
using static DaytonaPS.Emulator.Tests.Api;

namespace DaytonaPS.Emulator.Tests;

/// <summary>A server whose transitional states end at once (--transition-ms 0, as the benchmarks run it).</summary>
public sealed class ZeroTransitionServerFixture : ApiServerFixture
{
    protected override int TransitionMs => 0;
}

/// <summary>
/// With --transition-ms 0 a transition still lands after the request that began it: never inside the
/// store lock that request holds, where its side effects (killing processes, deleting the sandbox's
/// directory) would hold up every other lifecycle request.
/// </summary>
public sealed class ZeroTransitionTests(ZeroTransitionServerFixture fx) : IClassFixture<ZeroTransitionServerFixture>
{
    [Fact]
    public async Task LifecycleRepliesShowTheTransitionalStateAndTheFinalStateLandsAfter()
    {
        var id = await CreateStartedAsync(fx.Http);

        var (status, json) = await SendAsync(fx.Http, HttpMethod.Post, $"api/sandbox/{id}/stop");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("stopping", json.GetProperty("state").GetString());
        await WaitForStateAsync(fx.Http, id, "stopped");

        (status, json) = await SendAsync(fx.Http, HttpMethod.Delete, $"api/sandbox/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("destroying", json.GetProperty("state").GetString());
        await WaitForStateAsync(fx.Http, id, "destroyed");
    }

    [Fact]
    public async Task ATransitionNeverLandsWhileItsCallerHoldsTheStoreLock()
    {
        var id = await CreateStartedAsync(fx.Http);
        var store = fx.Server.Context.Store;
        Assert.True(store.TryGet(id, out var sandbox));
        lock (store.Sync)
        {
            store.BeginStop(sandbox);
            Assert.Equal("stopping", sandbox.State);
        }
        await WaitForStateAsync(fx.Http, id, "stopped");
    }
}
