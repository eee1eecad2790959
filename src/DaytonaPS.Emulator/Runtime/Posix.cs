using System.Runtime.InteropServices;

namespace DaytonaPS.Emulator.Runtime;

/// <summary>The few libc calls the linux backend needs that .NET lacks.</summary>
internal static class Posix
{
    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint geteuid();

    [DllImport("libc", EntryPoint = "getegid")]
    private static extern uint getegid();

    [DllImport("libc", SetLastError = true, EntryPoint = "lchown")]
    private static extern int lchown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);

    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern long sysconf(int name);

    /// <summary>Clock ticks per second of /proc/[pid]/stat times (sysconf(_SC_CLK_TCK); _SC_CLK_TCK is 2 on Linux).</summary>
    public static long ClockTicksPerSecond { get; } = OperatingSystem.IsLinux() && sysconf(2) is > 0 and var t ? t : 100;

    public static uint EffectiveUid => OperatingSystem.IsWindows() ? uint.MaxValue : geteuid();
    public static uint EffectiveGid => OperatingSystem.IsWindows() ? uint.MaxValue : getegid();
    public static bool IsRoot => !OperatingSystem.IsWindows() && geteuid() == 0;

    /// <summary>chown that never follows a symlink; true when it worked.</summary>
    public static bool LChown(string path, uint uid, uint gid) => lchown(path, uid, gid) == 0;

    /// <summary>The first of these paths that exists, or null.</summary>
    public static string? Find(params string[] candidates) => candidates.FirstOrDefault(File.Exists);

    /// <summary>A util-linux (or other) tool in the usual places.</summary>
    public static string? Tool(string name) => Find($"/usr/bin/{name}", $"/usr/sbin/{name}", $"/bin/{name}", $"/sbin/{name}");
}
