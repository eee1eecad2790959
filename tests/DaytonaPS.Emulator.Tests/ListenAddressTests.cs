using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DaytonaPS.Emulator.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>
/// Loopback only, whichever way Kestrel could be told to listen elsewhere, and one clear line for
/// bad addresses. Most tests start the emulator as a process, the way it is run.
/// </summary>
public sealed class ListenAddressTests
{
    private sealed record Run(int? ExitCode, string FirstStdoutLine, string Stderr);

    /// <summary>
    /// Starts the emulator; returns once it printed its URL (then stops it) or exited by itself.
    /// Inherited ASPNETCORE_/DOTNET_ URL settings are removed unless <paramref name="env"/> sets them.
    /// </summary>
    private static async Task<Run> RunEmulatorAsync(string[] args, Dictionary<string, string>? env = null, string? workingDirectory = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "DaytonaPS.Emulator.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var name in new[] { "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_HTTP_PORTS", "DOTNET_HTTP_PORTS" })
            start.Environment.Remove(name);
        start.Environment["DAYTONA_EMULATOR_API_KEY"] = "listen-test-key";
        foreach (var (name, value) in env ?? []) start.Environment[name] = value;

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var firstLine = process.StandardOutput.ReadLineAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var line = await firstLine.WaitAsync(timeout.Token) ?? "";
        int? exitCode = null;
        if (line.Length > 0)
        {
            process.Kill(entireProcessTree: true);
        }
        await process.WaitForExitAsync(timeout.Token);
        if (line.Length == 0) exitCode = process.ExitCode;
        return new Run(exitCode, line, await stderr.WaitAsync(timeout.Token));
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static bool Listening(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static void AssertLoopbackUrl(Run run, int notOnPort)
    {
        Assert.True(Uri.TryCreate(run.FirstStdoutLine, UriKind.Absolute, out var url), $"no URL printed; stderr: {run.Stderr}");
        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(url.Host.Trim('[', ']'))), $"printed {run.FirstStdoutLine}");
        Assert.NotEqual(notOnPort, url.Port);
    }

    private static void AssertOneLineError(Run run, string expected)
    {
        Assert.NotNull(run.ExitCode);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Equal("", run.FirstStdoutLine);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("daytona-emulator: ", line);
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", run.Stderr);
    }

    [Theory]
    [InlineData("Kestrel__Endpoints__X__Url")]
    [InlineData("ASPNETCORE_URLS")]
    [InlineData("DOTNET_URLS")]
    public async Task EnvironmentCannotMakeItListenBeyondLoopback(string variable)
    {
        var port = FreePort();
        var run = await RunEmulatorAsync(["--urls", "http://127.0.0.1:0"], new() { [variable] = $"http://0.0.0.0:{port}" });
        AssertLoopbackUrl(run, port);
        Assert.False(Listening(port), $"{variable} made it listen on {port}");
    }

    [Fact]
    public async Task AppSettingsKestrelEndpointsAreIgnored()
    {
        var port = FreePort();
        var dir = Directory.CreateTempSubdirectory("emulator-appsettings-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "appsettings.json"),
                System.Text.Json.JsonSerializer.Serialize(new
                {
                    Kestrel = new { Endpoints = new { Everywhere = new { Url = $"http://0.0.0.0:{port}" } } },
                    urls = $"http://0.0.0.0:{port}",
                }));
            var run = await RunEmulatorAsync([], workingDirectory: dir.FullName);
            AssertLoopbackUrl(run, port);
            Assert.False(Listening(port));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("nope", "'nope' is not a listen address")]
    [InlineData("ftp://x", "'ftp://x' is not a listen address")]
    [InlineData("http://127.0.0.1:0/some/path", "is not a listen address")]
    [InlineData("http://0.0.0.0:0", "is not a loopback address")]
    public async Task BadUrlsEndInOneLineAndANonZeroExit(string urls, string expected)
    {
        AssertOneLineError(await RunEmulatorAsync(["--urls", urls]), expected);
    }

    [Fact]
    public async Task KestrelSettingsAreNotOptions()
    {
        AssertOneLineError(await RunEmulatorAsync(["--Kestrel:Endpoints:X:Url", "http://0.0.0.0:1"]), "unknown option '--Kestrel:Endpoints:X:Url'");
    }

    [Fact]
    public async Task APortInUseIsOneLine()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        AssertOneLineError(await RunEmulatorAsync(["--urls", $"http://127.0.0.1:{port}"]), $"cannot start: Failed to bind to address http://127.0.0.1:{port}");
    }

    [Fact]
    public async Task InProcessKestrelConfigurationIsIgnored()
    {
        var port = FreePort();
        await using var server = await EmulatorServer.StartAsync(new EmulatorOptions(), builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Kestrel:Endpoints:X:Url"] = $"http://0.0.0.0:{port}",
                ["urls"] = $"http://0.0.0.0:{port}",
            }));
        Assert.StartsWith("http://127.0.0.1:", server.BaseUrl);
        Assert.False(Listening(port));
    }

    [Fact]
    public async Task ABoundAddressThatIsNotLoopbackStopsTheServer()
    {
        // Listen() in code is the one route configuration cannot reach; the check after start catches it.
        var port = FreePort();
        var error = await Assert.ThrowsAsync<EmulatorStartupException>(() => EmulatorServer.StartAsync(new EmulatorOptions(),
            builder => builder.WebHost.ConfigureKestrel(k => k.ListenAnyIP(port))));
        Assert.Contains("not loopback", error.Message);
        Assert.Contains("--allow-remote", error.Message);
        Assert.False(Listening(port));
    }
}
