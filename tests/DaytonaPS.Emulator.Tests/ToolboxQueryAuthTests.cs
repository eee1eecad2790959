using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>Bearer-less toolbox access: signed file URLs (reference 4.5) and DAYTONA_SANDBOX_AUTH_KEY (4.1).</summary>
public sealed class ToolboxQueryAuthTests(ToolboxServerFixture fx) : IClassFixture<ToolboxServerFixture>
{
    /// <summary>As the SDK's buildSignedFileUrl does it (written out here, not taken from the emulator).</summary>
    private static string SignedUrl(string id, string operation, string method, string path, string key, long expires)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes($"v1:files:{method}:{path}:{expires}"));
        var signature = "v1_" + Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"toolbox/{id}{operation}?path={Uri.EscapeDataString(path)}&expires={expires}&signature={Uri.EscapeDataString(signature)}";
    }

    private async Task<string> SigningKeyAsync(string id) =>
        (await fx.Http.GetFromJsonAsync<JsonElement>($"api/sandbox/{id}/signing-key")).GetString()!;

    private HttpClient Anonymous() => new() { BaseAddress = fx.Http.BaseAddress };

    private static long In(int seconds) => DateTimeOffset.UtcNow.ToUnixTimeSeconds() + seconds;

    private static async Task AssertForbiddenAsync(HttpResponseMessage response, string message)
    {
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(403, body.GetProperty("statusCode").GetInt32());
        Assert.Equal("FORBIDDEN", body.GetProperty("code").GetString());
        Assert.Contains(message, body.GetProperty("message").GetString());
        Assert.True(body.TryGetProperty("timestamp", out _));
        Assert.True(body.TryGetProperty("source", out _));
    }

    [Fact]
    public async Task SignedDownloadAndUploadWorkWithoutBearer()
    {
        var id = await fx.CreateSandboxAsync();
        var key = await SigningKeyAsync(id);
        using var anonymous = Anonymous();

        using (var form = new MultipartFormDataContent { { new ByteArrayContent("signed up"u8.ToArray()), "file", "x" } })
        using (var up = await anonymous.PostAsync(SignedUrl(id, "/files/upload-v2", "POST", "/home/daytona/dir/a b.txt", key, In(60)), form))
            Assert.True(up.IsSuccessStatusCode, await up.Content.ReadAsStringAsync());

        using (var down = await anonymous.GetAsync(SignedUrl(id, "/files/download", "GET", "/home/daytona/dir/a b.txt", key, In(60))))
        {
            Assert.Equal(HttpStatusCode.OK, down.StatusCode);
            Assert.Equal("signed up", await down.Content.ReadAsStringAsync());
        }

        // expires=0: the SDK's "TTL <= 0 never expires".
        using (var never = await anonymous.GetAsync(SignedUrl(id, "/files/download", "GET", "/home/daytona/dir/a b.txt", key, 0)))
            Assert.Equal(HttpStatusCode.OK, never.StatusCode);
    }

    [Fact]
    public async Task BadExpiredOrMisusedSignaturesAre403()
    {
        var id = await fx.CreateSandboxAsync();
        var key = await SigningKeyAsync(id);
        using var anonymous = Anonymous();

        using (var expired = await anonymous.GetAsync(SignedUrl(id, "/files/download", "GET", "/home/daytona/x", key, In(-10))))
            await AssertForbiddenAsync(expired, "expired");
        using (var wrongKey = await anonymous.GetAsync(SignedUrl(id, "/files/download", "GET", "/home/daytona/x", key + "x", In(60))))
            await AssertForbiddenAsync(wrongKey, "invalid signature");
        // Signed for another path, or with expires changed after signing.
        var url = SignedUrl(id, "/files/download", "GET", "/home/daytona/x", key, In(60));
        using (var otherPath = await anonymous.GetAsync(url.Replace("%2Fx&", "%2Fy&")))
            await AssertForbiddenAsync(otherPath, "invalid signature");
        using (var noExpires = await anonymous.GetAsync(url.Replace("expires=", "expiresX=")))
            await AssertForbiddenAsync(noExpires, "expires");
        // A GET signature does not open the upload, and an upload signature does not open downloads.
        using (var asUpload = await anonymous.PostAsync(SignedUrl(id, "/files/upload-v2", "GET", "/home/daytona/x", key, In(60)), new StringContent("x")))
            await AssertForbiddenAsync(asUpload, "invalid signature");
        using (var asDownload = await anonymous.GetAsync(SignedUrl(id, "/files/download", "POST", "/home/daytona/x", key, In(60))))
            await AssertForbiddenAsync(asDownload, "invalid signature");
        // Another sandbox's key does not sign this one's files.
        var other = await fx.CreateSandboxAsync();
        using (var cross = await anonymous.GetAsync(SignedUrl(id, "/files/download", "GET", "/home/daytona/x", await SigningKeyAsync(other), In(60))))
            await AssertForbiddenAsync(cross, "invalid signature");

        // Only those two routes take signatures: anything else still needs the bearer.
        var listUrl = SignedUrl(id, "/files/download", "GET", "/home/daytona", key, In(60)).Replace("/files/download?", "/files?");
        using (var list = await anonymous.GetAsync(listUrl)) Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        using (var main = await anonymous.GetAsync($"api/sandbox/{id}?signature=v1_x&expires=0&path=/")) Assert.Equal(HttpStatusCode.Unauthorized, main.StatusCode);
    }

    [Fact]
    public async Task RotatingTheKeyInvalidatesOldUrls()
    {
        var id = await fx.CreateSandboxAsync();
        await fx.ExecAsync(id, "echo hi > /home/daytona/r.txt");
        var oldUrl = SignedUrl(id, "/files/download", "GET", "/home/daytona/r.txt", await SigningKeyAsync(id), 0);
        using var anonymous = Anonymous();
        using (var before = await anonymous.GetAsync(oldUrl)) Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        using (var rotate = await fx.Http.PostAsync($"api/sandbox/{id}/signing-key/rotate", null)) Assert.True(rotate.IsSuccessStatusCode);
        using (var after = await anonymous.GetAsync(oldUrl)) await AssertForbiddenAsync(after, "invalid signature");
        using (var fresh = await anonymous.GetAsync(SignedUrl(id, "/files/download", "GET", "/home/daytona/r.txt", await SigningKeyAsync(id), 0)))
            Assert.Equal("hi\n", await fresh.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SandboxAuthKeyIsThePreviewTokenOfThatSandboxOnly()
    {
        var id = await fx.CreateSandboxAsync();
        var other = await fx.CreateSandboxAsync();
        async Task<string> TokenAsync(string sid) =>
            (await fx.Http.GetFromJsonAsync<JsonElement>($"api/sandbox/{sid}/ports/1/preview-url")).GetProperty("token").GetString()!;
        var token = await TokenAsync(id);
        using var anonymous = Anonymous();

        using (var ok = await anonymous.GetAsync(fx.Toolbox(id, "work-dir?DAYTONA_SANDBOX_AUTH_KEY=" + token))) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using (var cross = await anonymous.GetAsync(fx.Toolbox(other, "work-dir?DAYTONA_SANDBOX_AUTH_KEY=" + token))) Assert.Equal(HttpStatusCode.Unauthorized, cross.StatusCode);
        using (var api = await anonymous.GetAsync($"api/sandbox/{id}?DAYTONA_SANDBOX_AUTH_KEY=" + token)) Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        // An API key in the query string authenticates nothing.
        using (var apiKey = await anonymous.GetAsync(fx.Toolbox(id, "work-dir?DAYTONA_SANDBOX_AUTH_KEY=" + ToolboxServerFixture.ApiKey))) Assert.Equal(HttpStatusCode.Unauthorized, apiKey.StatusCode);
        using (var apiKeyOnApi = await anonymous.GetAsync("api/sandbox?DAYTONA_SANDBOX_AUTH_KEY=" + ToolboxServerFixture.ApiKey)) Assert.Equal(HttpStatusCode.Unauthorized, apiKeyOnApi.StatusCode);

        // A browser-style follow WebSocket: no headers, the key in the query, the SDK version as a subprotocol.
        using (var create = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/session"), new { sessionId = "b" })) Assert.True(create.IsSuccessStatusCode);
        using var exec = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/session/b/exec"), new { command = "echo browser", runAsync = true });
        var cmdId = (await exec.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cmdId").GetString();
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("X-Daytona-SDK-Version~0.218.0");
        var wsUrl = fx.Server.BaseUrl.Replace("http", "ws") + "/" + fx.Toolbox(id, $"process/session/b/command/{cmdId}/logs?follow=true&DAYTONA_SANDBOX_AUTH_KEY={token}");
        await socket.ConnectAsync(new Uri(wsUrl), CancellationToken.None);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
            if (result.MessageType == WebSocketMessageType.Close) break;
            received.Write(buffer, 0, result.Count);
        }
        Assert.Contains("browser", Encoding.UTF8.GetString(received.ToArray()));

        // The standard token changes on restart; the old one stops working.
        using (var stop = await fx.Http.PostAsync($"api/sandbox/{id}/stop", null)) Assert.True(stop.IsSuccessStatusCode);
        await fx.WaitForStateAsync(id, "stopped");
        using (var start = await fx.Http.PostAsync($"api/sandbox/{id}/start", null)) Assert.True(start.IsSuccessStatusCode);
        await fx.WaitForStateAsync(id, "started");
        using (var stale = await anonymous.GetAsync(fx.Toolbox(id, "work-dir?DAYTONA_SANDBOX_AUTH_KEY=" + token))) Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        using (var fresh = await anonymous.GetAsync(fx.Toolbox(id, "work-dir?DAYTONA_SANDBOX_AUTH_KEY=" + await TokenAsync(id)))) Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }
}
