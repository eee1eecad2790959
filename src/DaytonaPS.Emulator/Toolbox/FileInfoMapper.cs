using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>The daemon's FileInfo, with Go's value formats (mode "-rw-r--r--", permissions "0644").</summary>
public sealed record FileInfoDto(
    string Name, string Path, bool IsDir, long Size, string Mode, string Permissions,
    string Owner, string Group, string ModifiedAt, string ModTime);

internal static class FileInfoMapper
{
    /// <summary>Describes hostPath as sandbox path apiPath. A symlink is described itself (lstat), as Go's ReadDir does.</summary>
    public static FileInfoDto Describe(string hostPath, string apiPath, Runtime.IdMap? ids = null)
    {
        FileSystemInfo info = Directory.Exists(hostPath) && new DirectoryInfo(hostPath).LinkTarget is null
            ? new DirectoryInfo(hostPath)
            : new FileInfo(hostPath);
        if (!info.Exists && info.LinkTarget is null) throw ToolboxException.NotFound($"file not found: {apiPath}");

        var isLink = info.LinkTarget is not null;
        var isDir = !isLink && info is DirectoryInfo;
        var perm = isLink ? (UnixFileMode)Convert.ToInt32("777", 8) : UnixMode(info);
        var size = isLink ? Encoding.UTF8.GetByteCount(info.LinkTarget!) : isDir ? 4096 : ((FileInfo)info).Length;
        var (uid, gid) = Native.Owner(hostPath, ids ?? Runtime.IdMap.Identity);
        var modified = isLink ? LinkTime(hostPath) : info.LastWriteTimeUtc;
        var name = apiPath == "/" ? "/" : apiPath[(apiPath.LastIndexOf('/') + 1)..];
        return new FileInfoDto(
            name, apiPath, isDir, size, GoMode(perm, isDir, isLink),
            Convert.ToString((int)perm & 0x1FF, 8).PadLeft(4, '0'),
            uid, gid, Rfc3339(modified), GoTimeString(modified));
    }

    private static UnixFileMode UnixMode(FileSystemInfo info) =>
        OperatingSystem.IsWindows() ? (UnixFileMode)Convert.ToInt32(info is DirectoryInfo ? "755" : "644", 8) : info.UnixFileMode;

    private static DateTime LinkTime(string hostPath)
    {
        try { return File.GetLastWriteTimeUtc(hostPath); }
        catch (IOException) { return DateTime.UtcNow; }
    }

    /// <summary>Go's FileMode.String(): type letters (d, L, u, g, t) or "-", then rwxrwxrwx.</summary>
    private static string GoMode(UnixFileMode mode, bool isDir, bool isLink)
    {
        var sb = new StringBuilder();
        if (isDir) sb.Append('d');
        if (isLink) sb.Append('L');
        if (mode.HasFlag(UnixFileMode.SetUser)) sb.Append('u');
        if (mode.HasFlag(UnixFileMode.SetGroup)) sb.Append('g');
        if (mode.HasFlag(UnixFileMode.StickyBit)) sb.Append('t');
        if (sb.Length == 0) sb.Append('-');
        const string rwx = "rwxrwxrwx";
        for (var i = 0; i < 9; i++) sb.Append(((int)mode & (1 << (8 - i))) != 0 ? rwx[i] : '-');
        return sb.ToString();
    }

    /// <summary>RFC 3339 with nanoseconds and trailing zeros trimmed, as Go's JSON encoding of time.Time.</summary>
    internal static string Rfc3339(DateTime utc) =>
        utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + Fraction(utc) + "Z";

    /// <summary>Go's time.String(): "2006-01-02 15:04:05.999999999 -0700 MST".</summary>
    internal static string GoTimeString(DateTime utc) =>
        utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + Fraction(utc) + " +0000 UTC";

    private static string Fraction(DateTime t)
    {
        var nanos = (t.Ticks % TimeSpan.TicksPerSecond) * 100;
        return nanos == 0 ? "" : "." + nanos.ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
    }
}

/// <summary>The few libc calls .NET lacks: owner ids (statx has one layout on every Linux arch) and chown.</summary>
internal static class Native
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxUidGid = 0x8 | 0x10;

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", SetLastError = true)]
    private static extern int chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);

    /// <summary>uid and gid as decimal strings ("0" where they cannot be read).</summary>
    public static (string Uid, string Gid) Owner(string path, Runtime.IdMap ids)
    {
        if (!OperatingSystem.IsLinux()) return ("0", "0");
        var buffer = new byte[256];
        try
        {
            if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxUidGid, buffer) != 0) return ("0", "0");
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return ("0", "0");
        }
        return (ids.UidToSandbox(BitConverter.ToUInt32(buffer, 20)).ToString(CultureInfo.InvariantCulture),
                ids.GidToSandbox(BitConverter.ToUInt32(buffer, 24)).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>chown by uid/gid; uint.MaxValue leaves one unchanged. Returns an error text or null.</summary>
    public static string? Chown(string path, uint uid, uint gid)
    {
        if (!OperatingSystem.IsLinux()) return "changing owners is only supported on Linux";
        try
        {
            return chown(path, uid, gid) == 0 ? null : $"chown failed: {Marshal.GetLastPInvokeErrorMessage()}";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return "chown is not available";
        }
    }

    /// <summary>The id of name in a passwd- or group-format file (NAME:x:ID:...), or null.</summary>
    public static uint? LookupId(string name, TextReader file)
    {
        while (file.ReadLine() is { } line)
        {
            var fields = line.Split(':');
            if (fields.Length > 2 && fields[0] == name && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return id;
        }
        return null;
    }
}
