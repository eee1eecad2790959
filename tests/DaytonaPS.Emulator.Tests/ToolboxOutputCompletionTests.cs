using System.Text;
using DaytonaPS.Emulator.Toolbox;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>
/// When a command's exit is reported, all its output has been read, however far behind the reader
/// is (as Daytona writes the exit code only after its log is flushed). The emulator used to end a
/// command's output 2 s after its shell exited whether or not the output had been read; under a
/// starved thread pool the reader lagged longer, the session log was completed early and the rest
/// was dropped: Receive-DaytonaCommandLog -Follow returned Stdout cut after out-13.
/// </summary>
public sealed class ToolboxOutputCompletionTests(ToolboxServerFixture fx) : IClassFixture<ToolboxServerFixture>
{
    [Fact]
    public async Task OutputIsCompleteWhenTheExitIsReported_HoweverLateItIsRead()
    {
        var runtime = fx.Record(await fx.CreateSandboxAsync()).Runtime;
        // 23,893 bytes: less than a pipe holds, so the shell exits while most of it is still unread.
        using var process = runtime.Start(SandboxPaths.WorkDir, [], ["-c", "seq 1 5000; echo done >&2"]);
        using var readerMayGo = new ManualResetEventSlim();
        var received = new Dictionary<LogStream, MemoryStream> { [LogStream.Stdout] = new(), [LogStream.Stderr] = new() };
        // A reader that cannot keep up (as on a starved thread pool): stuck on its first chunk.
        _ = process.PumpOutputAsync((stream, data) =>
        {
            readerMayGo.Wait();
            lock (received) received[stream].Write(data);
        });
        var grace = TimeSpan.FromMilliseconds(100);
        var complete = process.WaitForOutputAsync(grace);
        await process.Exited.WaitAsync(TimeSpan.FromSeconds(60));

        // Ten graces later the output must still be awaited (load can only delay a wrong early
        // completion past this point, never make a right implementation fail).
        await Task.WhenAny(complete, Task.Delay(grace * 10));
        Assert.False(complete.IsCompleted, "the output was declared complete while it was still waiting, unread, in the pipes");

        readerMayGo.Set();
        await complete.WaitAsync(TimeSpan.FromSeconds(60));
        lock (received)
        {
            Assert.Equal(string.Concat(Enumerable.Range(1, 5000).Select(i => i + "\n")), Encoding.UTF8.GetString(received[LogStream.Stdout].ToArray()));
            Assert.Equal("done\n", Encoding.UTF8.GetString(received[LogStream.Stderr].ToArray()));
        }
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public async Task AShellKilledBeforeItsEndMarker_WhileAJobHoldsItsPipes_StillEnds()
    {
        var runtime = fx.Record(await fx.CreateSandboxAsync()).Runtime;
        try
        {
            // kill -9 $PPID takes the wrapper shell before it can mark the end of the output, and
            // the job keeps both pipes open: the grace is what ends the wait.
            using var process = runtime.Start(SandboxPaths.WorkDir, [], ["-c", "sleep 300 & kill -9 $PPID"]);
            _ = process.PumpOutputAsync((_, _) => { });
            // Far below the job's 300 s, so load cannot flake it.
            await process.WaitForOutputAsync(TimeSpan.FromMilliseconds(200)).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.NotEqual(0, process.ExitCode);
        }
        finally
        {
            runtime.KillAll();
        }
    }
}
