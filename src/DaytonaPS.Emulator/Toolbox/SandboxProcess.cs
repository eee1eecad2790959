using System.Diagnostics;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// One command started in a sandbox (nsenter, the per-command bwrap, or bash in the fallback).
/// </summary>
/// <remarks>
/// The command's shell writes its stdout and stderr to files in the sandbox's control directory,
/// not to pipes: a background job (`sleep 300 &`, `nohup server &`) inherits those fds and may keep
/// them open for as long as the sandbox runs, and a pipe would then never reach EOF. A file can be
/// read to the size it had when the shell exited, which is everything the foreground wrote, so the
/// call ends when the shell does, as the daemon's does. The process's own pipes still carry what
/// is written before the shell redirects (e.g. an nsenter or cd failure); nobody else holds them.
/// </remarks>
public sealed class SandboxProcess : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    private readonly Process _process;
    private readonly string _stdoutFile;
    private readonly string _stderrFile;

    internal SandboxProcess(Process process, string stdoutFile, string stderrFile)
    {
        _process = process;
        _stdoutFile = stdoutFile;
        _stderrFile = stderrFile;
        Id = process.Id;
        Exited = process.WaitForExitAsync();
    }

    public int Id { get; }

    public Stream StandardInput => _process.StandardInput.BaseStream;

    /// <summary>Completes when the process has exited (not waiting for its output to drain).</summary>
    public Task Exited { get; }

    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// Hands every chunk of output to sink as it arrives (one call at a time per stream) and
    /// completes once the shell has exited and all it wrote has been read. Output that background
    /// jobs write after that is not collected. Call once.
    /// </summary>
    public Task PumpOutputAsync(Action<LogStream, byte[]> sink)
    {
        var tasks = new List<Task>
        {
            PumpPipeAsync(_process.StandardOutput.BaseStream, LogStream.Stdout, sink),
            PumpPipeAsync(_process.StandardError.BaseStream, LogStream.Stderr, sink),
            TailAsync(_stdoutFile, LogStream.Stdout, sink),
        };
        if (_stderrFile != _stdoutFile) tasks.Add(TailAsync(_stderrFile, LogStream.Stderr, sink));
        return Task.WhenAll(tasks).ContinueWith(_ => DeleteFiles(), TaskScheduler.Default);
    }

    private async Task TailAsync(string path, LogStream stream, Action<LogStream, byte[]> sink)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            await using var file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                Options = FileOptions.Asynchronous,
            });
            while (true)
            {
                // Sampled before reading: once the shell has gone, everything it wrote is in the
                // file, so reading up to the current size ends the log. Background jobs may still
                // append; their later output is not part of this command's result.
                var exited = Exited.IsCompleted;
                var limit = exited ? new FileInfo(path).Length : long.MaxValue;
                while (file.Position < limit)
                {
                    var want = (int)Math.Min(buffer.Length, limit - file.Position);
                    var n = await file.ReadAsync(buffer.AsMemory(0, want));
                    if (n == 0) break;
                    sink(stream, buffer.AsSpan(0, n).ToArray());
                }
                if (exited) return;
                await Task.WhenAny(Exited, Task.Delay(PollInterval));
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static async Task PumpPipeAsync(Stream pipe, LogStream stream, Action<LogStream, byte[]> sink)
    {
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await pipe.ReadAsync(buffer)) > 0) sink(stream, buffer.AsSpan(0, n).ToArray());
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
    }

    private void DeleteFiles()
    {
        // A background job may still hold them open; unlinking is fine on Linux.
        foreach (var f in new[] { _stdoutFile, _stderrFile }.Distinct())
        {
            try { File.Delete(f); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Kills the process and its descendants (not jobs already handed to the sandbox's init).</summary>
    public void Kill()
    {
        try { _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
    }

    public void Dispose() => _process.Dispose();
}
