using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// Named pipes (FIFOs) the emulator creates in a session's directory and a session's shell opens
/// from inside the sandbox by path, as the daemon's per-command pipes are: one long-lived shell
/// can give each command its own stdout, stderr and stdin that way. .NET has no mkfifo and no
/// open(2) that neither blocks nor locks on a FIFO, hence the libc calls. Every descriptor is
/// O_CLOEXEC, so no launcher the emulator starts later inherits one (that would hold a pipe open).
/// </summary>
internal static class Fifo
{
    private const int ReadOnly = 0, ReadWrite = 2, CloseOnExec = 0x80000;

    [DllImport("libc", SetLastError = true, EntryPoint = "mkfifo")]
    private static extern int mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [DllImport("libc", SetLastError = true, EntryPoint = "open")]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    /// <summary>Creates a FIFO readable and writable by its owner only.</summary>
    public static void Create(string path)
    {
        if (mkfifo(path, Convert.ToUInt32("600", 8)) != 0) throw new IOException($"mkfifo {path}: {new Win32Exception(Marshal.GetLastWin32Error()).Message}");
    }

    /// <summary>
    /// Opens a FIFO read-write. On Linux this never blocks, and the descriptor counts as a writer:
    /// while it is open, a reader of the FIFO does not see end-of-file, and a process opening the
    /// FIFO to read does not wait for a writer.
    /// </summary>
    public static SafeFileHandle OpenReadWrite(string path) => Open(path, ReadWrite);

    /// <summary>Opens a FIFO to read (blocking reads). Call after <see cref="OpenReadWrite"/> so the open itself does not wait.</summary>
    public static SafeFileHandle OpenRead(string path) => Open(path, ReadOnly);

    private static SafeFileHandle Open(string path, int flags)
    {
        var fd = open(path, flags | CloseOnExec);
        if (fd < 0) throw new IOException($"open {path}: {new Win32Exception(Marshal.GetLastWin32Error()).Message}");
        return new SafeFileHandle(fd, ownsHandle: true);
    }
}
