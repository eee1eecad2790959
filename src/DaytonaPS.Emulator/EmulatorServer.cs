using System.Net;
using DaytonaPS.Emulator.Api;
using DaytonaPS.Emulator.Infrastructure;
using DaytonaPS.Emulator.Toolbox;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace DaytonaPS.Emulator;

/// <summary>A running emulator: used by Program and, in-process, by the test suites.</summary>
public sealed class EmulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _ownsDataDir;

    private EmulatorServer(WebApplication app, EmulatorContext context, bool ownsDataDir, string baseUrl, List<string> notes)
    {
        _app = app;
        Context = context;
        _ownsDataDir = ownsDataDir;
        BaseUrl = baseUrl;
        StartupNotes = notes;
    }

    /// <summary>Shared state of this emulator (options, stores).</summary>
    public EmulatorContext Context { get; }

    /// <summary>e.g. http://127.0.0.1:5123</summary>
    public string BaseUrl { get; }

    /// <summary>e.g. http://127.0.0.1:5123/api</summary>
    public string ApiUrl => BaseUrl + "/api";

    public IReadOnlyList<string> StartupNotes { get; }

    public static async Task<EmulatorServer> StartAsync(EmulatorOptions options, CancellationToken cancellationToken = default)
    {
        var notes = new List<string>();
        foreach (var url in options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!options.AllowRemote && !IsLoopback(url))
                throw new ArgumentException($"'{url}' is not a loopback address; the emulator runs code, so pass --allow-remote to listen on it.");
        }

        var ownsDataDir = options.DataDir is null;
        var dataDir = options.DataDir ?? Path.Combine(Path.GetTempPath(), "daytona-emulator-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dataDir);
        if (options.ApiKeys.Count == 0 && options.Jwt is null)
            notes.Add("no --api-key or --jwt given: every /api request will get 401.");

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);

        var context = new EmulatorContext(options, Path.GetFullPath(dataDir));
        builder.Services.AddSingleton(context);
        var app = builder.Build();
        app.UseWebSockets();
        app.UseMiddleware<ErrorMiddleware>();
        app.UseMiddleware<FaultMiddleware>();
        app.UseMiddleware<AuthMiddleware>();
        app.UseMiddleware<RateLimitMiddleware>();

        AdminEndpoints.Map(app);
        ApiEndpoints.Map(app);
        ToolboxEndpoints.Map(app);
        app.MapFallback((HttpContext http) => DaytonaErrors.Result(http, 404, $"Cannot {http.Request.Method} {http.Request.Path}"));

        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var baseUrl = address.TrimEnd('/').Replace("://[::]", "://127.0.0.1").Replace("://localhost", "://127.0.0.1");
        context.BaseUrl = baseUrl;
        notes.AddRange(context.Startup());
        return new EmulatorServer(app, context, ownsDataDir, baseUrl, notes);
    }

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Context.Dispose();
        if (_ownsDataDir)
        {
            try { Directory.Delete(Context.DataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url.Replace("://+", "://0.0.0.0").Replace("://*", "://0.0.0.0"), UriKind.Absolute, out var uri)) return false;
        if (uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }
}
