using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DaytonaPS.Tests;

/// <summary>
/// A scripted HTTP server for what the emulator cannot show: the exact request headers, and
/// chosen status sequences (429 with Retry-After-&lt;name&gt;, 503 then 200) to test retries.
/// </summary>
public sealed class FakeDaytona : IAsyncDisposable
{
    private readonly WebApplication _app;
    public ConcurrentQueue<(int Status, Dictionary<string, string> Headers, string Body)> Script { get; } = new();
    public ConcurrentQueue<(string Method, string Path, Dictionary<string, string> Headers, DateTime At)> Requests { get; } = new();
    public string ApiUrl { get; }

    private FakeDaytona(WebApplication app, string apiUrl)
    {
        _app = app;
        ApiUrl = apiUrl;
    }

    public static async Task<FakeDaytona> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        FakeDaytona? self = null;
        app.Map("/{**path}", async (HttpContext http) =>
        {
            var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            self!.Requests.Enqueue((http.Request.Method, http.Request.Path + http.Request.QueryString, headers, DateTime.UtcNow));
            if (!self.Script.TryDequeue(out var next)) next = (200, new Dictionary<string, string>(), "{\"items\":[],\"nextCursor\":null}");
            http.Response.StatusCode = next.Status;
            http.Response.ContentType = "application/json"; // unless the script says otherwise
            foreach (var h in next.Headers) http.Response.Headers[h.Key] = h.Value;
            await http.Response.WriteAsync(next.Body);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new FakeDaytona(app, address.TrimEnd('/') + "/api");
        return self;
    }

    public void Enqueue(int status, string body = "{}", params (string, string)[] headers) =>
        Script.Enqueue((status, headers.ToDictionary(h => h.Item1, h => h.Item2), body));

    public static string Error(int status, string message) =>
        $"{{\"statusCode\":{status},\"error\":\"x\",\"message\":\"{message}\",\"path\":\"/api/x\",\"timestamp\":\"2026-01-01T00:00:00.000Z\"}}";

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
