using DaytonaPS.Emulator.Runtime;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// One command started in a sandbox through its runtime (<see cref="IExecHandle"/>).
/// </summary>
/// <remarks>
/// A background job (`sleep 300 &amp;`, `nohup server &amp;`) inherits the command's stdout and stderr
/// pipes and may hold them for as long as the sandbox runs, so waiting for EOF would hang the call.
/// Instead the wrapper shell runs the command's bash as a child and, once it has exited, writes an
/// end marker (0x1E "daytona-end-" random-token 0x1E) to both pipes. Everything the foreground
/// wrote precedes it (a pipe keeps order), so the output is complete when both markers have been
/// read, and the call ends when the shell does, as the daemon's does. What jobs write later is
/// read and dropped (never left unread: a job writing to a closed pipe would get SIGPIPE). Order
/// across stdout and stderr is arrival order, as with any two pipes. Right after the markers the
/// wrapper creates an end file, so once the process has exited we know whether the markers are
/// in the pipes (then the output is awaited however slowly it is read) or the wrapper was killed
/// first (then they may never come).
/// </remarks>
public sealed class SandboxProcess : IDisposable
{
    private readonly IExecHandle _process;
    private readonly byte[] _endMarker;
    private readonly string _endFile;
    private Task _drained = Task.CompletedTask;
    private Task _output = Task.CompletedTask;

    /// <param name="endFile">Host path of the file the wrapper creates once it has written both end markers.</param>
    internal SandboxProcess(IExecHandle process, byte[] endMarker, string endFile)
    {
        _process = process;
        _endMarker = endMarker;
        _endFile = endFile;
        Id = process.Id;
        Exited = process.Exited;
    }

    /// <summary>The bytes the wrapper writes after the command's shell has exited.</summary>
    internal static byte[] EndMarker(string token) => System.Text.Encoding.ASCII.GetBytes("\u001edaytona-end-" + token + "\u001e");

    public int Id { get; }

    public Stream StandardInput => _process.StandardInput;

    /// <summary>Completes when the process has exited (not waiting for its output to drain).</summary>
    public Task Exited { get; }

    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// Hands every chunk of output to sink as it arrives (one call at a time per stream) and
    /// completes once both streams reached their end marker (or EOF, if the process was killed).
    /// Call once.
    /// </summary>
    public Task PumpOutputAsync(Action<LogStream, byte[]> sink)
    {
        var stdout = PumpAsync(_process.StandardOutput, LogStream.Stdout, sink, out var stdoutDrained);
        var stderr = PumpAsync(_process.StandardError, LogStream.Stderr, sink, out var stderrDrained);
        _drained = Task.WhenAll(stdoutDrained, stderrDrained);
        return _output = Task.WhenAll(stdout, stderr);
    }

    /// <summary>
    /// Completes when the process has exited and the output <see cref="PumpOutputAsync"/> reads
    /// has all been handed to its sink. If the wrapper ran to its end, its end markers are in the
    /// pipes and this waits for them however long reading takes (under load the reader can lag
    /// by seconds; a deadline here would cut the output, which Daytona never does: it reports the
    /// exit code only after the log is flushed). Only if the wrapper was killed before marking the
    /// end, when a background job may hold the pipes open forever, does the wait end
    /// <paramref name="graceIfKilled"/> after the exit.
    /// </summary>
    public async Task WaitForOutputAsync(TimeSpan graceIfKilled)
    {
        await Exited;
        if (File.Exists(_endFile)) await _output;
        else await Task.WhenAny(_output, Task.Delay(graceIfKilled));
    }

    private Task PumpAsync(Stream pipe, LogStream stream, Action<LogStream, byte[]> sink, out Task drained)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        drained = Task.Run(async () =>
        {
            var buffer = new byte[16 * 1024];
            var scanner = new EndMarkerScanner(_endMarker);
            Action<byte[]> emit = data => sink(stream, data);
            try
            {
                int n;
                // After the marker, a background job's output is read and dropped.
                while ((n = await pipe.ReadAsync(buffer)) > 0)
                {
                    if (scanner.Feed(buffer.AsSpan(0, n), emit)) done.TrySetResult();
                }
            }
            catch (IOException) { }
            catch (ObjectDisposedException) { }
            scanner.Flush(emit);
            done.TrySetResult();
        });
        return done.Task;
    }

    /// <summary>Kills the process and its descendants (not jobs already handed to the sandbox's init).</summary>
    public void Kill() => _process.Kill();

    /// <summary>Releases the process once its pipes reach EOF (closing them earlier would SIGPIPE background jobs).</summary>
    public void Dispose()
    {
        try { File.Delete(_endFile); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        if (_drained.IsCompleted) _process.Dispose();
        else _drained.ContinueWith(_ => _process.Dispose(), TaskScheduler.Default);
    }
}
