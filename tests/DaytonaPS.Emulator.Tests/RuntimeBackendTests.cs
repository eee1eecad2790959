using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>An emulator with --runtime none: sandboxes exist, nothing runs.</summary>
public sealed class NoneRuntimeFixture : ToolboxServerFixture
{
    protected override string[] ExtraArgs => ["--runtime", "none"];
}

/// <summary>The linux runtime without bubblewrap: util-linux unshare/nsenter, as on a machine that lacks bwrap.</summary>
public sealed class UnshareRuntimeFixture : ToolboxServerFixture
{
    protected override string[] ExtraArgs => ["--runtime", "linux", "--linux-launcher", "unshare"];
}

public sealed class NoneRuntimeTests(NoneRuntimeFixture fx) : IClassFixture<NoneRuntimeFixture>
{
    [Fact]
    public async Task StartupAndTheAdminRouteSayNothingRuns()
    {
        Assert.Contains(fx.Server.StartupNotes, n => n.StartsWith("runtime: none", StringComparison.Ordinal));
        var info = await fx.Http.GetFromJsonAsync<JsonElement>("_emulator/runtime");
        Assert.Equal("none", info.GetProperty("runtime").GetString());
        Assert.False(info.GetProperty("runsCommands").GetBoolean());
    }

    [Fact]
    public async Task ProcessRoutesAnswerRuntimeUnavailableAndRunNothingOnTheHost()
    {
        var id = await fx.CreateSandboxAsync();
        var marker = Path.Combine(Path.GetTempPath(), "none-ran-" + Guid.NewGuid().ToString("N"));
        using (var exec = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/execute"), new { command = $"touch {marker}" }))
            await AssertUnavailableAsync(exec);
        using (var session = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/session"), new { sessionId = "s" }))
            await AssertUnavailableAsync(session);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task LifecycleAndTheFileApiStillWork()
    {
        var id = await fx.CreateSandboxAsync();
        using (var up = new ByteArrayContent("data"u8.ToArray()))
        using (var upload = await fx.Http.PostAsync(fx.Toolbox(id, "files/upload?path=/workspace/a.txt"), up))
            Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());
        Assert.Equal("data", await fx.Http.GetStringAsync(fx.Toolbox(id, "files/download?path=/workspace/a.txt")));
        using (var stop = await fx.Http.PostAsync($"api/sandbox/{id}/stop", null)) Assert.True(stop.IsSuccessStatusCode);
        await fx.WaitForStateAsync(id, "stopped");
        using (var start = await fx.Http.PostAsync($"api/sandbox/{id}/start", null)) Assert.True(start.IsSuccessStatusCode);
        await fx.WaitForStateAsync(id, "started");
        Assert.Equal("data", await fx.Http.GetStringAsync(fx.Toolbox(id, "files/download?path=/workspace/a.txt")));
    }

    [Fact]
    public void NoSandboxingMeansNoneAndDockerIsNotImplementedYet()
    {
        Assert.True(EmulatorOptions.Parse(["--no-sandboxing"]).NoSandboxing);
        var docker = Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse(["--runtime", "docker"]));
        Assert.Contains("not implemented yet", docker.Message);
        Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse(["--runtime", "chroot"]));
        Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse(["--sandbox-host-uid", "0"]));
    }

    private static async Task AssertUnavailableAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("SANDBOX_RUNTIME_UNAVAILABLE", body.GetProperty("code").GetString());
        Assert.Contains("--runtime linux", body.GetProperty("message").GetString());
    }
}

/// <summary>Without bubblewrap, the linux runtime runs through unshare with the same behaviour.</summary>
public sealed class UnshareRuntimeTests(UnshareRuntimeFixture fx) : IClassFixture<UnshareRuntimeFixture>
{
    [Fact]
    public async Task StartupSaysUnshare()
    {
        Assert.Contains(fx.Server.StartupNotes, n => n.StartsWith("runtime: linux via unshare", StringComparison.Ordinal));
        var info = await fx.Http.GetFromJsonAsync<JsonElement>("_emulator/runtime");
        Assert.Equal("unshare", info.GetProperty("launcher").GetString());
    }

    [Fact]
    public async Task CommandsAndTheFileApiSeeTheSameFiles()
    {
        var id = await fx.CreateSandboxAsync();
        var (code, result) = await fx.ExecAsync(id, "pwd; echo $HOME; whoami; echo data > made-by-shell.txt; echo t > /tmp/t.txt");
        Assert.Equal(0, code);
        Assert.Equal("/home/daytona\n/home/daytona\ndaytona\n", result);
        Assert.Equal("data\n", await fx.Http.GetStringAsync(fx.Toolbox(id, "files/download?path=/home/daytona/made-by-shell.txt")));
        Assert.Equal("t\n", await fx.Http.GetStringAsync(fx.Toolbox(id, "files/download?path=/tmp/t.txt")));
        using (var folder = await fx.Http.PostAsync(fx.Toolbox(id, "files/folder?path=/home/daytona/sub&mode=755"), null)) Assert.True(folder.IsSuccessStatusCode);
        Assert.Equal((0, "/home/daytona/sub\n"), await fx.ExecAsync(id, "pwd; touch x", cwd: "/home/daytona/sub"));
    }

    [Fact]
    public async Task SessionsKeepState()
    {
        var id = await fx.CreateSandboxAsync();
        using (var create = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/session"), new { sessionId = "f" })) Assert.True(create.IsSuccessStatusCode);
        using (var first = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/session/f/exec"), new { command = "export A=1; cd /" })) Assert.True(first.IsSuccessStatusCode);
        using var second = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/session/f/exec"), new { command = "echo $A; pwd" });
        var body = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("1\n/\n", body.GetProperty("stdout").GetString());
    }
}

/// <summary>
/// Run as root, the emulator's sandboxes run as another host uid, which must reach the data
/// directory: a --data-dir inside a 0700 folder used to fall back to --runtime none with only
/// bubblewrap's "Permission denied"; the note now names the folder and the fix.
/// </summary>
public sealed class DataDirReachabilityTests
{
    [Fact]
    public void AClosedFolderAboveTheDataDirIsNamedWhereSandboxesRunAsAnotherUid()
    {
        if (!OperatingSystem.IsLinux()) return;
        var closed = Directory.CreateTempSubdirectory("daytonaps-closed-"); // 0700, as mktemp -d makes it
        try
        {
            Assert.False(File.GetUnixFileMode(closed.FullName).HasFlag(UnixFileMode.OtherExecute));
            var problems = new List<string>();
            var runtime = Runtime.LinuxRuntime.Detect(EmulatorOptions.Parse([]), Path.Combine(closed.FullName, "data", "sandboxes"), problems);
            if (Runtime.Posix.IsRoot)
            {
                Assert.Null(runtime);
                Assert.Contains(problems, p => p.Contains($"{closed.FullName} lacks search permission for others (chmod o+x {closed.FullName}", StringComparison.Ordinal));
            }
            else
            {
                // Not root: sandboxes run as this uid, which owns the folder, so the runtime works there.
                Assert.NotNull(runtime);
            }
        }
        finally
        {
            Runtime.HostFiles.DeleteTree(closed.FullName);
        }
    }
}
