using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DaytonaPS.Emulator.Toolbox;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>
/// Background jobs started by a command keep running until the sandbox stops (as on Daytona),
/// the command's call still returns when its shell exits, and stop kills them.
/// </summary>
public sealed class ToolboxBackgroundTests(ToolboxServerFixture fx) : IClassFixture<ToolboxServerFixture>
{
    [Fact]
    public Task ExecuteBackgroundJobSurvivesAndStopKillsIt() => BackgroundJobScenarioAsync(fx, viaSession: false);

    [Fact]
    public Task SessionBackgroundJobSurvivesAndStopKillsIt() => BackgroundJobScenarioAsync(fx, viaSession: true);

    [Fact]
    public async Task ForegroundOutputIsCompleteAndLateBackgroundOutputIsNotWaitedFor()
    {
        var id = await fx.CreateSandboxAsync();
        var watch = Stopwatch.StartNew();
        var (code, result) = await fx.ExecAsync(id, "echo before; (sleep 30; echo late) & echo after; echo err >&2; exit 4");
        watch.Stop();
        Assert.Equal(4, code);
        Assert.Equal("before\nafter\nerr\n", result);
        // Far below the job's 30 s: the call did not wait for it (a wide margin, so load cannot flake it).
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");

        // A job that writes after its command ended is not hurt (no SIGPIPE); its output is dropped.
        var (_, first) = await fx.ExecAsync(id, "(sleep 0.5; echo late; echo late >&2; echo alive > ${TMPDIR:-/tmp}/alive) & echo now");
        Assert.Equal("now\n", first);
        await ToolboxProcessTests.WaitUntilAsync(() => File.Exists(Path.Combine(fx.Record(id).Runtime.RootDirectory, "tmp", "alive")), 10);
        Assert.Equal((0, "next\n"), await fx.ExecAsync(id, "echo next"));

        // Many lines written quickly right before exit all arrive.
        var (_, many) = await fx.ExecAsync(id, "seq 1 20000; sleep 300 &");
        Assert.Equal(string.Join("", Enumerable.Range(1, 20000).Select(i => i + "\n")), many);
    }

    [Fact]
    public async Task CommandsOfOneSandboxShareItsProcessesButNotAnotherSandboxs()
    {
        var a = await fx.CreateSandboxAsync();
        var b = await fx.CreateSandboxAsync();
        await fx.ExecAsync(a, "exec -a shared-job-a sleep 300 &");
        Assert.Contains("shared-job-a", (await fx.ExecAsync(a, "ps ax -o args")).Result);
        Assert.DoesNotContain("shared-job-a", (await fx.ExecAsync(b, "ps ax -o args")).Result);
        // A job sees the sandbox's files, not the host's.
        await fx.ExecAsync(a, "(sleep 0.2; ls /home > /tmp/seen) &");
        await ToolboxProcessTests.WaitUntilAsync(() => File.Exists(Path.Combine(fx.Record(a).Runtime.RootDirectory, "tmp", "seen")));
        await Task.Delay(100);
        Assert.Equal("daytona\n", await File.ReadAllTextAsync(Path.Combine(fx.Record(a).Runtime.RootDirectory, "tmp", "seen")));
    }

    [Fact]
    public async Task AKilledInitIsReplacedOnTheNextCommand()
    {
        var id = await fx.CreateSandboxAsync();
        await fx.ExecAsync(id, "true");
        var runtime = fx.Record(id).Runtime;
        var pid1 = runtime.InitProcessId!.Value;
        using (var p = Process.GetProcessById(pid1)) p.Kill();
        await ToolboxProcessTests.WaitUntilAsync(() => !ToolboxProcessTests.ProcessAlive(pid1));
        Assert.Equal((0, "ok\n"), await fx.ExecAsync(id, "echo ok"));
        Assert.NotEqual(pid1, runtime.InitProcessId);
    }

    /// <summary>Starts `sleep 300 &amp;` (renamed so the host can find it), checks the call returned promptly, the job is alive, and gone after stop.</summary>
    internal static async Task BackgroundJobScenarioAsync(ToolboxServerFixture fx, bool viaSession)
    {
        var id = await fx.CreateSandboxAsync();
        var marker = "bg-" + Guid.NewGuid().ToString("N")[..12];
        // No redirection on purpose: the job inherits the command's stdout and stderr.
        var command = $"echo started; bash -c 'exec -a {marker} sleep 300' & echo $! > ${{TMPDIR:-/tmp}}/bg.pid";
        var watch = Stopwatch.StartNew();
        string output;
        if (viaSession)
        {
            using (var create = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/session"), new { sessionId = "bg" })) Assert.True(create.IsSuccessStatusCode);
            using var exec = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/session/bg/exec"), new { command });
            var body = await exec.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(0, body.GetProperty("exitCode").GetInt32());
            output = body.GetProperty("stdout").GetString()!;
        }
        else
        {
            var (code, result) = await fx.ExecAsync(id, command);
            Assert.Equal(0, code);
            output = result;
        }
        watch.Stop();
        Assert.Equal("started\n", output);
        // Far below the job's own run time: the call did not wait for the background job.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"the call took {watch.Elapsed}");

        // The job outlives its command: the host sees it, and a later command of the sandbox too.
        await Task.Delay(300);
        Assert.NotEmpty(HostPidsWithMarker(marker));
        var (alive, _) = await fx.ExecAsync(id, "kill -0 $(cat ${TMPDIR:-/tmp}/bg.pid)");
        Assert.Equal(0, alive);
        if (viaSession)
        {
            using var next = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/session/bg/exec"), new { command = "echo next" });
            Assert.Equal("next\n", (await next.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("stdout").GetString());
        }

        using (var stop = await fx.Http.PostAsync($"api/sandbox/{id}/stop", null)) Assert.True(stop.IsSuccessStatusCode);
        await fx.WaitForStateAsync(id, "stopped");
        // 'stopped' is only reported once the processes are gone.
        Assert.Empty(HostPidsWithMarker(marker));

        // Started again, the sandbox runs commands as before.
        using (var start = await fx.Http.PostAsync($"api/sandbox/{id}/start", null)) Assert.True(start.IsSuccessStatusCode);
        await fx.WaitForStateAsync(id, "started");
        Assert.Equal((0, "again\n"), await fx.ExecAsync(id, "echo again"));
    }

    /// <summary>Host pids whose command line contains marker.</summary>
    internal static List<int> HostPidsWithMarker(string marker)
    {
        var found = new List<int>();
        var needle = Encoding.UTF8.GetBytes(marker);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var cmdline = File.ReadAllBytes(Path.Combine(dir, "cmdline"));
                // A zombie has an empty cmdline, so it does not count.
                if (cmdline.AsSpan().IndexOf(needle) >= 0) found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return found;
    }
}

/// <summary>The same without bubblewrap (the linux runtime through util-linux unshare).</summary>
public sealed class ToolboxBackgroundUnshareTests(UnshareRuntimeFixture fx) : IClassFixture<UnshareRuntimeFixture>
{
    [Fact]
    public Task ExecuteBackgroundJobSurvivesAndStopKillsIt() => ToolboxBackgroundTests.BackgroundJobScenarioAsync(fx, viaSession: false);

    [Fact]
    public Task SessionBackgroundJobSurvivesAndStopKillsIt() => ToolboxBackgroundTests.BackgroundJobScenarioAsync(fx, viaSession: true);
}
