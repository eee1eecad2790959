using DaytonaPS.Api;
using Xunit;

namespace DaytonaPS.UnitTests;

/// <summary>The per-sandbox pool of exec sessions: renting, returning, and forgetting a restarted sandbox's sessions.</summary>
public sealed class ExecSessionPoolTests
{
    private const string Box = "http://toolbox/sb-1";
    private const string Other = "http://toolbox/sb-2";

    [Fact]
    public void ReturnedSessionsAreRentedAgainMostRecentFirstAndNeverTwice()
    {
        var pool = new ExecSessionPool();
        Assert.False(pool.TryRent(Box, out _));
        var a = pool.NewSession(Box);
        var b = pool.NewSession(Box);
        Assert.True(a.Fresh);
        Assert.StartsWith(ExecSessionPool.SessionPrefix, a.Id);
        Assert.NotEqual(a.Id, b.Id);
        pool.Return(Box, a);
        pool.Return(Box, b);
        Assert.True(pool.TryRent(Box, out var first));
        Assert.Equal(b.Id, first.Id);
        Assert.False(first.Fresh);
        Assert.True(pool.TryRent(Box, out var second));
        Assert.Equal(a.Id, second.Id);
        Assert.False(pool.TryRent(Box, out _));
        Assert.False(pool.TryRent(Other, out _));
    }

    [Fact]
    public void OneStaleSessionForgetsEverySessionOfItsTimeButNotNewerOnes()
    {
        var pool = new ExecSessionPool();
        var old = Enumerable.Range(0, 5).Select(_ => pool.NewSession(Box)).ToList();
        foreach (var s in old) pool.Return(Box, s);
        pool.Return(Other, pool.NewSession(Other));

        Assert.True(pool.TryRent(Box, out var stale));
        // The sandbox restarted: the rented session was not found.
        Assert.Equal(4, pool.Forget(Box, stale));
        Assert.Equal(0, pool.IdleCount(Box));
        Assert.Equal(1, pool.IdleCount(Other));

        // A session created after that is kept; one of the old generation that comes back late is dropped.
        var fresh = pool.NewSession(Box);
        Assert.True(fresh.Generation > stale.Generation);
        Assert.True(pool.Return(Box, fresh));
        Assert.False(pool.Return(Box, old[0]));
        Assert.Equal(1, pool.IdleCount(Box));
        // A second stale report of the old generation does not drop the new session.
        Assert.Equal(0, pool.Forget(Box, old[1]));
        Assert.Equal(1, pool.IdleCount(Box));
    }

    [Fact]
    public void ForgetAllDropsIdleAndRentedSessions()
    {
        var pool = new ExecSessionPool();
        var idle = pool.NewSession(Box);
        var rented = pool.NewSession(Box);
        pool.Return(Box, idle);
        Assert.Equal(1, pool.ForgetAll(Box));
        Assert.False(pool.Return(Box, rented));
        Assert.False(pool.TryRent(Box, out _));
    }

    [Fact]
    public void ConcurrentRentersNeverShareASession()
    {
        var pool = new ExecSessionPool();
        for (var i = 0; i < 8; i++) pool.Return(Box, pool.NewSession(Box));
        var rented = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 64, _ =>
        {
            if (pool.TryRent(Box, out var s)) rented.Add(s.Id);
        });
        Assert.Equal(8, rented.Count);
        Assert.Equal(8, rented.Distinct().Count());
    }
}
