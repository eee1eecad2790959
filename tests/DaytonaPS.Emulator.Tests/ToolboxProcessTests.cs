using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

public sealed class ToolboxProcessTests(ToolboxServerFixture fx) : IClassFixture<ToolboxServerFixture>
{
    [Fact]
    public async Task ExitCodesAndCombinedOutput()
    {
        var id = await fx.CreateSandboxAsync();
        Assert.Equal((0, "hello\n"), await fx.ExecAsync(id, "echo hello"));
        var (code, result) = await fx.ExecAsync(id, "echo out; echo err >&2; exit 1");
        Assert.Equal(1, code);
        Assert.Equal("out\nerr\n", result);
        (code, result) = await fx.ExecAsync(id, "no-such-command-xyz");
        Assert.Equal(127, code);
        Assert.Contains("no-such-command-xyz: command not found", result);
    }

    [Fact]
    public async Task CwdDefaultsToHomeAndEnvsApply()
    {
        var id = await fx.CreateSandboxAsync();
        var (_, pwd) = await fx.ExecAsync(id, "pwd; echo $HOME");
        Assert.EndsWith("/home/daytona\n", pwd.Split('\n')[0] + "\n");
        await fx.ExecAsync(id, "mkdir -p /tmp/work/sub");
        var (_, cwd) = await fx.ExecAsync(id, "pwd", cwd: "/tmp/work/sub");
        Assert.EndsWith("/tmp/work/sub\n", cwd);
        var (_, env) = await fx.ExecAsync(id, "echo \"$GREETING $OTHER\"", envs: new() { ["GREETING"] = "hi there", ["OTHER"] = "x=y" });
        Assert.Equal("hi there x=y\n", env);
    }

    [Fact]
    public async Task MissingCwdGivesExitCodeMinusOne()
    {
        var id = await fx.CreateSandboxAsync();
        var (code, result) = await fx.ExecAsync(id, "true", cwd: "/home/daytona/does-not-exist");
        Assert.Equal(-1, code);
        Assert.Contains("no such file or directory", result);
    }

    [Fact]
    public async Task NonAsciiOutputAndStdinDoesNotHang()
    {
        var id = await fx.CreateSandboxAsync();
        var (code, result) = await fx.ExecAsync(id, "echo 'Grüße 日本 🚀'; cat; read x; echo done", timeout: 20);
        Assert.Equal(0, code);
        Assert.Equal("Grüße 日本 🚀\ndone\n", result);
    }

    [Fact]
    public async Task HeredocWorks()
    {
        var id = await fx.CreateSandboxAsync();
        var (code, result) = await fx.ExecAsync(id, "cat <<'EOF'\nline $1\nEOF");
        Assert.Equal(0, code);
        Assert.Equal("line $1\n", result);
    }

    [Fact]
    public async Task TimeoutGives408WithDaemonBody()
    {
        var id = await fx.CreateSandboxAsync();
        var watch = Stopwatch.StartNew();
        using var response = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/execute"), new { command = "sleep 30", timeout = 1 });
        Assert.Equal(HttpStatusCode.RequestTimeout, response.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), watch.Elapsed.ToString());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(408, body.GetProperty("statusCode").GetInt32());
        Assert.Equal("PROCESS_EXECUTION_TIMEOUT", body.GetProperty("code").GetString());
        Assert.Equal("DAYTONA_DAEMON", body.GetProperty("source").GetString());
        Assert.Equal("POST", body.GetProperty("method").GetString());
        Assert.Equal($"/toolbox/{id}/process/execute", body.GetProperty("path").GetString());
        Assert.True(body.TryGetProperty("timestamp", out _));
    }

    [Fact]
    public async Task BlankCommandIs400()
    {
        var id = await fx.CreateSandboxAsync();
        using var response = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/execute"), new { command = "  " });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task SandboxesCannotSeeEachOthersHomeOrTmpNorTheHosts()
    {
        var a = await fx.CreateSandboxAsync();
        var b = await fx.CreateSandboxAsync();
        await fx.ExecAsync(a, "echo secret-a > /home/daytona/a.txt; echo tmp-a > /tmp/a.txt");
        var (_, list) = await fx.ExecAsync(b, "ls -A /home/daytona /tmp; cat /home/daytona/a.txt /tmp/a.txt");
        Assert.DoesNotContain("secret-a", list);
        Assert.DoesNotContain("tmp-a", list);
        Assert.Contains("No such file", list);

        // The host's /tmp holds the emulator's data dir; a sandbox must not see it.
        var marker = Path.Combine(Path.GetTempPath(), "host-marker-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(marker, "host");
        try
        {
            var (code, _) = await fx.ExecAsync(a, $"test -e {marker}");
            Assert.Equal(1, code);
            var (_, home) = await fx.ExecAsync(a, "ls /home");
            Assert.Equal("daytona\n", home);
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task StopKillsProcessesAndDeleteRemovesTheDirectory()
    {
        var id = await fx.CreateSandboxAsync();
        var runtime = fx.Record(id).Runtime;
        // A long command whose pid file proves it ran; stop must end it.
        var running = fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/execute"), new { command = "echo $$ > /tmp/pid; exec sleep 300" });
        await WaitUntilAsync(() => File.Exists(Path.Combine(runtime.RootDirectory, "tmp", "pid")));
        Assert.Single(runtime.ProcessIds);
        var hostPid = runtime.ProcessIds.Single();

        using (var stop = await fx.Http.PostAsync($"api/sandbox/{id}/stop", null)) Assert.True(stop.IsSuccessStatusCode);
        await fx.WaitForStateAsync(id, "stopped");
        await WaitUntilAsync(() => !ProcessAlive(hostPid));
        using (var finished = await running.WaitAsync(TimeSpan.FromSeconds(10))) { }

        Assert.True(Directory.Exists(runtime.RootDirectory));
        using (var delete = await fx.Http.DeleteAsync($"api/sandbox/{id}")) Assert.True(delete.IsSuccessStatusCode);
        await fx.WaitForStateAsync(id, "destroyed");
        await WaitUntilAsync(() => !Directory.Exists(runtime.RootDirectory));
    }

    internal static bool ProcessAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met");
            await Task.Delay(25);
        }
    }
}
