using System.Net.Http.Json;
using DaytonaPS.Emulator.Runtime;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>A small process limit, so a fork bomb is stopped quickly.</summary>
public sealed class LimitedRuntimeFixture : ToolboxServerFixture
{
    public const int PidsLimit = 64;
    protected override string[] ExtraArgs => ["--runtime", "linux", "--pids-limit", PidsLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)];
}

/// <summary>
/// A sandbox gets its cpu, memory and a process limit as a container does, so code run in one
/// (a memory hog, a fork bomb) cannot take the host down. Enforced where the emulator is root
/// (cgroups); elsewhere the start-up note must say they are not, and commands still run.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SandboxLimitsTests(LimitedRuntimeFixture fx) : IClassFixture<LimitedRuntimeFixture>
{
    private static bool Enforced => Posix.IsRoot;

    [Fact]
    public void StartupSaysWhetherLimitsAreEnforced()
    {
        if (Enforced)
            Assert.Contains(fx.Server.StartupNotes, n => n.Contains($"limits: each sandbox's cpu (its vCPUs as a CFS quota), memory (its GiB) and processes ({LimitedRuntimeFixture.PidsLimit}) enforced", StringComparison.Ordinal));
        else
            Assert.Contains(fx.Server.StartupNotes, n => n.Contains("limits: cpu, memory and process limits per sandbox are not enforced", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MoreMemoryThanTheSandboxHasKillsTheCommandNotTheHost()
    {
        var id = await fx.CreateSandboxAsync();
        Assert.Equal(1, fx.Record(id).Memory);
        var (code, output) = await fx.ExecAsync(id, "python3 -c 'a = bytearray(1536 * 1024 * 1024); print(len(a))'", timeout: 120);
        if (Enforced)
        {
            Assert.Equal(137, code);
            Assert.Contains("Killed", output);
            // The sandbox goes on working.
            Assert.Equal((0, "ok\n"), await fx.ExecAsync(id, "echo ok"));
        }
        else
        {
            Assert.Equal((0, "1610612736\n"), (code, output));
        }
    }

    [Fact]
    public async Task AForkBombStopsAtTheProcessLimit()
    {
        var id = await fx.CreateSandboxAsync();
        // Forks up to 100 sleepers (more than the limit of 64), then ends them.
        const string bomb = """
            python3 -c '
            import os, signal, time
            pids = []
            try:
                while len(pids) < 100:
                    pid = os.fork()
                    if pid == 0:
                        time.sleep(30)
                        os._exit(0)
                    pids.append(pid)
                print("forked", len(pids))
            except OSError as e:
                print("refused after", len(pids), e.strerror)
            for p in pids:
                os.kill(p, signal.SIGKILL)
                os.waitpid(p, 0)
            '
            """;
        var (code, output) = await fx.ExecAsync(id, bomb, timeout: 60);
        Assert.Equal(0, code);
        if (Enforced)
        {
            Assert.Matches(@"^refused after \d+ Resource temporarily unavailable\n$", output);
            Assert.True(int.Parse(output.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture) < LimitedRuntimeFixture.PidsLimit, output);
            Assert.Equal((0, "ok\n"), await fx.ExecAsync(id, "echo ok"));
        }
        else
        {
            Assert.Equal("forked 100\n", output);
        }
    }

    [Fact]
    public async Task TheCpuQuotaIsTheSandboxsVcpusAndFollowsAResize()
    {
        if (!Enforced) return; // nothing to read: the note above says limits are off
        var id = await fx.CreateSandboxAsync();
        Assert.Equal((0, "up\n"), await fx.ExecAsync(id, "echo up"));
        var container = (LinuxSandbox)fx.Record(id).Runtime.Container;
        Assert.NotNull(container.Cgroup);
        var quota = container.Cgroup!.Unified ? "cpu.max" : "cpu.cfs_quota_us";
        Assert.StartsWith("100000", container.Cgroup.Read("cpu", quota));
        using (var resize = await fx.Http.PostAsJsonAsync($"api/sandbox/{id}/resize", new { cpu = 2, memory = 2 }))
            Assert.True(resize.IsSuccessStatusCode, await resize.Content.ReadAsStringAsync());
        await fx.WaitForStateAsync(id, "started");
        Assert.StartsWith("200000", container.Cgroup.Read("cpu", quota));
        Assert.Equal((2L * 1024 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
            container.Cgroup.Read("memory", container.Cgroup.Unified ? "memory.max" : "memory.limit_in_bytes"));
    }

    [Fact]
    public async Task ACommandSeesNoHostCgroupPaths()
    {
        var id = await fx.CreateSandboxAsync();
        var (code, output) = await fx.ExecAsync(id, "cut -d: -f3 /proc/self/cgroup | sort -u");
        Assert.Equal(0, code);
        Assert.Equal("/\n", output);
    }
}
