using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>
/// A session is one long-lived shell, as on Daytona (the daemon writes each command to the stdin
/// of the bash it started at create): what one command leaves in the shell the next one sees.
/// </summary>
public sealed class ToolboxSessionShellTests(ToolboxServerFixture fx) : IClassFixture<ToolboxServerFixture>
{
    private async Task CreateSessionAsync(string id, string session)
    {
        using var response = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/session"), new { sessionId = session });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string id, string session, string command)
    {
        using var response = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, $"process/session/{session}/exec"), new { command });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("exitCode").GetInt32(), body.GetProperty("stdout").GetString()!, body.GetProperty("stderr").GetString()!);
    }

    private async Task<string> StartAsync(string id, string session, string command)
    {
        using var response = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, $"process/session/{session}/exec"), new { command, runAsync = true });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cmdId").GetString()!;
    }

    private async Task<string> StdoutOfAsync(string id, string session, string cmdId) =>
        (await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, $"process/session/{session}/command/{cmdId}/logs"))).GetProperty("stdout").GetString()!;

    private async Task<int?> ExitCodeOfAsync(string id, string session, string cmdId)
    {
        var command = await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, $"process/session/{session}/command/{cmdId}"));
        return command.TryGetProperty("exitCode", out var code) ? code.GetInt32() : null;
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task OneShellKeepsCwdVariablesOptionsAliasesAndFunctions()
    {
        var id = await fx.CreateSandboxAsync();
        await CreateSessionAsync(id, "state");
        var first = await RunAsync(id, "state", """
            echo $$
            mkdir -p /tmp/here && cd /tmp/here
            PLAIN=kept; export EXPORTED=also
            set -o pipefail; set -u
            shopt -s expand_aliases; alias greet='echo hello'
            twice() { echo "$1$1"; }
            """);
        Assert.Equal(0, first.ExitCode);
        var second = await RunAsync(id, "state", """
            echo $$
            pwd
            echo "$PLAIN $EXPORTED"
            bash -c 'echo "child:${PLAIN-unset}:$EXPORTED"'
            set -o | grep -E '^(pipefail|nounset) ' | tr -s ' \t' ' '
            greet
            twice ab
            """);
        var lines = second.Stdout.Split('\n');
        // The same shell process: the daemon's model, not a new bash that restores saved state.
        Assert.Equal(first.Stdout.Trim(), lines[0]);
        Assert.Equal(["/tmp/here", "kept also", "child:unset:also", "nounset on", "pipefail on", "hello", "abab", ""], lines[1..]);
        Assert.Equal("", second.Stderr);
    }

    [Fact]
    public async Task BackgroundJobsAreJobsOfTheSessionsShell()
    {
        var id = await fx.CreateSandboxAsync();
        await CreateSessionAsync(id, "jobs");
        var started = await RunAsync(id, "jobs", "sleep 300 & echo $!");
        var pid = started.Stdout.Trim();
        Assert.Matches("^[0-9]+$", pid);
        Assert.Equal((0, pid + "\n", ""), await RunAsync(id, "jobs", "jobs -p"));
        // The shell can still control it: kill %1 and wait reap it.
        var killed = await RunAsync(id, "jobs", "kill %1; wait %1; echo status=$?; jobs -p | wc -l");
        Assert.Equal("status=143\n0\n", killed.Stdout);
    }

    [Fact]
    public async Task SetEEndsOnlyItsCommandAndTheNextShellKeepsTheRestWithErrexitOff()
    {
        var id = await fx.CreateSandboxAsync();
        await CreateSessionAsync(id, "errexit");
        Assert.Equal(0, (await RunAsync(id, "errexit", "cd /tmp; KEEP=1; set -e; set -o pipefail")).ExitCode);
        // set -e persisted: the failing `false` ends the command there (its shell, as on Daytona).
        var failed = await RunAsync(id, "errexit", "echo before; false; echo not-reached");
        Assert.Equal((1, "before\n"), (failed.ExitCode, failed.Stdout));
        // The session goes on in a new shell with the state the old one saved, errexit excepted.
        var after = await RunAsync(id, "errexit", "false; pwd; echo $KEEP; set -o | grep -E '^(errexit|pipefail) ' | tr -s ' \t' ' '");
        Assert.Equal((0, "/tmp\n1\nerrexit off\npipefail on\n"), (after.ExitCode, after.Stdout));
    }

    [Fact]
    public async Task SessionsAreIndependent()
    {
        var id = await fx.CreateSandboxAsync();
        await CreateSessionAsync(id, "one");
        await CreateSessionAsync(id, "two");
        var one = await RunAsync(id, "one", "cd /tmp; ONLY_ONE=1; echo $$");
        var two = await RunAsync(id, "two", "pwd; echo ${ONLY_ONE-unset}; echo $$");
        var lines = two.Stdout.Split('\n');
        Assert.Equal("/home/daytona", lines[0]);
        Assert.Equal("unset", lines[1]);
        Assert.NotEqual(one.Stdout.Trim(), lines[2]);
        Assert.Equal("/tmp\n", (await RunAsync(id, "one", "pwd")).Stdout);
    }

    [Fact]
    public async Task SendInputAnswersAReadPromptWithTheNewlineAdded()
    {
        var id = await fx.CreateSandboxAsync();
        await CreateSessionAsync(id, "ask");
        var cmdId = await StartAsync(id, "ask", "printf 'name? '; read name; echo \"hello $name\"");
        await EventuallyAsync(async () => (await StdoutOfAsync(id, "ask", cmdId)).Contains("name? "));
        Assert.Null(await ExitCodeOfAsync(id, "ask", cmdId));

        // No newline in the data: the daemon adds it, or `read` would wait for ever.
        using (var input = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, $"process/session/ask/command/{cmdId}/input"), new { data = "bob" }))
            Assert.Equal(HttpStatusCode.NoContent, input.StatusCode);
        await EventuallyAsync(async () => await ExitCodeOfAsync(id, "ask", cmdId) is not null);
        Assert.Equal(0, await ExitCodeOfAsync(id, "ask", cmdId));
        // The input is echoed to the log (suppressInputEcho is off), then the answer.
        Assert.Equal("name? bob\nhello bob\n", await StdoutOfAsync(id, "ask", cmdId));
    }

    /// <summary>The input may be read, and the command end, while the reply to SendInput is still on its way (that once gave a 410).</summary>
    [Fact]
    public async Task InputSentRightAfterTheStartIsReadInManySessionsAtOnce()
    {
        var id = await fx.CreateSandboxAsync();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            var s = "quick" + i;
            await CreateSessionAsync(id, s);
            for (var k = 0; k < 3; k++)
            {
                await RunAsync(id, s, "sleep 300 & echo $!; set -o pipefail; cd /tmp");
                var cmdId = await StartAsync(id, s, "read answer; echo \"got $answer\"");
                using (var input = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, $"process/session/{s}/command/{cmdId}/input"), new { data = "yes" }))
                    Assert.True(HttpStatusCode.NoContent == input.StatusCode, await input.Content.ReadAsStringAsync() + " / " + await StdoutOfAsync(id, s, cmdId) + " / " + await ExitCodeOfAsync(id, s, cmdId));
                await EventuallyAsync(async () => await ExitCodeOfAsync(id, s, cmdId) is not null);
                Assert.Equal("yes\ngot yes\n", await StdoutOfAsync(id, s, cmdId));
            }
        }));
    }

    [Fact]
    public async Task ASyncCommandsStdinIsAtEndOfFile()
    {
        var id = await fx.CreateSandboxAsync();
        await CreateSessionAsync(id, "eof");
        var watch = Stopwatch.StartNew();
        var result = await RunAsync(id, "eof", "cat; read -r line; echo \"read=$? cat done\"");
        watch.Stop();
        Assert.Equal((0, "read=1 cat done\n"), (result.ExitCode, result.Stdout));
        // Far below any wait for input that never comes (a wide margin, so load cannot flake it).
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task CommandsOfDifferentSessionsRunAtTheSameTime()
    {
        var id = await fx.CreateSandboxAsync();
        var sessions = Enumerable.Range(0, 4).Select(i => "par" + i).ToArray();
        foreach (var s in sessions) await CreateSessionAsync(id, s);
        // Each prints its start and end (seconds since the epoch, in the sandbox's clock).
        var runs = await Task.WhenAll(sessions.Select(s => RunAsync(id, s, "date +%s.%N; sleep 2; date +%s.%N")));
        var spans = runs.Select(r =>
        {
            Assert.Equal(0, r.ExitCode);
            var t = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            return (Start: t[0], End: t[1]);
        }).ToArray();
        // One after another, no two would overlap; at the same time, all overlap some other.
        var overlapping = spans.Where((a, i) => spans.Where((_, j) => j != i).Any(b => a.Start < b.End && b.Start < a.End)).Count();
        Assert.True(overlapping >= 2, $"only {overlapping} of 4 commands overlapped: {string.Join(", ", spans)}");
    }

    [Fact]
    public async Task DeletingASessionEndsItsShellAndItsJobs()
    {
        var id = await fx.CreateSandboxAsync();
        await CreateSessionAsync(id, "doomed");
        await CreateSessionAsync(id, "witness");
        var marker = "job-" + Guid.NewGuid().ToString("N")[..10];
        await RunAsync(id, "doomed", $"bash -c 'exec -a {marker} sleep 300' &");
        // The job is forked when the command returns, but shows its name only once it has exec'd:
        // on a loaded machine that can come after the witness's first look.
        await EventuallyAsync(async () => (await RunAsync(id, "witness", "ps ax -o args")).Stdout.Contains(marker));

        using (var delete = await fx.Http.DeleteAsync(fx.Toolbox(id, "process/session/doomed"))) Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        await EventuallyAsync(async () => !(await RunAsync(id, "witness", "ps ax -o args")).Stdout.Contains(marker));
    }
}
