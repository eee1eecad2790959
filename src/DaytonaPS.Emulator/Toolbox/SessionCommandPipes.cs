using Microsoft.Win32.SafeHandles;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// The host side of one session command's FIFOs (see <see cref="SessionShell"/>): stdout and
/// stderr, each read on a thread of its own up to the command's end marker, and for an async
/// command the input FIFO that SendInput writes to.
/// </summary>
/// <remarks>
/// Each output FIFO is first opened read-write and kept so until the shell has reported the
/// command (or ended): that descriptor is a writer, so the reader never sees end-of-file between
/// the command closing the FIFO and the marker being written, and opening either end never waits.
/// After the marker the reader goes on reading, and dropping, what background jobs that inherited
/// the FIFO write, until the last of them closes it: a job writing to a FIFO nobody reads would get
/// SIGPIPE. The input FIFO is held open read-write likewise, so the command's stdin stays open
/// (and a `read` waits for SendInput) until the command ends, as the daemon keeps it.
/// </remarks>
internal sealed class SessionCommandPipes : IDisposable
{
    private readonly string _prefix;
    private readonly List<SafeFileHandle> _writers = new();
    private readonly Task _output;
    private readonly FileStream? _input;

    /// <param name="prefix">Host path of the command's files without extension (.out, .err, .in are created).</param>
    /// <param name="adopt">Hands a created FIFO to the sandbox user.</param>
    public SessionCommandPipes(string prefix, bool withInput, byte[] endMarker, Action<LogStream, byte[]> sink, Action<string> adopt)
    {
        _prefix = prefix;
        try
        {
            var stdout = Open(".out", adopt);
            var stderr = Open(".err", adopt);
            _output = Task.WhenAll(Pump(stdout, LogStream.Stdout, endMarker, sink), Pump(stderr, LogStream.Stderr, endMarker, sink));
            if (withInput)
            {
                Fifo.Create(prefix + ".in");
                adopt(prefix + ".in");
                _input = new FileStream(Fifo.OpenReadWrite(prefix + ".in"), FileAccess.Write, 1);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Completes when both streams reached their end marker, or end-of-file.</summary>
    public Task Output => _output;

    /// <summary>The command's stdin (async commands only).</summary>
    public Stream? Input => _input;

    /// <summary>Lets the output FIFOs reach end-of-file once the shell and the command's jobs have closed them.</summary>
    public void ReleaseWriters()
    {
        lock (_writers)
        {
            foreach (var w in _writers) w.Dispose();
            _writers.Clear();
        }
    }

    public void Dispose()
    {
        ReleaseWriters();
        try { _input?.Dispose(); } catch (IOException) { }
        foreach (var ext in new[] { ".out", ".err", ".in" })
        {
            try { File.Delete(_prefix + ext); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private SafeFileHandle Open(string extension, Action<string> adopt)
    {
        var path = _prefix + extension;
        Fifo.Create(path);
        adopt(path);
        lock (_writers) _writers.Add(Fifo.OpenReadWrite(path));
        return Fifo.OpenRead(path);
    }

    private static Task Pump(SafeFileHandle handle, LogStream stream, byte[] endMarker, Action<LogStream, byte[]> sink)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // A blocking read on a thread of its own: it may wait as long as a background job lives,
        // which must not hold a thread-pool thread.
        var thread = new Thread(() =>
        {
            var scanner = new EndMarkerScanner(endMarker);
            Action<byte[]> emit = data => sink(stream, data);
            try
            {
                using var pipe = new FileStream(handle, FileAccess.Read, 1);
                var buffer = new byte[16 * 1024];
                int n;
                while ((n = pipe.Read(buffer)) > 0)
                {
                    if (scanner.Feed(buffer.AsSpan(0, n), emit)) done.TrySetResult();
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException) { }
            scanner.Flush(emit);
            done.TrySetResult();
        })
        { IsBackground = true, Name = "session-output" };
        thread.Start();
        return done.Task;
    }
}
