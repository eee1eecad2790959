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

    public static Task<EmulatorServer> StartAsync(EmulatorOptions options, CancellationToken cancellationToken = default) =>
        StartAsync(options, configure: null, cancellationToken);

    /// <summary>
    /// Starts listening on <see cref="EmulatorOptions.Urls"/> and nothing else. Loopback only
    /// unless AllowRemote, whatever the environment says: Kestrel's endpoint configuration
    /// (Kestrel:Endpoints from appsettings.json or Kestrel__Endpoints__* variables) is ignored,
    /// the URLs given here override ASPNETCORE_URLS/DOTNET_URLS/HTTP_PORTS, and every address
    /// actually bound is checked once listening (the server stops if one is not loopback).
    /// <paramref name="configure"/> lets tests add configuration or Kestrel settings.
    /// </summary>
    internal static async Task<EmulatorServer> StartAsync(EmulatorOptions options, Action<WebApplicationBuilder>? configure, CancellationToken cancellationToken = default)
    {
        var notes = new List<string>();
        var urls = EmulatorOptions.CheckUrls(options.Urls);
        foreach (var url in urls.Split(';'))
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
        configure?.Invoke(builder);
        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            // Replaces the loader bound to the "Kestrel" section: no endpoint comes from configuration.
            k.Configure(new ConfigurationBuilder().Build(), reloadOnChange: false);
        });

        EmulatorContext context;
        try
        {
            context = new EmulatorContext(options, Path.GetFullPath(dataDir));
        }
        catch
        {
            // e.g. --runtime linux where it cannot work: leave no temp data dir behind.
            if (ownsDataDir) DeleteDirectory(dataDir);
            throw;
        }
        builder.Services.AddSingleton(context);
        PreviewProxy.AddServices(builder.Services);
        var app = builder.Build();
        PreviewProxy.Use(app);
        app.UseRawPathRouting();
        app.UseWebSockets();
        app.UseMiddleware<ErrorMiddleware>();
        app.UseMiddleware<FaultMiddleware>();
        app.UseMiddleware<AuthMiddleware>();
        app.UseMiddleware<RateLimitMiddleware>();

        AdminEndpoints.Map(app);
        ApiEndpoints.Map(app);
        Build.ObjectStorage.Map(app);
        ToolboxEndpoints.Map(app);
        Ssh.SshGatewayEndpoints.Map(app);
        app.MapFallback((HttpContext http) => DaytonaErrors.Result(http, 404, $"Cannot {http.Request.Method} {http.Request.Path}"));

        try
        {
            await app.StartAsync(cancellationToken);
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
            var remote = addresses.FirstOrDefault(a => !IsLoopback(a));
            if (remote is not null && !options.AllowRemote)
                throw new EmulatorStartupException($"the server listens on '{remote}', which is not loopback (check Kestrel or ASPNETCORE_* settings); pass --allow-remote to allow it.");
            var baseUrl = addresses.First().TrimEnd('/').Replace("://[::]", "://127.0.0.1").Replace("://localhost", "://127.0.0.1");
            context.BaseUrl = baseUrl;
            notes.AddRange(context.Startup());
            notes.Add(StartSshGateway(context));
            return new EmulatorServer(app, context, ownsDataDir, baseUrl, notes);
        }
        catch
        {
            // Clean up without hiding why it failed.
            try
            {
                await app.StopAsync(CancellationToken.None);
                await app.DisposeAsync();
            }
            catch (Exception)
            {
            }
            context.Dispose();
            if (ownsDataDir) DeleteDirectory(dataDir);
            throw;
        }
    }

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    /// <summary>Starts the SSH gateway sidecar unless --no-ssh; the start-up note says where it listens or why it is off.</summary>
    private static string StartSshGateway(EmulatorContext context)
    {
        if (context.Options.NoSsh) return "SSH gateway off (--no-ssh)";
        context.SshGateway = Ssh.SshGatewayProcess.TryStart(context, out var note);
        return note;
    }

    public async ValueTask DisposeAsync()
    {
        if (Context.SshGateway is { } gateway) await gateway.DisposeAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Context.Dispose();
        if (_ownsDataDir) DeleteDirectory(Context.DataDir);
    }

    private static void DeleteDirectory(string dir)
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    internal static bool IsLoopback(string url)
    {
        if (EmulatorOptions.ListenUri(url) is not { } uri) return false;
        if (uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }
}
