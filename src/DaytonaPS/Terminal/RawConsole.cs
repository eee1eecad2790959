using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using DaytonaPS.Api;

namespace DaytonaPS.Terminal;

/// <summary>
/// The process's console as a raw terminal for <see cref="PtyTerminal"/>. On Linux and macOS the
/// terminal of stdin is switched to raw mode (libc cfmakeraw: no echo, no line editing, no
/// signals, so Ctrl+C is the byte 0x03 for the remote shell) and restored on Dispose; input is
/// read from fd 0 with poll, so a read never outlives the session. termios is handled as an
/// opaque buffer (its layout differs between libcs). On Windows keys are read with
/// Console.ReadKey (Ctrl+C as input) and turned into the bytes a VT terminal sends.
/// </summary>
internal abstract class RawConsole : ITerminalConsole, IDisposable
{
    private readonly Stream _stdout = Console.OpenStandardOutput();

    public static RawConsole Open() =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? new WindowsConsole() : new PosixConsole();

    public abstract byte[] ReadInput(TimeSpan timeout);

    public void WriteOutput(byte[] data, int count)
    {
        _stdout.Write(data, 0, count);
        _stdout.Flush();
    }

    public (int Columns, int Rows) Size
    {
        get
        {
            try { return (Console.WindowWidth, Console.WindowHeight); }
            catch (IOException) { return (80, 24); }
        }
    }

    public virtual void Dispose() => _stdout.Flush();

    private sealed class PosixConsole : RawConsole
    {
        private const int StdinFd = 0;
        private const int TcsaNow = 0;
        private const short PollIn = 0x1;
        private readonly byte[] _saved = new byte[256];
        private readonly bool _restore;

        public PosixConsole()
        {
            var raw = new byte[256];
            if (tcgetattr(StdinFd, _saved) != 0) throw new IOException("stdin is not a terminal (tcgetattr failed).");
            Buffer.BlockCopy(_saved, 0, raw, 0, raw.Length);
            cfmakeraw(raw);
            if (tcsetattr(StdinFd, TcsaNow, raw) != 0) throw new IOException("cannot switch the terminal to raw mode (tcsetattr failed).");
            _restore = true;
        }

        public override byte[] ReadInput(TimeSpan timeout)
        {
            var fds = new PollFd { Fd = StdinFd, Events = PollIn };
            var ready = poll(ref fds, 1, (int)timeout.TotalMilliseconds);
            if (ready <= 0 || (fds.Revents & PollIn) == 0)
            {
                // Hang-up or error on stdin: nothing more will come.
                if (ready > 0) Thread.Sleep(timeout);
                return Array.Empty<byte>();
            }
            var buffer = new byte[4096];
            var n = read(StdinFd, buffer, (IntPtr)buffer.Length);
            if (n.ToInt64() <= 0) return Array.Empty<byte>();
            var bytes = new byte[n.ToInt64()];
            Buffer.BlockCopy(buffer, 0, bytes, 0, bytes.Length);
            return bytes;
        }

        public override void Dispose()
        {
            base.Dispose();
            if (_restore) tcsetattr(StdinFd, TcsaNow, _saved);
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct PollFd
        {
            public int Fd;
            public short Events;
            public short Revents;
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int tcgetattr(int fd, byte[] termios);

        [DllImport("libc", SetLastError = true)]
        private static extern int tcsetattr(int fd, int optionalActions, byte[] termios);

        [DllImport("libc")]
        private static extern void cfmakeraw(byte[] termios);

        [DllImport("libc", SetLastError = true)]
        private static extern int poll(ref PollFd fds, uint count, int timeoutMs);

        [DllImport("libc", SetLastError = true)]
        private static extern IntPtr read(int fd, byte[] buffer, IntPtr count);
    }

    private sealed class WindowsConsole : RawConsole
    {
        private readonly bool _treatControlC;

        public WindowsConsole()
        {
            _treatControlC = Console.TreatControlCAsInput;
            Console.TreatControlCAsInput = true;
        }

        public override byte[] ReadInput(TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            while (!Console.KeyAvailable)
            {
                if (DateTime.UtcNow >= until) return Array.Empty<byte>();
                Thread.Sleep(10);
            }
            var output = new MemoryStream();
            while (Console.KeyAvailable)
            {
                var bytes = KeyBytes(Console.ReadKey(intercept: true));
                output.Write(bytes, 0, bytes.Length);
            }
            return output.ToArray();
        }

        /// <summary>What an xterm sends for a key.</summary>
        private static byte[] KeyBytes(ConsoleKeyInfo key)
        {
            string? sequence = key.Key switch
            {
                ConsoleKey.UpArrow => "\u001b[A",
                ConsoleKey.DownArrow => "\u001b[B",
                ConsoleKey.RightArrow => "\u001b[C",
                ConsoleKey.LeftArrow => "\u001b[D",
                ConsoleKey.Home => "\u001b[H",
                ConsoleKey.End => "\u001b[F",
                ConsoleKey.Delete => "\u001b[3~",
                ConsoleKey.PageUp => "\u001b[5~",
                ConsoleKey.PageDown => "\u001b[6~",
                ConsoleKey.Backspace => "\u007f",
                ConsoleKey.Enter => "\r",
                _ => null,
            };
            if (sequence is null && (key.Modifiers & ConsoleModifiers.Control) != 0 && key.Key >= ConsoleKey.A && key.Key <= ConsoleKey.Z)
                return new[] { (byte)(key.Key - ConsoleKey.A + 1) };
            if (sequence is null && (key.Modifiers & ConsoleModifiers.Control) != 0 && key.Key == ConsoleKey.Oem6)
                return new[] { PtyTerminal.EscapeByte };
            return System.Text.Encoding.UTF8.GetBytes(sequence ?? key.KeyChar.ToString());
        }

        public override void Dispose()
        {
            base.Dispose();
            Console.TreatControlCAsInput = _treatControlC;
        }
    }
}
