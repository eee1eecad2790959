using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>
/// The network half of the isolation tests (same fixtures: bwrap and unshare, as the tests' user
/// and as an unprivileged emulator): what a sandbox cannot reach, and previews, which reach the
/// sandbox's own ports from inside it without any port on the host.
/// </summary>
public abstract partial class SandboxIsolationTests<TFixture>
{
    /// <summary>A WebSocket echo server (RFC 6455, text frames under 126 bytes) answering "echo:MESSAGE host:HOST".</summary>
    private const string WebSocketEchoServer = """
        import socket, hashlib, base64, struct, sys, threading
        def exact(c, n):
            b = b""
            while len(b) < n:
                d = c.recv(n - len(b))
                if not d: raise EOFError
                b += d
            return b
        def serve(c):
            req = b""
            while b"\r\n\r\n" not in req:
                d = c.recv(4096)
                if not d: return
                req += d
            head = {l.split(b":", 1)[0].strip().lower(): l.split(b":", 1)[1].strip() for l in req.split(b"\r\n")[1:] if b":" in l}
            accept = base64.b64encode(hashlib.sha1(head[b"sec-websocket-key"] + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
            c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            while True:
                h = exact(c, 2)
                op, n = h[0] & 15, h[1] & 127
                if n == 126: n = struct.unpack(">H", exact(c, 2))[0]
                mask = exact(c, 4)
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(exact(c, n)))
                if op == 8:
                    c.sendall(b"\x88\x00"); c.close(); return
                reply = b"echo:" + data + b" host:" + head.get(b"host", b"")
                c.sendall(bytes([0x81, len(reply)]) + reply)
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", int(sys.argv[1])))
        s.listen()
        while True:
            c, _ = s.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()
        """;

    [Fact]
    public async Task TheEmulatorsApiPortAndTheHostsAbstractSocketsAreOutOfReach()
    {
        var apiPort = Fx.Http.BaseAddress!.Port;
        // Abstract unix sockets belong to a network namespace: the host's must be invisible.
        var name = "daytona-isolation-" + Guid.NewGuid().ToString("N");
        using var abstractListener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        abstractListener.Bind(new UnixDomainSocketEndPoint("\0" + name));
        abstractListener.Listen();
        var accepted = abstractListener.AcceptAsync();
        var id = await Fx.CreateSandboxAsync();

        var (_, output) = await Fx.ExecAsync(id,
            $"for h in 127.0.0.1 localhost ::1 127.0.0.2; do timeout 5 bash -c \"exec 3<>/dev/tcp/$h/{apiPort} && echo CONNECTED-$h\" 2>&1; done; " +
            $"timeout 5 python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(\"\\0\"+sys.argv[1]); print(\"CONNECTED-abstract\")' {name} 2>&1 | tail -1");
        Assert.DoesNotContain("CONNECTED", output);
        Assert.Contains("refused", output);
        // The API really is there for the host: the attempt failed because of the sandbox.
        using (var health = await Fx.Http.GetAsync("api/health")) Assert.True(health.IsSuccessStatusCode);
        await Task.Delay(200);
        Assert.False(accepted.IsCompleted);
    }

    [Fact]
    public async Task TwoSandboxesServePort3000AndEachPreviewReturnsItsOwnPage()
    {
        var a = await Fx.CreateSandboxAsync();
        var b = await Fx.CreateSandboxAsync();
        foreach (var s in new[] { a, b })
            await Fx.ExecAsync(s, $"mkdir -p /tmp/www && echo page-of-{s} > /tmp/www/index.html && cd /tmp/www && nohup python3 -m http.server 3000 >/dev/null 2>&1 &");
        foreach (var s in new[] { a, b }) await WaitForPortAsync(s, 3000);

        using var client = PreviewClient();
        foreach (var s in new[] { a, b })
        {
            var link = await Fx.Http.GetFromJsonAsync<JsonElement>($"api/sandbox/{s}/ports/3000/preview-url");
            using var request = new HttpRequestMessage(HttpMethod.Get, link.GetProperty("url").GetString() + "/index.html");
            request.Headers.Add("X-Daytona-Preview-Token", link.GetProperty("token").GetString());
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal($"page-of-{s}\n", await response.Content.ReadAsStringAsync());
        }

        // The toolbox's port routes see the same listener.
        var ports = await Fx.Http.GetFromJsonAsync<JsonElement>(Fx.Toolbox(a, "port"));
        Assert.Contains(3000, ports.GetProperty("ports").EnumerateArray().Select(p => p.GetInt32()));
        Assert.True((await Fx.Http.GetFromJsonAsync<JsonElement>(Fx.Toolbox(a, "port/3000/in-use"))).GetProperty("isInUse").GetBoolean());
        Assert.False((await Fx.Http.GetFromJsonAsync<JsonElement>(Fx.Toolbox(a, "port/3001/in-use"))).GetProperty("isInUse").GetBoolean());
        using (var outOfRange = await Fx.Http.GetAsync(Fx.Toolbox(a, "port/80/in-use"))) Assert.Equal(HttpStatusCode.BadRequest, outOfRange.StatusCode);
    }

    [Fact]
    public async Task PreviewsCheckTheTokenOrSignatureAsDaytonaDoes()
    {
        var id = await Fx.CreateSandboxAsync();
        await Fx.ExecAsync(id, "mkdir -p /tmp/www && echo private-page > /tmp/www/index.html && cd /tmp/www && nohup python3 -m http.server 3000 >/dev/null 2>&1 &");
        await WaitForPortAsync(id, 3000);
        var link = await Fx.Http.GetFromJsonAsync<JsonElement>($"api/sandbox/{id}/ports/3000/preview-url");
        var url = link.GetProperty("url").GetString()!;
        var token = link.GetProperty("token").GetString()!;
        using var client = PreviewClient();

        async Task<HttpResponseMessage> Get(string target, string? header = null, string? bearer = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, target);
            if (header is not null) request.Headers.Add("X-Daytona-Preview-Token", header);
            if (bearer is not null) request.Headers.Authorization = new("Bearer", bearer);
            return await client.SendAsync(request);
        }

        // Refused as Daytona refuses a browser: a redirect to sign-in, which here answers 401.
        foreach (var refused in new[] { await Get(url), await Get(url, header: token + "x"), await Get(url + "/?DAYTONA_SANDBOX_AUTH_KEY=wrong"), await Get(url, bearer: "not-a-key") })
        {
            using (refused)
            {
                Assert.Equal(HttpStatusCode.TemporaryRedirect, refused.StatusCode);
                Assert.DoesNotContain("private-page", await refused.Content.ReadAsStringAsync());
                using var signIn = await client.GetAsync(refused.Headers.Location);
                Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);
            }
        }

        using (var byHeader = await Get(url, header: token)) Assert.Equal("private-page\n", await byHeader.Content.ReadAsStringAsync());
        using (var byQuery = await Get(url + "/index.html?DAYTONA_SANDBOX_AUTH_KEY=" + token)) Assert.Equal("private-page\n", await byQuery.Content.ReadAsStringAsync());

        // A signed URL carries its own token, for its port only, until it is expired.
        var signed = await Fx.Http.GetFromJsonAsync<JsonElement>($"api/sandbox/{id}/ports/3000/signed-preview-url?expiresInSeconds=600");
        var signedUrl = signed.GetProperty("url").GetString()!;
        Assert.DoesNotContain(id, signedUrl);
        using (var bySignature = await Get(signedUrl)) Assert.Equal("private-page\n", await bySignature.Content.ReadAsStringAsync());
        using (var otherPort = await Get(signedUrl.Replace("://3000-", "://3001-", StringComparison.Ordinal))) Assert.Equal(HttpStatusCode.TemporaryRedirect, otherPort.StatusCode);
        using (var expire = await Fx.Http.PostAsync($"api/sandbox/{id}/ports/3000/signed-preview-url/{signed.GetProperty("token").GetString()}/expire", null))
            Assert.True(expire.IsSuccessStatusCode);
        using (var expired = await Get(signedUrl)) Assert.Equal(HttpStatusCode.TemporaryRedirect, expired.StatusCode);

        // A public sandbox needs nothing; nothing listening is Go's ReverseProxy's bare 502.
        using (var makePublic = await Fx.Http.PostAsync($"api/sandbox/{id}/public/true", null)) Assert.True(makePublic.IsSuccessStatusCode);
        using (var open = await Get(url)) Assert.Equal("private-page\n", await open.Content.ReadAsStringAsync());
        using (var nothing = await Get(url.Replace("://3000-", "://3999-", StringComparison.Ordinal))) Assert.Equal(HttpStatusCode.BadGateway, nothing.StatusCode);
    }

    [Fact]
    public async Task AWebSocketEchoesThroughAPreview()
    {
        var id = await Fx.CreateSandboxAsync();
        using (var up = await Fx.Http.PostAsync(Fx.Toolbox(id, "files/upload?path=/tmp/ws.py"), new StringContent(WebSocketEchoServer)))
            Assert.True(up.IsSuccessStatusCode);
        await Fx.ExecAsync(id, "nohup python3 /tmp/ws.py 8765 >/tmp/ws.log 2>&1 &");
        await WaitForPortAsync(id, 8765);
        var link = await Fx.Http.GetFromJsonAsync<JsonElement>($"api/sandbox/{id}/ports/8765/preview-url");
        var url = new Uri(link.GetProperty("url").GetString()!.Replace("http://", "ws://", StringComparison.Ordinal) + "/echo");

        using var invoker = new HttpMessageInvoker(LoopbackHandler());
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-Daytona-Preview-Token", link.GetProperty("token").GetString());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await socket.ConnectAsync(url, invoker, cts.Token);
        foreach (var message in new[] { "hello", "again" })
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, cts.Token);
            var buffer = new byte[256];
            var received = await socket.ReceiveAsync(buffer, cts.Token);
            // The service sees the request as Daytona's daemon sends it: Host localhost:PORT.
            Assert.Equal($"echo:{message} host:localhost:8765", Encoding.UTF8.GetString(buffer, 0, received.Count));
        }
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);

        // Without the token the upgrade is refused.
        using var refused = new ClientWebSocket();
        var error = await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(url, invoker, cts.Token));
        Assert.Contains("307", error.Message);
    }

    private async Task WaitForPortAsync(string id, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var ports = await Fx.Http.GetFromJsonAsync<JsonElement>(Fx.Toolbox(id, "port"));
            if (ports.GetProperty("ports").EnumerateArray().Any(p => p.GetInt32() == port)) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"nothing listened on {port} in {id}");
            await Task.Delay(100);
        }
    }

    /// <summary>Connects every host name (the previews' *.localhost) to 127.0.0.1, on the URL's port.</summary>
    internal static SocketsHttpHandler LoopbackHandler() => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    private static HttpClient PreviewClient() => new(LoopbackHandler()) { Timeout = TimeSpan.FromMinutes(2) };
}
