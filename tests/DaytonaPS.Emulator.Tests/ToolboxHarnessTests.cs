using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DaytonaPS.Emulator;
using DaytonaPS.Emulator.Toolbox;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>One emulator for a test class, with helpers to create started sandboxes and call their toolbox.</summary>
public class ToolboxServerFixture : IAsyncLifetime, IEmulatorTarget
{
    public int EmulatorProcessId => Environment.ProcessId;

    public string HostRootOf(string id) => Record(id).Runtime.RootDirectory;

    public const string ApiKey = "toolbox-test-key";

    public EmulatorServer Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    /// <summary>Extra emulator options of a derived fixture.</summary>
    protected virtual string[] ExtraArgs => [];

    public async Task InitializeAsync()
    {
        var options = EmulatorOptions.Parse(["--api-key", ApiKey, "--transition-ms", "10", .. ExtraArgs]);
        Server = await EmulatorServer.StartAsync(options);
        Http = new HttpClient { BaseAddress = new Uri(Server.BaseUrl + "/"), Timeout = TimeSpan.FromMinutes(5) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        Http.DefaultRequestHeaders.Add("X-Daytona-SDK-Version", "0.218.0");
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>Creates a sandbox through the API and waits until it is started; returns its id.</summary>
    public async Task<string> CreateSandboxAsync()
    {
        using var response = await Http.PostAsJsonAsync("api/sandbox", new { });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await WaitForStateAsync(id, "started");
        return id;
    }

    public async Task WaitForStateAsync(string id, string state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var get = await Http.GetAsync($"api/sandbox/{id}");
            if (state == "destroyed" && get.StatusCode == HttpStatusCode.NotFound) return;
            var current = (await get.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString();
            if (current == state) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"sandbox {id} stayed {current}, wanted {state}");
            await Task.Delay(20);
        }
    }

    public SandboxRecord Record(string id)
    {
        Assert.True(Server.Context.Store.TryGet(id, out var s));
        return s;
    }

    public string Toolbox(string id, string path) => $"toolbox/{id}/{path.TrimStart('/')}";

    public async Task<(int ExitCode, string Result)> ExecAsync(string id, string command, string? cwd = null, Dictionary<string, string>? envs = null, int? timeout = null)
    {
        using var response = await Http.PostAsJsonAsync(Toolbox(id, "process/execute"), new { command, cwd, envs, timeout });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        var json = JsonDocument.Parse(body).RootElement;
        return (json.GetProperty("exitCode").GetInt32(), json.GetProperty("result").GetString()!);
    }
}

public sealed class ToolboxHarnessTests(ToolboxServerFixture fx) : IClassFixture<ToolboxServerFixture>
{
    [Fact]
    public void StartupNotesDescribeIsolation()
    {
        // The default (auto) picks the linux runtime wherever it works, as on CI.
        Assert.Contains(fx.Server.StartupNotes, n => n.StartsWith("runtime: linux via ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownSandboxIs404FromProxy()
    {
        using var response = await fx.Http.GetAsync(fx.Toolbox("no-such-sandbox", "work-dir"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("DAYTONA_PROXY", body.GetProperty("source").GetString());
    }

    [Fact]
    public async Task WorkDirAndHomeDir()
    {
        var id = await fx.CreateSandboxAsync();
        var work = await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, "work-dir"));
        var home = await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, "user-home-dir"));
        Assert.Equal("/home/daytona", work.GetProperty("dir").GetString());
        Assert.Equal("/home/daytona", home.GetProperty("dir").GetString());
    }

    [Fact]
    public async Task ToolboxNeedsAuth()
    {
        var id = await fx.CreateSandboxAsync();
        using var anonymous = new HttpClient { BaseAddress = fx.Http.BaseAddress };
        using var response = await anonymous.GetAsync(fx.Toolbox(id, "work-dir"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task StoppedSandboxIsRefusedByTheProxy()
    {
        var id = await fx.CreateSandboxAsync();
        using (var stop = await fx.Http.PostAsync($"api/sandbox/{id}/stop", null)) Assert.True(stop.IsSuccessStatusCode);
        await fx.WaitForStateAsync(id, "stopped");
        using var response = await fx.Http.GetAsync(fx.Toolbox(id, "work-dir"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("DAYTONA_PROXY", body.GetProperty("source").GetString());
        Assert.Contains("not started", body.GetProperty("message").GetString());
    }

    [Fact]
    public void PathsNormalizeAndRefuseEscapes()
    {
        var root = Path.Combine(Path.GetTempPath(), "paths-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(root, "home", "daytona"));
        Directory.CreateDirectory(Path.Combine(root, "tmp"));
        try
        {
            // The sandbox's "/" is root, with a read-only host tree mounted at /usr.
            var paths = new SandboxPaths(root, new Dictionary<string, string> { ["/usr"] = "/usr" });
            Assert.Equal("/home/daytona/a/b", SandboxPaths.Normalize("a/./b"));
            Assert.Equal(Path.Combine(root, "home", "daytona", "x"), paths.Resolve("/home/daytona/x").HostPath);
            Assert.Equal(Path.Combine(root, "tmp", "y"), paths.Resolve("/tmp/y").HostPath);
            // The sandbox's own /etc, never the host's, however the path is spelled.
            Assert.Equal(Path.Combine(root, "etc", "passwd"), paths.Resolve("/home/daytona/../../etc/passwd").HostPath);
            Assert.Equal(Path.Combine(root, "etc", "passwd"), paths.Resolve("/../../../etc/passwd").HostPath);
            Assert.Equal(Path.Combine(root, "opt", "x"), paths.Resolve("/opt/x", write: true).HostPath);
            Assert.Equal(400, Assert.Throws<ToolboxException>(() => paths.Resolve("")).Status);
            // The kernel's and the daemon's trees are off limits; the read-only tree is readable, not writable.
            Assert.Equal(403, Assert.Throws<ToolboxException>(() => paths.Resolve("/proc/1/environ")).Status);
            Assert.Equal(403, Assert.Throws<ToolboxException>(() => paths.Resolve("/run/daytona/env")).Status);
            Assert.Equal(403, Assert.Throws<ToolboxException>(() => paths.Resolve("/dev/sda")).Status);
            Assert.Equal("/usr/bin/env", paths.Resolve("/usr/bin/env").HostPath);
            Assert.True(paths.Resolve("/usr/bin/env").ReadOnly);
            Assert.Equal(403, Assert.Throws<ToolboxException>(() => paths.Resolve("/usr/bin/x", write: true)).Status);

            // Symlinks are followed as the sandbox sees them: an absolute target is a sandbox path.
            File.CreateSymbolicLink(Path.Combine(root, "home", "daytona", "out"), "/etc");
            File.CreateSymbolicLink(Path.Combine(root, "home", "daytona", "up"), "../../../..");
            File.CreateSymbolicLink(Path.Combine(root, "home", "daytona", "t"), "/tmp");
            File.CreateSymbolicLink(Path.Combine(root, "home", "daytona", "p"), "/proc/self");
            Assert.Equal(Path.Combine(root, "etc", "passwd"), paths.Resolve("/home/daytona/out/passwd").HostPath);
            Assert.Equal(Path.Combine(root, "etc"), paths.Resolve("/home/daytona/up/etc").HostPath);
            Assert.Equal(Path.Combine(root, "tmp", "z"), paths.Resolve("/home/daytona/t/z").HostPath);
            Assert.Equal(403, Assert.Throws<ToolboxException>(() => paths.Resolve("/home/daytona/p/environ")).Status);
            // Without following the last component, the link itself can be deleted.
            Assert.Equal(Path.Combine(root, "home", "daytona", "out"), paths.Resolve("/home/daytona/out", followFinal: false).HostPath);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
