using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>An in-process emulator on port 0 plus a real HttpClient with an API key.</summary>
public class ApiServerFixture : IAsyncLifetime
{
    /// <summary>How long transitional states last on this server.</summary>
    protected virtual int TransitionMs => 40;

    public const string ApiKey = "api-test-key-0123456789";

    public EmulatorServer Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await EmulatorServer.StartAsync(new EmulatorOptions { Urls = "http://127.0.0.1:0", TransitionMs = TransitionMs, ApiKeys = { ApiKey } });
        Http = Api.Client(Server, ApiKey);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>
/// Transitions that never end by themselves: a test acts while a sandbox is 'stopping', 'creating',
/// ..., then moves on with <see cref="Api.AdvanceToAsync"/>. Deterministic however loaded the machine is.
/// </summary>
public sealed class LifecycleServerFixture : ApiServerFixture
{
    protected override int TransitionMs => 600_000;
}

/// <summary>Helpers shared by the API and fault tests.</summary>
public static class Api
{
    public static HttpClient Client(EmulatorServer server, string? key)
    {
        var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl + "/"), Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    public static StringContent JsonContent(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient http, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is string raw) request.Content = JsonContent(raw);
        else if (body is not null) request.Content = System.Net.Http.Json.JsonContent.Create(body);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static async Task<JsonElement> CreateAsync(HttpClient http, object? body = null)
    {
        var (status, json) = await SendAsync(http, HttpMethod.Post, "api/sandbox", body ?? new { });
        Assert.True(status == HttpStatusCode.OK, $"create gave {(int)status}: {json}");
        return json;
    }

    /// <summary>Creates a sandbox and waits until it is started; returns its id.</summary>
    public static async Task<string> CreateStartedAsync(HttpClient http, object? body = null)
    {
        var id = (await CreateAsync(http, body)).GetProperty("id").GetString()!;
        await WaitForStateAsync(http, id, "started");
        return id;
    }

    public static async Task<JsonElement> WaitForStateAsync(HttpClient http, string id, string state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var (status, json) = await SendAsync(http, HttpMethod.Get, $"api/sandbox/{id}");
            if (state == "destroyed" && status == HttpStatusCode.NotFound) return json;
            Assert.Equal(HttpStatusCode.OK, status);
            if (json.GetProperty("state").GetString() == state) return json;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"sandbox {id} stayed {json.GetProperty("state")}, wanted {state}");
            await Task.Delay(10);
        }
    }

    /// <summary>Advances held transitions until the sandbox reaches <paramref name="state"/>.</summary>
    public static async Task<JsonElement> AdvanceToAsync(EmulatorServer server, HttpClient http, string id, string state)
    {
        for (var i = 0; i < 20; i++)
        {
            var (status, json) = await SendAsync(http, HttpMethod.Get, $"api/sandbox/{id}");
            if (state == "destroyed" && status == HttpStatusCode.NotFound) return json;
            if (status == HttpStatusCode.OK && json.GetProperty("state").GetString() == state) return json;
            server.Context.Store.AdvanceTransitions();
            await Task.Delay(20);
        }
        return await WaitForStateAsync(http, id, state);
    }

    /// <summary>Asserts Daytona's error body: {statusCode, error, message, path, timestamp}.</summary>
    public static void AssertError(JsonElement body, int status, string message)
    {
        Assert.Equal(status, body.GetProperty("statusCode").GetInt32());
        Assert.Equal(message, body.GetProperty("message").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetString()));
        Assert.StartsWith("/", body.GetProperty("path").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", body.GetProperty("timestamp").GetString());
    }

    /// <summary>
    /// Sends <paramref name="rawPath"/> exactly as written (no dot-segment removal, no re-escaping),
    /// as a client that does not normalise URLs would.
    /// </summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendRawPathAsync(HttpClient http, HttpMethod method, string rawPath, object? body = null)
    {
        var uri = new Uri(http.BaseAddress!.GetLeftPart(UriPartial.Authority) + rawPath, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(method, uri);
        if (body is not null) request.Content = System.Net.Http.Json.JsonContent.Create(body);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>
    /// One HTTP/1.1 request on a new connection ("Connection: close"); returns every byte the server
    /// sent before the connection ended (by EOF or a reset). Empty means no reply at all.
    /// </summary>
    public static async Task<byte[]> RawExchangeAsync(EmulatorServer server, string method, string rawPath, string? json = null, string key = ApiServerFixture.ApiKey)
    {
        var uri = new Uri(server.BaseUrl);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        var stream = tcp.GetStream();
        var body = Encoding.UTF8.GetBytes(json ?? "");
        var head = $"{method} {rawPath} HTTP/1.1\r\nHost: {uri.Authority}\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n"
            + (json is null ? "" : "Content-Type: application/json\r\n") + $"Content-Length: {body.Length}\r\n\r\n";
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head).Concat(body).ToArray());
        }
        catch (IOException)
        {
            // The server may drop the connection as soon as it has read what it needs.
        }
        var received = new MemoryStream();
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0) received.Write(buffer, 0, n);
        }
        catch (IOException)
        {
            // A reset ends the exchange like EOF does.
        }
        return received.ToArray();
    }

    public static string State(JsonElement sandbox) => sandbox.GetProperty("state").GetString()!;

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}
