using System;
using System.Globalization;

namespace DaytonaPS;

/// <summary>
/// A file or folder in a sandbox, as the toolbox describes it (Get-DaytonaChildItem, Get-DaytonaItem,
/// Copy-DaytonaItem -ToSandbox -PassThru). Named after System.IO.FileInfo, whose properties it mirrors.
/// </summary>
public sealed class FileInfo
{
    internal FileInfo(string sandboxId, Api.FileInfoDto dto)
    {
        SandboxId = sandboxId;
        Name = dto.Name ?? string.Empty;
        FullName = dto.Path ?? string.Empty;
        IsDirectory = dto.IsDir;
        Length = dto.Size;
        Mode = dto.Mode ?? string.Empty;
        Permissions = dto.Permissions ?? string.Empty;
        Owner = dto.Owner ?? string.Empty;
        Group = dto.Group ?? string.Empty;
        LastWriteTimeUtc = ParseTime(dto.ModifiedAt);
    }

    /// <summary>The sandbox the item is in.</summary>
    public string SandboxId { get; }
    /// <summary>The last part of the path.</summary>
    public string Name { get; }
    /// <summary>The absolute path in the sandbox.</summary>
    public string FullName { get; }
    /// <summary>Size in bytes (for a folder, what the file system reports for the folder itself).</summary>
    public long Length { get; }
    /// <summary>Type and permissions as ls shows them, e.g. "-rwxr-xr-x" (Daytona's format: "d" for folders, "L" for links).</summary>
    public string Mode { get; }
    /// <summary>The permission bits in octal, e.g. "0755".</summary>
    public string Permissions { get; }
    /// <summary>The owner (Daytona reports the uid).</summary>
    public string Owner { get; }
    /// <summary>The group (Daytona reports the gid).</summary>
    public string Group { get; }
    public DateTime LastWriteTimeUtc { get; }
    /// <summary>The last write time in local time, as Get-ChildItem shows it.</summary>
    public DateTime LastWriteTime => LastWriteTimeUtc == DateTime.MinValue ? DateTime.MinValue : LastWriteTimeUtc.ToLocalTime();
    public bool IsDirectory { get; }
    /// <summary>True for a symbolic link (described itself, not its target).</summary>
    public bool IsSymbolicLink => Mode.StartsWith("L", StringComparison.Ordinal) || Mode.StartsWith("dL", StringComparison.Ordinal);
    /// <summary>True when any execute bit is set on a file.</summary>
    public bool IsExecutable => !IsDirectory && (UnixMode & 0x49) != 0;

    /// <summary>The permission bits as a number (0 when Daytona sent none).</summary>
    internal int UnixMode
    {
        get
        {
            try { return string.IsNullOrEmpty(Permissions) ? 0 : Convert.ToInt32(Permissions, 8) & 0xFFF; }
            catch (FormatException) { return 0; }
        }
    }

    public override string ToString() => FullName;

    private static DateTime ParseTime(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t.UtcDateTime
            : DateTime.MinValue;
}
