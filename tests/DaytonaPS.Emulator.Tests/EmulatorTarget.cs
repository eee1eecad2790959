using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>An emulator the isolation tests drive over HTTP, in this process or in a child process.</summary>
public interface IEmulatorTarget
{
    HttpClient Http { get; }

    /// <summary>Host pid of the emulator (this process, or the child).</summary>
    int EmulatorProcessId { get; }

    /// <summary>Host directory that is the sandbox's "/".</summary>
    string HostRootOf(string id);

    Task<string> CreateSandboxAsync();
    Task WaitForStateAsync(string id, string state);
    string Toolbox(string id, string path);
    Task<(int ExitCode, string Result)> ExecAsync(string id, string command, string? cwd = null, Dictionary<string, string>? envs = null, int? timeout = null);
}

/// <summary>
/// The emulator as its own process, run as an unprivileged host user when the tests run as root
/// (CI): setpriv to a uid of its own with no groups and no capabilities, so the linux runtime is
/// tested exactly as a non-root user gets it. When the tests are not root, it runs as that user.
/// </summary>
public abstract class ChildEmulatorFixture : IAsyncLifetime, IEmulatorTarget
{
    public const string ApiKey = "child-emulator-key";

    /// <summary>The host uid the child emulator runs as when the tests are root (distinct from --sandbox-host-uid's default).</summary>
    public const uint ChildUid = 2_000_003_000;

    private Process? _process;
    private string _home = "";

    protected abstract string[] ExtraArgs { get; }

    /// <summary>Variables set for the child (e.g. DAYTONA_EMULATOR_NO_BWRAP).</summary>
    protected virtual Dictionary<string, string> ExtraEnvironment => [];

    public HttpClient Http { get; private set; } = null!;
    public int EmulatorProcessId => _process!.Id;
    public string DataDir { get; private set; } = "";
    private readonly System.Text.StringBuilder _stderr = new();

    /// <summary>
    /// What the child has written to stderr so far. Read live: stderr is read on another thread, so
    /// a line the child wrote before its URL line on stdout can arrive here after that line.
    /// </summary>
    public string Stderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    /// <summary>Waits (at most 10 s) until stderr holds <paramref name="text"/>; returns stderr as it then is.</summary>
    public async Task<string> StderrContainingAsync(string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!Stderr.Contains(text, StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(50);
        return Stderr;
    }
    public static bool TestsRunAsRoot => Environment.UserName == "root";

    public string HostRootOf(string id) => Path.Combine(DataDir, "sandboxes", id);

    public async Task InitializeAsync()
    {
        _home = Path.Combine(Path.GetTempPath(), "child-emulator-" + Guid.NewGuid().ToString("N")[..8]);
        DataDir = Path.Combine(_home, "data");
        Directory.CreateDirectory(DataDir);
        // A copy the child's user can surely read (the checkout may sit below a private home).
        var bin = Path.Combine(_home, "bin");
        Directory.CreateDirectory(bin);
        foreach (var name in new[] { "DaytonaPS.Emulator.dll", "DaytonaPS.Emulator.deps.json", "DaytonaPS.Emulator.runtimeconfig.json", "Yarp.ReverseProxy.dll" })
            File.Copy(Path.Combine(AppContext.BaseDirectory, name), Path.Combine(bin, name));
        var emulator = Path.Combine(bin, "DaytonaPS.Emulator.dll");
        var psi = new ProcessStartInfo { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (TestsRunAsRoot)
        {
            foreach (var dir in new[] { _home, DataDir, bin }) Assert.Equal(0, Chown(dir, ChildUid));
            psi.FileName = "setpriv";
            foreach (var a in new[] { $"--reuid={ChildUid}", $"--regid={ChildUid}", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--", "dotnet" }) psi.ArgumentList.Add(a);
        }
        else
        {
            psi.FileName = "dotnet";
        }
        foreach (var a in new[] { emulator, "--api-key", ApiKey, "--transition-ms", "10", "--data-dir", DataDir }) psi.ArgumentList.Add(a);
        foreach (var a in ExtraArgs) psi.ArgumentList.Add(a);
        psi.Environment["HOME"] = _home;
        psi.Environment["DOTNET_CLI_HOME"] = _home;
        psi.Environment["TMPDIR"] = _home;
        psi.Environment.Remove("DAYTONA_EMULATOR_API_KEY");
        foreach (var (k, v) in ExtraEnvironment) psi.Environment[k] = v;
        _process = Process.Start(psi)!;
        _process.ErrorDataReceived += (_, e) => { lock (_stderr) _stderr.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
        var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(90));
        Assert.True(line is not null && line.EndsWith("/api", StringComparison.Ordinal), $"the child emulator did not start: {line} {Stderr}");
        Http = new HttpClient { BaseAddress = new Uri(line[..^"/api".Length] + "/"), Timeout = TimeSpan.FromMinutes(5) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_process is not null)
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
        try { Directory.Delete(_home, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

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

    public string Toolbox(string id, string path) => $"toolbox/{id}/{path.TrimStart('/')}";

    public async Task<(int ExitCode, string Result)> ExecAsync(string id, string command, string? cwd = null, Dictionary<string, string>? envs = null, int? timeout = null)
    {
        using var response = await Http.PostAsJsonAsync(Toolbox(id, "process/execute"), new { command, cwd, envs, timeout });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        var json = JsonDocument.Parse(body).RootElement;
        return (json.GetProperty("exitCode").GetInt32(), json.GetProperty("result").GetString()!);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true, EntryPoint = "chown")]
    private static extern int Chown(string path, uint uid, uint gid);

    private static int Chown(string path, uint id) => Chown(path, id, id);
}

/// <summary>Unprivileged emulator, default launcher (bubblewrap where it works).</summary>
public sealed class UnprivilegedEmulatorFixture : ChildEmulatorFixture
{
    protected override string[] ExtraArgs => ["--runtime", "linux"];
}

/// <summary>Unprivileged emulator told to ignore bubblewrap (DAYTONA_EMULATOR_NO_BWRAP), as on a machine without it: util-linux unshare.</summary>
public sealed class UnprivilegedUnshareEmulatorFixture : ChildEmulatorFixture
{
    protected override string[] ExtraArgs => ["--runtime", "auto"];
    protected override Dictionary<string, string> ExtraEnvironment => new() { ["DAYTONA_EMULATOR_NO_BWRAP"] = "1" };
}
