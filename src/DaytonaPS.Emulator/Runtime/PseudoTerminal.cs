using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;

namespace DaytonaPS.Emulator.Runtime;

/// <summary>
/// A pseudo-terminal pair: the emulator keeps the master, a sandbox process gets the slave as its
/// controlling terminal (see <see cref="ITerminalContainer"/>).
/// </summary>
/// <remarks>
/// .NET has no PTY API and no PTY library is served to this project, so these few libc calls
/// (posix_openpt, grantpt, unlockpt, ptsname_r, ioctl TIOCSWINSZ, read, write) are done by hand.
/// The master is opened close-on-exec, so no other process the emulator starts inherits it (a
/// stray copy would keep the terminal open after its process ended). The slave is never opened
/// here: the launcher opens it by path on the host before entering the sandbox, because .NET's
/// Process.Start can hand a child only pipes as its standard streams.
/// Reads block, so they run on a dedicated thread of the caller's, never on the thread pool.
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed class PseudoTerminal : IDisposable
{
    private const int O_RDWR = 0x2, O_NOCTTY = 0x100, O_CLOEXEC = 0x80000;
    private const ulong TIOCSWINSZ = 0x5414;
    private const int EINTR = 4, EIO = 5, EAGAIN = 11;

    [StructLayout(LayoutKind.Sequential)]
    private struct WinSize
    {
        public ushort Rows, Cols, XPixel, YPixel;
    }

    [DllImport("libc", SetLastError = true)] private static extern int posix_openpt(int flags);
    [DllImport("libc", SetLastError = true)] private static extern int grantpt(int fd);
    [DllImport("libc", SetLastError = true)] private static extern int unlockpt(int fd);
    [DllImport("libc", SetLastError = true)] private static extern int ptsname_r(int fd, byte[] buffer, nuint length);
    [DllImport("libc", SetLastError = true)] private static extern int ioctl(int fd, ulong request, ref WinSize size);
    [DllImport("libc", SetLastError = true)] private static extern nint read(int fd, byte[] buffer, nuint count);
    [DllImport("libc", SetLastError = true)] private static extern nint write(int fd, ref byte buffer, nuint count);
    [DllImport("libc", SetLastError = true)] private static extern int close(int fd);
    [DllImport("libc", SetLastError = true, EntryPoint = "poll")] private static extern int Poll(ref PollFd fds, nuint count, int timeoutMs);

    private const short POLLIN = 1;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events, Revents;
    }

    // _gate orders close() after any read() or write() in progress, so the fd number is never reused under them.
    private readonly object _gate = new();
    private readonly int _master;
    private int _slave = -1;
    private bool _inRead, _stopping, _closed;

    private PseudoTerminal(int master, string slavePath)
    {
        _master = master;
        SlavePath = slavePath;
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "open")]
    private static extern int OpenFile([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    /// <summary>Host path of the slave side (/dev/pts/N), opened by the launcher.</summary>
    public string SlavePath { get; }

    /// <summary>Opens a new pair with the given window size.</summary>
    public static PseudoTerminal Open(ushort cols, ushort rows)
    {
        var fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) throw new IOException("posix_openpt: " + new Win32Exception(Marshal.GetLastWin32Error()).Message);
        try
        {
            if (grantpt(fd) != 0 || unlockpt(fd) != 0) throw new IOException("grantpt/unlockpt: " + new Win32Exception(Marshal.GetLastWin32Error()).Message);
            var name = new byte[128];
            if (ptsname_r(fd, name, (nuint)name.Length) != 0) throw new IOException("ptsname: " + new Win32Exception(Marshal.GetLastWin32Error()).Message);
            var terminal = new PseudoTerminal(fd, Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0)));
            // Held until ReleaseSlave: without an open slave the master reads EIO, which would look
            // like the end before the launcher has even opened it.
            terminal._slave = OpenFile(terminal.SlavePath, O_RDWR | O_NOCTTY | O_CLOEXEC);
            if (terminal._slave < 0) throw new IOException("open " + terminal.SlavePath + ": " + new Win32Exception(Marshal.GetLastWin32Error()).Message);
            terminal.Resize(cols, rows);
            return terminal;
        }
        catch
        {
            close(fd);
            throw;
        }
    }

    /// <summary>Sets the window size (the kernel sends SIGWINCH to the terminal's foreground group).</summary>
    public void Resize(ushort cols, ushort rows)
    {
        var size = new WinSize { Cols = cols, Rows = rows };
        lock (_gate)
        {
            if (_stopping) throw new ObjectDisposedException(nameof(PseudoTerminal));
            if (ioctl(_master, TIOCSWINSZ, ref size) != 0) throw new IOException("TIOCSWINSZ: " + new Win32Exception(Marshal.GetLastWin32Error()).Message);
        }
    }

    /// <summary>
    /// Blocking read of what the terminal's processes wrote; 0 once no process holds the slave (EIO)
    /// or after Dispose (polled, so a job that keeps the slave open cannot hold the reader forever).
    /// </summary>
    public int Read(byte[] buffer)
    {
        lock (_gate)
        {
            if (_stopping) return 0;
            _inRead = true;
        }
        try
        {
            var poll = new PollFd { Fd = _master, Events = POLLIN };
            while (!Volatile.Read(ref _stopping))
            {
                var ready = Poll(ref poll, 1, 250);
                if (ready == 0 || (ready < 0 && Marshal.GetLastWin32Error() == EINTR)) continue;
                if (ready < 0) return 0;
                var n = read(_master, buffer, (nuint)buffer.Length);
                if (n > 0) return (int)n;
                if (n == 0) return 0;
                var errno = Marshal.GetLastWin32Error();
                if (errno is EINTR or EAGAIN) continue;
                return 0; // EIO: every slave fd is closed
            }
            return 0;
        }
        finally
        {
            lock (_gate)
            {
                _inRead = false;
                if (_stopping) CloseOnce();
            }
        }
    }

    /// <summary>Types data into the terminal (what a keyboard would send).</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            if (_stopping) throw new ObjectDisposedException(nameof(PseudoTerminal));
            while (data.Length > 0)
            {
                var n = write(_master, ref MemoryMarshal.GetReference(data), (nuint)data.Length);
                if (n < 0)
                {
                    var errno = Marshal.GetLastWin32Error();
                    if (errno is EINTR or EAGAIN) { Thread.Sleep(1); continue; }
                    throw new IOException("write to terminal: " + new Win32Exception(errno).Message);
                }
                data = data[(int)n..];
            }
        }
    }

    /// <summary>Closes the emulator's own slave copy (once the launcher has its own): reads end when the processes' copies close.</summary>
    public void ReleaseSlave()
    {
        var fd = Interlocked.Exchange(ref _slave, -1);
        if (fd >= 0) close(fd);
    }

    private void CloseOnce()
    {
        ReleaseSlave();
        if (_closed) return;
        _closed = true;
        close(_master);
    }

    /// <summary>Closes the master (at once, or when a read in progress returns).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            if (!_inRead) CloseOnce();
        }
    }
}
