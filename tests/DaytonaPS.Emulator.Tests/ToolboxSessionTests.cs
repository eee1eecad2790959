using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using DaytonaPS.Emulator.Toolbox;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

public sealed class ToolboxSessionTests(ToolboxServerFixture fx) : IClassFixture<ToolboxServerFixture>
{
    private async Task CreateSessionAsync(string id, string session)
    {
        using var response = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/session"), new { sessionId = session });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    private async Task<JsonElement> ExecAsync(string id, string session, string command, bool runAsync = false)
    {
        using var response = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, $"process/session/{session}/exec"), new { command, runAsync });
        Assert.Equal(runAsync ? HttpStatusCode.Accepted : HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<JsonElement> WaitForExitAsync(string id, string session, string cmdId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var command = await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, $"process/session/{session}/command/{cmdId}"));
            if (command.TryGetProperty("exitCode", out _)) return command;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("command did not end");
            await Task.Delay(25);
        }
    }

    [Fact]
    public async Task StatePersistsAndSurvivesExitSetEExecAndHeredocs()
    {
        var id = await fx.CreateSandboxAsync();
        await CreateSessionAsync(id, "s1");
        using (var duplicate = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/session"), new { sessionId = "s1" }))
            Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);

        var first = await ExecAsync(id, "s1", "mkdir -p /tmp/w && cd /tmp/w && export FOO=bar && PLAIN=p && greet() { echo hi $1; }");
        Assert.Equal(0, first.GetProperty("exitCode").GetInt32());
        var second = await ExecAsync(id, "s1", "pwd; echo $FOO $PLAIN; greet you; bash -c 'echo child:$FOO'");
        Assert.Equal("/tmp/w\nbar p\nhi you\nchild:bar\n", second.GetProperty("stdout").GetString());

        var exit = await ExecAsync(id, "s1", "echo before; export AFTER_EXIT=1; exit 3");
        Assert.Equal(3, exit.GetProperty("exitCode").GetInt32());
        Assert.Equal("before\n", exit.GetProperty("output").GetString());

        var setE = await ExecAsync(id, "s1", "set -e; false; echo not-reached");
        Assert.Equal(1, setE.GetProperty("exitCode").GetInt32());
        var exec = await ExecAsync(id, "s1", "exec echo replaced");
        Assert.Equal("replaced\n", exec.GetProperty("stdout").GetString());
        var heredoc = await ExecAsync(id, "s1", "cat <<EOF\nfoo=$FOO\nEOF");
        Assert.Equal("foo=bar\n", heredoc.GetProperty("stdout").GetString());
        var unfinished = await ExecAsync(id, "s1", "cat <<EOF\nnever closed");
        Assert.True(unfinished.TryGetProperty("exitCode", out _));

        // The session is still alive, still in /tmp/w, and `false` under the old set -e did not end it.
        var after = await ExecAsync(id, "s1", "false; pwd; echo $FOO $AFTER_EXIT");
        Assert.Equal("/tmp/w\nbar 1\n", after.GetProperty("stdout").GetString());

        var session = await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, "process/session/s1"));
        Assert.Equal("s1", session.GetProperty("sessionId").GetString());
        Assert.Equal(8, session.GetProperty("commands").GetArrayLength());
        var list = await fx.Http.GetFromJsonAsync<JsonElement[]>(fx.Toolbox(id, "process/session"));
        Assert.Contains(list!, s => s.GetProperty("sessionId").GetString() == "s1");

        using (var delete = await fx.Http.DeleteAsync(fx.Toolbox(id, "process/session/s1"))) Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using (var gone = await fx.Http.GetAsync(fx.Toolbox(id, "process/session/s1"))) Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task SyncExecSplitsStdoutAndStderr()
    {
        var id = await fx.CreateSandboxAsync();
        await CreateSessionAsync(id, "split");
        var result = await ExecAsync(id, "split", "echo out; echo err >&2; echo 'ü'");
        Assert.Equal("out\nü\n", result.GetProperty("stdout").GetString());
        Assert.Equal("err\n", result.GetProperty("stderr").GetString());
        Assert.Contains("err\n", result.GetProperty("output").GetString());
        Assert.True(result.TryGetProperty("cmdId", out _));
    }

    [Fact]
    public async Task AsyncCommandStatusLogsAndInput()
    {
        var id = await fx.CreateSandboxAsync();
        await CreateSessionAsync(id, "async");
        var started = await ExecAsync(id, "async", "read line; echo got:$line; echo oops >&2; exit 4", runAsync: true);
        var cmdId = started.GetProperty("cmdId").GetString()!;

        var running = await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, $"process/session/async/command/{cmdId}"));
        Assert.False(running.TryGetProperty("exitCode", out _));
        Assert.Equal("read line; echo got:$line; echo oops >&2; exit 4", running.GetProperty("command").GetString());

        using (var input = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, $"process/session/async/command/{cmdId}/input"), new { data = "hello\n" }))
            Assert.Equal(HttpStatusCode.NoContent, input.StatusCode);
        var done = await WaitForExitAsync(id, "async", cmdId);
        Assert.Equal(4, done.GetProperty("exitCode").GetInt32());

        var logs = await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, $"process/session/async/command/{cmdId}/logs"));
        Assert.Contains("got:hello\n", logs.GetProperty("stdout").GetString());
        Assert.Equal("oops\n", logs.GetProperty("stderr").GetString());

        // Without X-Daytona-SDK-Version the daemon answers plain combined text.
        using (var old = new HttpRequestMessage(HttpMethod.Get, fx.Toolbox(id, $"process/session/async/command/{cmdId}/logs")))
        {
            old.Headers.Remove("X-Daytona-SDK-Version");
            using var plainClient = new HttpClient { BaseAddress = fx.Http.BaseAddress };
            plainClient.DefaultRequestHeaders.Authorization = fx.Http.DefaultRequestHeaders.Authorization;
            var text = await plainClient.GetStringAsync(fx.Toolbox(id, $"process/session/async/command/{cmdId}/logs"));
            Assert.Contains("got:hello\n", text);
            Assert.Contains("oops\n", text);
            Assert.DoesNotContain("{", text);
        }

        using (var late = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, $"process/session/async/command/{cmdId}/input"), new { data = "x" }))
            Assert.Equal(HttpStatusCode.Gone, late.StatusCode);
    }

    [Fact]
    public async Task FollowLogsOverWebSocketWithMarkers()
    {
        var id = await fx.CreateSandboxAsync();
        await CreateSessionAsync(id, "ws");
        var started = await ExecAsync(id, "ws", "echo one; sleep 0.3; echo two >&2; sleep 0.3; echo three", runAsync: true);
        var cmdId = started.GetProperty("cmdId").GetString()!;

        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + ToolboxServerFixture.ApiKey);
        socket.Options.SetRequestHeader("X-Daytona-SDK-Version", "0.218.0");
        var wsUrl = fx.Server.BaseUrl.Replace("http", "ws") + "/" + fx.Toolbox(id, $"process/session/ws/command/{cmdId}/logs?follow=true");
        await socket.ConnectAsync(new Uri(wsUrl), CancellationToken.None);

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var sawMarker = false;
        var demux = new LogDemultiplexer((stream, data) => (stream == LogStream.Stdout ? stdout : stderr).Append(Encoding.UTF8.GetString(data)));
        var buffer = new byte[4096];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
            if (result.MessageType == WebSocketMessageType.Close) break;
            sawMarker |= buffer[0] is 1 or 2;
            demux.Write(buffer, 0, result.Count);
        }
        demux.Flush();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        Assert.True(sawMarker);
        Assert.Equal("one\nthree\n", stdout.ToString());
        Assert.Equal("two\n", stderr.ToString());
    }

    [Fact]
    public void DemultiplexerHandlesMarkersSplitAcrossFrames()
    {
        var stream = new List<byte>();
        stream.AddRange(LogMultiplexer.Encode(LogStream.Stdout, "ab\u0001c"u8.ToArray(), 0, 4));
        stream.AddRange(LogMultiplexer.Encode(LogStream.Stderr, "err"u8.ToArray(), 0, 3));
        stream.AddRange(LogMultiplexer.Encode(LogStream.Stdout, "x\u0002\u0002z"u8.ToArray(), 0, 4));
        stream.AddRange(LogMultiplexer.Encode(LogStream.Stderr, "y"u8.ToArray(), 0, 1));
        var bytes = stream.ToArray();

        // Every way of cutting the stream in two (and byte by byte) gives the same result.
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            var (o, e) = Demux([bytes[..cut], bytes[cut..]]);
            Assert.Equal("ab\u0001cx\u0002\u0002z", o);
            Assert.Equal("erry", e);
        }
        var (o1, e1) = Demux(bytes.Select(b => new[] { b }).ToArray());
        Assert.Equal("ab\u0001cx\u0002\u0002z", o1);
        Assert.Equal("erry", e1);
    }

    private static (string Stdout, string Stderr) Demux(byte[][] frames)
    {
        var o = new List<byte>();
        var e = new List<byte>();
        var demux = new LogDemultiplexer((s, d) => (s == LogStream.Stdout ? o : e).AddRange(d));
        foreach (var f in frames) demux.Write(f, 0, f.Length);
        demux.Flush();
        return (Encoding.UTF8.GetString(o.ToArray()), Encoding.UTF8.GetString(e.ToArray()));
    }

    [Fact]
    public async Task CommandsQueueBehindARunningAsyncCommandAndDeleteKillsIt()
    {
        var id = await fx.CreateSandboxAsync();
        await CreateSessionAsync(id, "q");
        var slow = (await ExecAsync(id, "q", "sleep 300", runAsync: true)).GetProperty("cmdId").GetString()!;
        var queued = (await ExecAsync(id, "q", "echo later", runAsync: true)).GetProperty("cmdId").GetString()!;
        // Wait for the slow command's process (a fixed delay was too short under load), then the
        // queued one must still be waiting behind it.
        await ToolboxProcessTests.WaitUntilAsync(() => fx.Record(id).Runtime.ProcessIds.Count > 0);
        await Task.Delay(300);
        var status = await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, $"process/session/q/command/{queued}"));
        Assert.False(status.TryGetProperty("exitCode", out _));
        Assert.NotEmpty(fx.Record(id).Runtime.ProcessIds);

        using (var delete = await fx.Http.DeleteAsync(fx.Toolbox(id, "process/session/q"))) Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        await ToolboxProcessTests.WaitUntilAsync(() => fx.Record(id).Runtime.ProcessIds.Count == 0);
        Assert.NotNull(slow);
    }
}
