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
                # Replaced whole, never truncated in place: the kill at the end may land mid-write.
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
}
