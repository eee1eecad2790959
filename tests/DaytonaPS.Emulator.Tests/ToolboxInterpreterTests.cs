using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>/process/interpreter/* and /process/code-run against real python3 in the sandbox.</summary>
public sealed class ToolboxInterpreterTests(ToolboxServerFixture fx) : IClassFixture<ToolboxServerFixture>
{
    private sealed record Execution(List<JsonElement> Chunks, int? CloseCode, string? CloseReason)
    {
        public string Text(string type) => string.Concat(Chunks.Where(c => c.GetProperty("type").GetString() == type).Select(c => c.GetProperty("text").GetString()));
        public JsonElement? Error => Chunks.Where(c => c.GetProperty("type").GetString() == "error").Select(c => (JsonElement?)c).FirstOrDefault();
        public string? Control => Chunks.Where(c => c.GetProperty("type").GetString() == "control").Select(c => c.GetProperty("text").GetString()).LastOrDefault();
    }

    private async Task<Execution> ExecuteAsync(string id, object request)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + ToolboxServerFixture.ApiKey);
        var url = fx.Server.BaseUrl.Replace("http", "ws") + "/" + fx.Toolbox(id, "process/interpreter/execute");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await socket.ConnectAsync(new Uri(url), deadline.Token);
        await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(request), WebSocketMessageType.Text, true, deadline.Token);
        var chunks = new List<JsonElement>();
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, deadline.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", deadline.Token);
                return new Execution(chunks, (int?)result.CloseStatus, result.CloseStatusDescription);
            }
            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage) continue;
            chunks.Add(JsonDocument.Parse(Encoding.UTF8.GetString(message.ToArray())).RootElement.Clone());
            message.SetLength(0);
        }
    }

    private async Task<JsonElement> CreateContextAsync(string id, object? body = null)
    {
        using var response = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/interpreter/context"), body ?? new { });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task ContextKeepsStateAcrossExecutesUntilDeleted()
    {
        var id = await fx.CreateSandboxAsync();
        var context = await CreateContextAsync(id);
        var contextId = context.GetProperty("id").GetString()!;
        Assert.True(Guid.TryParse(contextId, out _), contextId);
        Assert.Equal("/home/daytona", context.GetProperty("cwd").GetString());
        Assert.Equal("python", context.GetProperty("language").GetString());
        Assert.True(context.GetProperty("active").GetBoolean());
        Assert.True(DateTimeOffset.TryParse(context.GetProperty("createdAt").GetString(), out _));

        var first = await ExecuteAsync(id, new { code = "x = 41", contextId });
        Assert.Equal(1000, first.CloseCode);
        Assert.Equal("completed", first.Control);
        var second = await ExecuteAsync(id, new { code = "print(x + 1)", contextId });
        Assert.Equal("42\n", second.Text("stdout"));
        Assert.Null(second.Error);

        // Another context has its own globals.
        var other = (await CreateContextAsync(id)).GetProperty("id").GetString()!;
        var isolated = await ExecuteAsync(id, new { code = "print(x)", contextId = other });
        Assert.Equal("NameError", isolated.Error!.Value.GetProperty("name").GetString());

        var list = await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, "process/interpreter/context"));
        var ids = list.GetProperty("contexts").EnumerateArray().Select(c => c.GetProperty("id").GetString()).ToList();
        Assert.Contains(contextId, ids);
        Assert.Contains(other, ids);

        using (var deleted = await fx.Http.DeleteAsync(fx.Toolbox(id, $"process/interpreter/context/{contextId}")))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
            Assert.Equal("Context deleted successfully", (await deleted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString());
        }
        using (var again = await fx.Http.DeleteAsync(fx.Toolbox(id, $"process/interpreter/context/{contextId}")))
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        var gone = await ExecuteAsync(id, new { code = "print(x)", contextId });
        Assert.Equal(1008, gone.CloseCode);
        Assert.Equal("context not found: " + contextId, gone.CloseReason);
        Assert.Empty(gone.Chunks);
    }

    [Fact]
    public async Task DefaultContextIsSharedAndNotListedOrDeletable()
    {
        var id = await fx.CreateSandboxAsync();
        await ExecuteAsync(id, new { code = "counter = 1" });
        var next = await ExecuteAsync(id, new { code = "counter += 1\nprint(counter)" });
        Assert.Equal("2\n", next.Text("stdout"));
        var list = await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, "process/interpreter/context"));
        Assert.Equal(0, list.GetProperty("contexts").GetArrayLength());
        using var delete = await fx.Http.DeleteAsync(fx.Toolbox(id, "process/interpreter/context/default"));
        Assert.Equal(HttpStatusCode.BadRequest, delete.StatusCode);
    }

    [Fact]
    public async Task TracebackIsAnErrorChunkWithTheCodesFramesOnly()
    {
        var id = await fx.CreateSandboxAsync();
        var run = await ExecuteAsync(id, new { code = "print('before')\ndef f():\n    return 1 / 0\nf()\nprint('after')" });
        Assert.Equal("before\n", run.Text("stdout"));
        var error = run.Error!.Value;
        Assert.Equal("ZeroDivisionError", error.GetProperty("name").GetString());
        Assert.Equal("division by zero", error.GetProperty("value").GetString());
        var traceback = error.GetProperty("traceback").GetString()!;
        Assert.StartsWith("Traceback (most recent call last):\n", traceback);
        Assert.Contains("  File \"<stdin>\", line 4\n", traceback);
        Assert.Contains("  File \"<stdin>\", line 3\n", traceback);
        Assert.DoesNotContain("interpreter-worker", traceback);
        Assert.EndsWith("ZeroDivisionError: division by zero\n", traceback);
        // The error chunk comes before the control chunk, and the close is normal.
        Assert.Equal("stdout,error,control", string.Join(",", run.Chunks.Select(c => c.GetProperty("type").GetString())));
        Assert.Equal("completed", run.Control);
        Assert.Equal(1000, run.CloseCode);

        var syntax = await ExecuteAsync(id, new { code = "def (" });
        Assert.Equal("SyntaxError", syntax.Error!.Value.GetProperty("name").GetString());
    }

    [Fact]
    public async Task StdoutAndStderrAreSeparateAndSubprocessOutputIsKept()
    {
        var id = await fx.CreateSandboxAsync();
        var run = await ExecuteAsync(id, new
        {
            code = "import sys, subprocess\nprint('out 1')\nsys.stderr.write('err 1\\n')\nsubprocess.run(['sh', '-c', 'echo sub-out; echo sub-err >&2'])\nprint('out 2')",
        });
        Assert.Equal("out 1\nsub-out\nout 2\n", run.Text("stdout"));
        Assert.Equal("err 1\nsub-err\n", run.Text("stderr"));
    }

    [Fact]
    public async Task ASubprocesssStderrWrittenJustBeforeTheEndIsAllInTheResult()
    {
        // Stdout and stderr are separate pipes: the job ends only after the worker's stderr marker,
        // so stderr still in the pipe when the control chunk is read is not lost.
        var id = await fx.CreateSandboxAsync();
        for (var round = 0; round < 5; round++)
        {
            var run = await ExecuteAsync(id, new
            {
                code = "import subprocess\nsubprocess.run(['sh', '-c', 'head -c 60000 /dev/zero | tr \"\\\\0\" x >&2; echo end >&2'])",
            });
            var stderr = run.Text("stderr");
            Assert.Equal(60004, stderr.Length);
            Assert.EndsWith("xend\n", stderr);
        }
    }

    [Fact]
    public async Task RunsAsTheSandboxUserWithItsEnvironmentAndRequestEnvs()
    {
        var id = await fx.CreateSandboxAsync();
        var run = await ExecuteAsync(id, new
        {
            code = "import os, getpass\nprint(os.getcwd(), os.environ['DAYTONA_SANDBOX_ID'], os.environ.get('GREETING'), os.environ['HOME'])",
            envs = new Dictionary<string, string> { ["GREETING"] = "hi" },
        });
        Assert.Equal($"/home/daytona {id} hi /home/daytona\n", run.Text("stdout"));
        var after = await ExecuteAsync(id, new { code = "import os\nprint(os.environ.get('GREETING'))" });
        Assert.Equal("None\n", after.Text("stdout"));

        var cwdContext = await CreateContextAsync(id, new { cwd = "/tmp" });
        var inTmp = await ExecuteAsync(id, new { code = "import os\nprint(os.getcwd())", contextId = cwdContext.GetProperty("id").GetString() });
        Assert.Equal("/tmp\n", inTmp.Text("stdout"));
    }

    [Fact]
    public async Task TimeoutInterruptsClosesWith4008AndKeepsTheState()
    {
        var id = await fx.CreateSandboxAsync();
        var contextId = (await CreateContextAsync(id)).GetProperty("id").GetString();
        await ExecuteAsync(id, new { code = "kept = 'yes'", contextId });
        var slow = await ExecuteAsync(id, new { code = "import time\nprint('started', flush=True)\ntime.sleep(60)\nprint('never')", contextId, timeout = 1 });
        Assert.Equal("started\n", slow.Text("stdout"));
        Assert.Equal("interrupted", slow.Control);
        Assert.Equal(4008, slow.CloseCode);
        var after = await ExecuteAsync(id, new { code = "print(kept)", contextId });
        Assert.Equal("yes\n", after.Text("stdout"));
    }

    [Fact]
    public async Task BadRequestsCloseWithTheDaemonsCodes()
    {
        var id = await fx.CreateSandboxAsync();
        var empty = await ExecuteAsync(id, new { code = "" });
        Assert.Equal((1008, "code is required"), (empty.CloseCode, empty.CloseReason));
        var negative = await ExecuteAsync(id, new { code = "1", timeout = -1 });
        Assert.Equal(1008, negative.CloseCode);
        using var plain = await fx.Http.GetAsync(fx.Toolbox(id, "process/interpreter/execute"));
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        using var node = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/interpreter/context"), new { language = "javascript" });
        Assert.Equal(HttpStatusCode.BadRequest, node.StatusCode);
    }

    [Fact]
    public async Task WorkerThatExitsClosesWith1001AndRestartsFresh()
    {
        var id = await fx.CreateSandboxAsync();
        var contextId = (await CreateContextAsync(id)).GetProperty("id").GetString();
        await ExecuteAsync(id, new { code = "lost = 1", contextId });
        var exit = await ExecuteAsync(id, new { code = "import os\nos._exit(3)", contextId });
        Assert.Equal(1001, exit.CloseCode);
        var fresh = await ExecuteAsync(id, new { code = "print('lost' in globals())", contextId });
        Assert.Equal("False\n", fresh.Text("stdout"));
    }

    [Fact]
    public async Task WorkerThatCannotRestartClosesWith1011()
    {
        var id = await fx.CreateSandboxAsync();
        await fx.ExecAsync(id, "mkdir -p /tmp/ctx-dir");
        var contextId = (await CreateContextAsync(id, new { cwd = "/tmp/ctx-dir" })).GetProperty("id").GetString();
        var exit = await ExecuteAsync(id, new { code = "import os, shutil\nos.chdir('/')\nshutil.rmtree('/tmp/ctx-dir')\nos._exit(0)", contextId });
        Assert.Equal(1001, exit.CloseCode);
        var again = await ExecuteAsync(id, new { code = "print(1)", contextId });
        Assert.Equal(1011, again.CloseCode);
        Assert.StartsWith("failed to restart context: ", again.CloseReason);
    }

    [Fact]
    public async Task StoppingTheSandboxEndsItsContexts()
    {
        var id = await fx.CreateSandboxAsync();
        await CreateContextAsync(id);
        Assert.Single(fx.Record(id).Runtime.Interpreters.List());
        using (var stop = await fx.Http.PostAsync($"api/sandbox/{id}/stop", null)) Assert.True(stop.IsSuccessStatusCode);
        await fx.WaitForStateAsync(id, "stopped");
        Assert.Empty(fx.Record(id).Runtime.Interpreters.List());
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> CodeRunAsync(string id, object request)
    {
        using var response = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/code-run"), request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Fact]
    public async Task CodeRunReturnsExitCodeAndCombinedOutput()
    {
        var id = await fx.CreateSandboxAsync();
        var (status, body) = await CodeRunAsync(id, new
        {
            code = "import sys, os\nprint(sys.argv[1:], os.environ['GREETING'])\nsys.stderr.write('warn\\n')\nsys.exit(3)",
            language = "python",
            argv = new[] { "a", "b" },
            envs = new Dictionary<string, string> { ["GREETING"] = "hi" },
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, body.GetProperty("exitCode").GetInt32());
        Assert.Equal("['a', 'b'] hi\nwarn\n", body.GetProperty("result").GetString());

        (status, body) = await CodeRunAsync(id, new { code = "raise ValueError('bad')", language = "python" });
        Assert.Equal(1, body.GetProperty("exitCode").GetInt32());
        Assert.Contains("ValueError: bad", body.GetProperty("result").GetString());

        (status, body) = await CodeRunAsync(id, new { code = "console.log(process.argv.slice(1).join(','))", language = "javascript", argv = new[] { "x", "y" } });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("x,y\n", body.GetProperty("result").GetString());
    }

    [Fact]
    public async Task CodeRunTimeoutAndUnknownLanguage()
    {
        var id = await fx.CreateSandboxAsync();
        var (status, body) = await CodeRunAsync(id, new { code = "import time\ntime.sleep(60)", language = "python", timeout = 1 });
        Assert.Equal(HttpStatusCode.RequestTimeout, status);
        Assert.Equal("command execution timeout", body.GetProperty("message").GetString());
        (status, body) = await CodeRunAsync(id, new { code = "1", language = "cobol" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("unsupported language", body.GetProperty("message").GetString());
    }
}
