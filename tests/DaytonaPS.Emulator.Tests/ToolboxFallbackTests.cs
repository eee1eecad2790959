using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>An emulator that never uses bubblewrap, as on a machine without it.</summary>
public sealed class NoSandboxingFixture : ToolboxServerFixture
{
    protected override string[] ExtraArgs => ["--no-sandboxing"];
}

public sealed class ToolboxFallbackTests(NoSandboxingFixture fx) : IClassFixture<NoSandboxingFixture>
{
    [Fact]
    public void StartupSaysThereIsNoIsolation()
    {
        Assert.Contains(fx.Server.StartupNotes, n => n.StartsWith("--no-sandboxing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CommandsRunInTheSandboxHomeAndTheFileApiMapsTheSame()
    {
        var id = await fx.CreateSandboxAsync();
        var runtime = fx.Record(id).Runtime;
        Assert.False(runtime.UsesBubblewrap);
        var home = Path.Combine(runtime.RootDirectory, "home", "daytona");

        var (code, result) = await fx.ExecAsync(id, "pwd; echo $HOME; echo data > made-by-shell.txt; echo t > \"$TMPDIR/t.txt\"");
        Assert.Equal(0, code);
        Assert.Equal($"{home}\n{home}\n", result);
        Assert.Equal("data\n", await fx.Http.GetStringAsync(fx.Toolbox(id, "files/download?path=/home/daytona/made-by-shell.txt")));
        Assert.Equal("t\n", await fx.Http.GetStringAsync(fx.Toolbox(id, "files/download?path=/tmp/t.txt")));

        // cwd given as a sandbox path maps into the root as well.
        using (var folder = await fx.Http.PostAsync(fx.Toolbox(id, "files/folder?path=/home/daytona/sub&mode=755"), null)) Assert.True(folder.IsSuccessStatusCode);
        Assert.Equal((0, Path.Combine(home, "sub") + "\n"), await fx.ExecAsync(id, "pwd", cwd: "/home/daytona/sub"));

        // A daemon left behind by a command is found and killed on stop.
        await fx.ExecAsync(id, "nohup sleep 300 >/dev/null 2>&1 & echo $! > \"$TMPDIR/pid\"");
        var pid = int.Parse(File.ReadAllText(Path.Combine(runtime.RootDirectory, "tmp", "pid")).Trim());
        Assert.True(ToolboxProcessTests.ProcessAlive(pid));
        using (var stop = await fx.Http.PostAsync($"api/sandbox/{id}/stop", null)) Assert.True(stop.IsSuccessStatusCode);
        await fx.WaitForStateAsync(id, "stopped");
        await ToolboxProcessTests.WaitUntilAsync(() => !ToolboxProcessTests.ProcessAlive(pid));
    }

    [Fact]
    public async Task SessionsWorkWithoutBubblewrap()
    {
        var id = await fx.CreateSandboxAsync();
        using (var create = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/session"), new { sessionId = "f" })) Assert.True(create.IsSuccessStatusCode);
        using (var first = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/session/f/exec"), new { command = "export A=1; cd /" })) Assert.True(first.IsSuccessStatusCode);
        using var second = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/session/f/exec"), new { command = "echo $A; pwd" });
        var body = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("1\n/\n", body.GetProperty("stdout").GetString());
    }
}
