using System.Net;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>
/// The file API against a sandbox that races it: the emulator (root on CI) resolves a sandbox path,
/// then uses it; meanwhile the sandbox swaps a directory on that path for a symlink to a host path
/// (another sandbox's files, the host's /etc). Whatever the timing, the file API must act inside
/// the sandbox's own tree.
/// </summary>
public abstract partial class SandboxIsolationTests<TFixture>
{
    /// <summary>
    /// python3 SWAP DIR TARGET: forever, DIR/d is a real directory (holding what the sandbox put
    /// there), then missing, then a symlink to TARGET (a host path: inside the sandbox it names the
    /// sandbox's own files, followed on the host it would name the host's).
    /// </summary>
    private const string SwapScript = """
        import os, shutil, sys, time
        base, target = sys.argv[1], sys.argv[2]
        os.chdir(base)
        end, swaps = time.time() + 120, 0
        while time.time() < end:
            swaps += 1
            if swaps % 100 == 0:
                # Atomically: the test kills this script at any moment and then reads the count.
                with open("/tmp/swap-count.new", "w") as f: f.write(str(swaps))
                os.replace("/tmp/swap-count.new", "/tmp/swap-count")
            try:
                os.rename("real", "d")
                os.rename("d", "real")
                os.symlink(target, "d")
                os.unlink("d")
            except OSError:
                # The file API created d meanwhile (an upload's mkdir -p): put things back.
                if not os.path.exists("real") and os.path.isdir("d") and not os.path.islink("d"):
                    os.rename("d", "real")
                elif os.path.islink("d"):
                    os.unlink("d")
                elif os.path.isdir("d"):
                    shutil.rmtree("d", ignore_errors=True)
        """;

    private static int SwapsSoFar(string countFile)
    {
        try { return int.TryParse(File.ReadAllText(countFile).Trim(), out var n) ? n : 0; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return 0; }
    }

    [Fact]
    public async Task TheFileApiIsNotRedirectedOutOfTheSandboxByASymlinkSwap()
    {
        var a = await Fx.CreateSandboxAsync();
        var b = await Fx.CreateSandboxAsync();
        var secret = "secret-of-b-" + Guid.NewGuid().ToString("N");
        await Fx.ExecAsync(b, $"mkdir -p /workspace/race && echo {secret} > /workspace/race/f && mkdir -p /workspace/race/sub && echo {secret} > /workspace/race/sub/f");
        var targetOfB = Path.Combine(Fx.HostRootOf(b), "workspace", "race");
        Assert.True(File.Exists(Path.Combine(targetOfB, "f")));

        using (var up = await Fx.Http.PostAsync(Fx.Toolbox(a, "files/upload?path=/tmp/swap.py"), new StringContent(SwapScript)))
            Assert.True(up.IsSuccessStatusCode);
        var (code, _) = await Fx.ExecAsync(a, $"mkdir -p /tmp/race/real/sub && echo own > /tmp/race/real/f && echo own > /tmp/race/real/sub/f && (nohup python3 /tmp/swap.py /tmp/race {targetOfB} >/tmp/swap.log 2>&1 & echo $! > /tmp/swap.pid)");
        Assert.Equal(0, code);

        var statuses = new Dictionary<HttpStatusCode, int>();
        // 400 requests at least, and on until the race has made 100 swaps (bounded): on a loaded
        // machine python may take longer to start than the 400 requests take.
        var swapCountOnHost = Path.Combine(Fx.HostRootOf(a), "tmp", "swap-count");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        for (var i = 0; i < 400 || (SwapsSoFar(swapCountOnHost) < 100 && DateTime.UtcNow < deadline); i++)
        {
            // Reads through the racing directory, and writes and deletes through it.
            using (var read = await Fx.Http.GetAsync(Fx.Toolbox(a, "files/download?path=/tmp/race/d/" + (i % 2 == 0 ? "f" : "sub/f"))))
            {
                var body = await read.Content.ReadAsStringAsync();
                Assert.DoesNotContain(secret, body);
                if (read.StatusCode == HttpStatusCode.OK) Assert.Equal("own\n", body);
                statuses[read.StatusCode] = statuses.GetValueOrDefault(read.StatusCode) + 1;
            }
            if (i % 8 == 0)
            {
                using var write = await Fx.Http.PostAsync(Fx.Toolbox(a, "files/upload?path=/tmp/race/d/planted"), new StringContent("planted"));
                using var chmod = await Fx.Http.PostAsync(Fx.Toolbox(a, "files/permissions?path=/tmp/race/d/f&mode=0666"), null);
                using var delete = await Fx.Http.DeleteAsync(Fx.Toolbox(a, "files?path=/tmp/race/d/sub&recursive=true"));
            }
        }
        var (_, swaps) = await Fx.ExecAsync(a, "kill $(cat /tmp/swap.pid); cat /tmp/swap-count");
        var (_, swapLog) = await Fx.ExecAsync(a, "cat /tmp/swap.log; ls -la /tmp/race");

        // The race really ran while the requests were made (hundreds of swaps), and the requests
        // met the directory in its states (found the sandbox's own file, or nothing).
        Assert.True(int.TryParse(swaps.Trim(), out var count) && count >= 100, $"swaps: {swaps} {swapLog}");
        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.NotFound) > 0, string.Join(", ", statuses) + " " + swapLog);
        // B's files are untouched: nothing planted, deleted or re-moded through A's symlink.
        Assert.False(File.Exists(Path.Combine(targetOfB, "planted")));
        Assert.True(File.Exists(Path.Combine(targetOfB, "sub", "f")));
        Assert.Equal(secret + "\n", await File.ReadAllTextAsync(Path.Combine(targetOfB, "f")));
        if (!OperatingSystem.IsWindows()) Assert.NotEqual(UnixFileMode.OtherWrite, File.GetUnixFileMode(Path.Combine(targetOfB, "f")) & UnixFileMode.OtherWrite);
    }

    [Fact]
    public async Task AStaticSymlinkToTheHostsShadowOrAnotherSandboxIsFollowedInsideTheSandbox()
    {
        var a = await Fx.CreateSandboxAsync();
        var b = await Fx.CreateSandboxAsync();
        var secret = "secret-of-b-" + Guid.NewGuid().ToString("N");
        await Fx.ExecAsync(b, $"echo {secret} > /workspace/f");
        var bFile = Path.Combine(Fx.HostRootOf(b), "workspace", "f");
        await Fx.ExecAsync(a, $"ln -s /etc/shadow /tmp/shadow; ln -s {bFile} /tmp/b; ln -s ../../../../../../../../../etc/shadow /tmp/up; ln -s {Path.GetDirectoryName(bFile)} /tmp/bdir");
        foreach (var path in new[] { "/tmp/shadow", "/tmp/b", "/tmp/up", "/tmp/bdir/f" })
        {
            using var read = await Fx.Http.GetAsync(Fx.Toolbox(a, "files/download?path=" + path));
            var body = await read.Content.ReadAsStringAsync();
            Assert.DoesNotContain(secret, body);
            Assert.DoesNotContain("root:", body);
            Assert.NotEqual(HttpStatusCode.OK, read.StatusCode);
        }
        using (var write = await Fx.Http.PostAsync(Fx.Toolbox(a, "files/upload?path=/tmp/bdir/planted"), new StringContent("x")))
            Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(bFile)!, "planted")));
    }

    /// <summary>
    /// python3 EXCHANGE DIR TARGET: DIR/d is a real directory and DIR/l a symlink to TARGET; one
    /// renameat2(RENAME_EXCHANGE) after another swaps the two names atomically, so d is always one
    /// of them, about half the time each (the fastest race a sandbox can run).
    /// </summary>
    private const string ExchangeScript = """
        import ctypes, os, sys, time
        libc = ctypes.CDLL(None, use_errno=True)
        base, target = sys.argv[1], sys.argv[2]
        os.chdir(base)
        os.rename("real", "d")
        os.symlink(target, "l")
        end, swaps = time.time() + 120, 0
        while time.time() < end:
            for _ in range(1000):
                libc.renameat2(-100, b"d", -100, b"l", 2)
            swaps += 1000
            with open("/tmp/swap-count.new", "w") as f: f.write(str(swaps))
            os.replace("/tmp/swap-count.new", "/tmp/swap-count")
        """;

    /// <summary>
    /// Starts ExchangeScript in a over /tmp/race (real/ holding "own" files, swapped with a symlink
    /// to the host path of b's /workspace/race, which holds SECRET in a file named SECRET), then
    /// calls request until it has run 300 times and the race has made 10,000 swaps (bounded).
    /// </summary>
    private async Task<int> RaceAsync(string a, string b, string secret, Func<int, Task> request)
    {
        await Fx.ExecAsync(b, $"mkdir -p /workspace/race/sub && echo {secret} > /workspace/race/{secret} && echo {secret} > /workspace/race/sub/f");
        var targetOfB = Path.Combine(Fx.HostRootOf(b), "workspace", "race");
        Assert.True(File.Exists(Path.Combine(targetOfB, secret)));
        using (var up = await Fx.Http.PostAsync(Fx.Toolbox(a, "files/upload?path=/tmp/exchange.py"), new StringContent(ExchangeScript)))
            Assert.True(up.IsSuccessStatusCode);
        var (code, _) = await Fx.ExecAsync(a, $"mkdir -p /tmp/race/real/sub && echo own > /tmp/race/real/own && echo own > /tmp/race/real/sub/f && (nohup python3 /tmp/exchange.py /tmp/race {targetOfB} >/tmp/swap.log 2>&1 & echo $! > /tmp/swap.pid)");
        Assert.Equal(0, code);
        var swapCountOnHost = Path.Combine(Fx.HostRootOf(a), "tmp", "swap-count");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (SwapsSoFar(swapCountOnHost) == 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        for (var i = 0; i < 300 || (SwapsSoFar(swapCountOnHost) < 10_000 && DateTime.UtcNow < deadline); i++) await request(i);
        var (_, swaps) = await Fx.ExecAsync(a, "kill $(cat /tmp/swap.pid); cat /tmp/swap-count");
        var (_, swapLog) = await Fx.ExecAsync(a, "cat /tmp/swap.log; ls -la /tmp/race");
        Assert.True(int.TryParse(swaps.Trim(), out var count) && count >= 10_000, $"swaps: {swaps} {swapLog}");
        return count;
    }

    [Fact]
    public async Task FileSearchIsNotRedirectedOutOfTheSandboxByASymlinkSwap()
    {
        var a = await Fx.CreateSandboxAsync();
        var b = await Fx.CreateSandboxAsync();
        var secret = "secret-of-b-" + Guid.NewGuid().ToString("N");
        var found = 0;
        await RaceAsync(a, b, secret, async i =>
        {
            // From the racing folder itself and from its parent: both must list a's files only.
            var path = i % 2 == 0 ? "/tmp/race/d" : "/tmp/race";
            using var search = await Fx.Http.GetAsync(Fx.Toolbox(a, $"files/search?path={path}&pattern=*"));
            var body = await search.Content.ReadAsStringAsync();
            Assert.DoesNotContain(secret, body);
            if (body.Contains("/own\"", StringComparison.Ordinal)) found++;
        });
        Assert.True(found > 0, "no search met the folder as a real one");
    }

    [Fact]
    public async Task FileFindIsNotRedirectedOutOfTheSandboxByASymlinkSwap()
    {
        var a = await Fx.CreateSandboxAsync();
        var b = await Fx.CreateSandboxAsync();
        var secret = "secret-of-b-" + Guid.NewGuid().ToString("N");
        var found = 0;
        await RaceAsync(a, b, secret, async i =>
        {
            var path = i % 2 == 0 ? "/tmp/race/d" : "/tmp/race";
            // A pattern every file of both trees holds: "e" (own, secret-of-b-...).
            using var find = await Fx.Http.GetAsync(Fx.Toolbox(a, $"files/find?path={path}&pattern=" + (i % 4 < 2 ? "e" : "own")));
            var body = await find.Content.ReadAsStringAsync();
            Assert.DoesNotContain(secret, body);
            if (body.Contains("\"own\"", StringComparison.Ordinal)) found++;
        });
        Assert.True(found > 0, "no find met the folder as a real one");
    }

    [Fact]
    public async Task OwnerNamesAreLookedUpInTheSandboxsOwnPasswdNotThroughASymlinkToTheHost()
    {
        var a = await Fx.CreateSandboxAsync();
        var b = await Fx.CreateSandboxAsync();
        // b's passwd and group name uid/gid 1000 (the one id that maps) "bonly"; a's are symlinks to
        // b's files by their host paths. Followed on the host, "bonly" would be found and the chown
        // would work; inside a, those paths do not exist, so there is no such user.
        await Fx.ExecAsync(b, "echo bonly:x:1000:1000::/home/daytona:/bin/bash >> /etc/passwd; echo bonly:x:1000: >> /etc/group");
        var etcOfB = Path.Combine(Fx.HostRootOf(b), "etc");
        Assert.Contains("bonly:x:1000", await File.ReadAllTextAsync(Path.Combine(etcOfB, "passwd")));
        var (code, _) = await Fx.ExecAsync(a, $"echo x > /tmp/owned && ln -sf {etcOfB}/passwd /etc/passwd && ln -sf {etcOfB}/group /etc/group && ! test -e /etc/passwd");
        Assert.Equal(0, code);
        foreach (var query in new[] { "owner=bonly", "group=bonly" })
        {
            using var chown = await Fx.Http.PostAsync(Fx.Toolbox(a, "files/permissions?path=/tmp/owned&" + query), null);
            var body = await chown.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.BadRequest, chown.StatusCode);
            Assert.Contains("unknown user or group: bonly", body);
        }
        // With a's own passwd back, its own names work (the lookup itself is not broken).
        await Fx.ExecAsync(a, "rm /etc/passwd /etc/group; echo daytona:x:1000:1000::/home/daytona:/bin/bash > /etc/passwd; echo daytona:x:1000: > /etc/group");
        using (var own = await Fx.Http.PostAsync(Fx.Toolbox(a, "files/permissions?path=/tmp/owned&owner=daytona&group=daytona"), null))
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }
}
