using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>The daemon's PTY routes: a shell on a terminal inside the sandbox, over HTTP and a WebSocket.</summary>
public sealed class ToolboxPtyTests(ToolboxServerFixture fx) : IClassFixture<ToolboxServerFixture>
{
    private const string ExitControl = "X-Daytona-Pty-Exit-Control";

    /// <summary>A connected PTY WebSocket that collects output and control messages.</summary>
    private sealed class PtyConnection : IAsyncDisposable
    {
        private readonly ClientWebSocket _socket;
        private readonly StringBuilder _output = new();
        private readonly List<JsonElement> _controls = [];
        private readonly Task _reader;

        private PtyConnection(ClientWebSocket socket)
        {
            _socket = socket;
            _reader = ReadAsync();
        }

        public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;
        public string? CloseReason => _socket.CloseStatusDescription;

        public static async Task<PtyConnection> OpenAsync(ToolboxServerFixture fx, string path, params string[] subprotocols)
        {
            var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("Authorization", "Bearer " + ToolboxServerFixture.ApiKey);
            foreach (var p in subprotocols) socket.Options.AddSubProtocol(p);
            await socket.ConnectAsync(new Uri(fx.Server.BaseUrl.Replace("http://", "ws://") + "/" + path), CancellationToken.None);
            return new PtyConnection(socket);
        }

        private async Task ReadAsync()
        {
            var buffer = new byte[64 * 1024];
            var message = new MemoryStream();
            try
            {
                while (true)
                {
                    var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close) return;
                    message.Write(buffer, 0, result.Count);
                    if (!result.EndOfMessage) continue;
                    var bytes = message.ToArray();
                    message.SetLength(0);
                    lock (_output)
                    {
                        if (result.MessageType == WebSocketMessageType.Text) _controls.Add(JsonDocument.Parse(bytes).RootElement.Clone());
                        else _output.Append(Encoding.UTF8.GetString(bytes));
                    }
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException) { }
        }

        public string Output { get { lock (_output) return _output.ToString(); } }
        public List<JsonElement> Controls { get { lock (_output) return [.. _controls]; } }

        public Task SendAsync(string text) => _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Binary, true, CancellationToken.None);

        /// <summary>Waits (up to 30 s: never a timing assertion) until the output contains text.</summary>
        public async Task WaitForOutputAsync(string text)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!Output.Contains(text, StringComparison.Ordinal))
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"'{text}' not seen; output so far: {Output}");
                await Task.Delay(20);
            }
        }

        public async Task WaitClosedAsync()
        {
            if (await Task.WhenAny(_reader, Task.Delay(TimeSpan.FromSeconds(30))) != _reader) throw new TimeoutException("the PTY WebSocket was not closed; output: " + Output);
        }

        public async ValueTask DisposeAsync()
        {
            _socket.Abort();
            await _reader;
            _socket.Dispose();
        }
    }

    [Fact]
    public async Task ShellRunsInTheSandboxWithWindowSizeResizeInputAndExitCode()
    {
        var id = await fx.CreateSandboxAsync();
        using (var response = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/pty"), new { id = "pty1", cols = 91, rows = 31, lazyStart = true, envs = new Dictionary<string, string> { ["GREETING"] = "hello-pty" } }))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.Equal("pty1", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessionId").GetString());
        }
        var info = await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, "process/pty/pty1"));
        Assert.False(info.GetProperty("active").GetBoolean()); // lazy: starts at the first connect
        Assert.True(info.GetProperty("lazyStart").GetBoolean());
        Assert.Equal("xterm-256color", info.GetProperty("envs").GetProperty("TERM").GetString());

        await using var pty = await PtyConnection.OpenAsync(fx, fx.Toolbox(id, "process/pty/pty1/connect"), ExitControl);
        await pty.SendAsync("echo \"[$(id -u)|$(hostname)|$PWD|$GREETING|$TERM|$(stty size)]\"\n");
        await pty.WaitForOutputAsync($"[1000|{id}|/home/daytona|hello-pty|xterm-256color|31 91]");
        Assert.Equal("connected", pty.Controls[0].GetProperty("status").GetString());
        // A terminal: stdin is a tty, and it is the shell's controlling terminal (job control works).
        await pty.SendAsync("test -t 0 && echo \"tty-$((6*7))\"; sleep 100 & jobs -l >/dev/null; kill %1 && echo \"job-$((6*8))\"\n");
        await pty.WaitForOutputAsync("tty-42");
        await pty.WaitForOutputAsync("job-48");

        var listed = await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, "process/pty"));
        Assert.Contains(listed.GetProperty("sessions").EnumerateArray(), s => s.GetProperty("id").GetString() == "pty1" && s.GetProperty("active").GetBoolean());

        using (var resize = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/pty/pty1/resize"), new { cols = 120, rows = 40 }))
        {
            Assert.Equal(HttpStatusCode.OK, resize.StatusCode);
            var resized = await resize.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(120, resized.GetProperty("cols").GetInt32());
            Assert.Equal(40, resized.GetProperty("rows").GetInt32());
        }
        await pty.SendAsync("echo \"size=$(stty size)=\"\n");
        await pty.WaitForOutputAsync("size=40 120=");

        await pty.SendAsync("exit 3\n");
        await pty.WaitClosedAsync();
        var exited = Assert.Single(pty.Controls, c => c.GetProperty("status").GetString() == "exited");
        Assert.Equal(3, exited.GetProperty("exitCode").GetInt32());
        Assert.Equal("non-zero exit", exited.GetProperty("exitReason").GetString());
        Assert.Equal(WebSocketCloseStatus.InternalServerError, pty.CloseStatus);
        Assert.Equal(3, JsonDocument.Parse(pty.CloseReason!).RootElement.GetProperty("exitCode").GetInt32());

        // An ended session is gone, as the daemon forgets it.
        await WaitGoneAsync(id, "pty1");
        using var gone = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/pty/pty1/resize"), new { cols = 10, rows = 10 });
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
    }

    private async Task WaitGoneAsync(string id, string session)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var get = await fx.Http.GetAsync(fx.Toolbox(id, $"process/pty/{session}"));
            if (get.StatusCode == HttpStatusCode.NotFound) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("session still listed");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task CreateConnectTakesEnvsFromTheSubprotocolAndCleanExitClosesNormally()
    {
        var id = await fx.CreateSandboxAsync();
        var envs = Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["MY_VAR"] = "from-subprotocol" })).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await using var pty = await PtyConnection.OpenAsync(fx, fx.Toolbox(id, "process/pty/create-connect?id=cc&cols=50&rows=20&cwd=/tmp"), "X-Daytona-Pty-Envs~" + envs, ExitControl);
        await pty.SendAsync("echo \"<$MY_VAR|$PWD|$(stty size)>\"; exit\n");
        await pty.WaitForOutputAsync("<from-subprotocol|/tmp|20 50>");
        await pty.WaitClosedAsync();
        Assert.Equal(0, pty.Controls.Single(c => c.GetProperty("status").GetString() == "exited").GetProperty("exitCode").GetInt32());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, pty.CloseStatus);
    }

    [Fact]
    public async Task DeleteKillsTheShellAndItsJobsAndClientsSee137()
    {
        var id = await fx.CreateSandboxAsync();
        using (var r = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/pty"), new { id = "k", lazyStart = true })) Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        await using var pty = await PtyConnection.OpenAsync(fx, fx.Toolbox(id, "process/pty/k/connect"));
        await pty.SendAsync("sleep 4242 & echo \"started-$((40+2))\"\n");
        await pty.WaitForOutputAsync("started-42");
        using (var conflict = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/pty"), new { id = "k" })) Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        using (var delete = await fx.Http.DeleteAsync(fx.Toolbox(id, "process/pty/k"))) Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        await pty.WaitClosedAsync();
        Assert.Equal(137, JsonDocument.Parse(pty.CloseReason!).RootElement.GetProperty("exitCode").GetInt32());
        var (_, ps) = await fx.ExecAsync(id, "ps -eo args");
        Assert.DoesNotContain("sleep 4242", ps);
        using var missing = await fx.Http.DeleteAsync(fx.Toolbox(id, "process/pty/k"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task ConnectingToAnUnknownSessionSendsAnErrorControlMessage()
    {
        var id = await fx.CreateSandboxAsync();
        await using var pty = await PtyConnection.OpenAsync(fx, fx.Toolbox(id, "process/pty/nope/connect"));
        await pty.WaitClosedAsync();
        var error = Assert.Single(pty.Controls);
        Assert.Equal("error", error.GetProperty("status").GetString());
        Assert.Contains("not found", error.GetProperty("error").GetString());
    }
}
