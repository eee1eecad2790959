using System;
using System.IO;
using System.Reflection;

namespace DaytonaPS.Api;

/// <summary>
/// Unix permission bits of local files. The module targets netstandard2.0, which has no API for
/// them; PowerShell 7 runs on .NET 8+, whose File.GetUnixFileMode/SetUnixFileMode are found by
/// reflection. On Windows PowerShell (and Windows) there are no such bits: null / no-op.
/// </summary>
internal static class LocalFileMode
{
    private static readonly MethodInfo? Getter = typeof(File).GetMethod("GetUnixFileMode", new[] { typeof(string) });
    private static readonly Type? ModeType = Getter?.ReturnType;
    private static readonly MethodInfo? Setter = ModeType is null ? null : typeof(File).GetMethod("SetUnixFileMode", new[] { typeof(string), ModeType });

    private static bool Supported => Getter is not null && Setter is not null && Path.DirectorySeparatorChar == '/';

    /// <summary>The permission bits (e.g. 0x1ED for 0755), or null where there are none.</summary>
    public static int? Get(string path)
    {
        if (!Supported) return null;
        try
        {
            return Convert.ToInt32(Getter!.Invoke(null, new object[] { path })) & 0xFFF;
        }
        catch (TargetInvocationException)
        {
            return null;
        }
    }

    /// <summary>Sets the permission bits; false where that cannot be done.</summary>
    public static bool Set(string path, int mode)
    {
        if (!Supported) return false;
        try
        {
            Setter!.Invoke(null, new[] { path, Enum.ToObject(ModeType!, mode & 0xFFF) });
            return true;
        }
        catch (TargetInvocationException)
        {
            return false;
        }
    }

    /// <summary>True when any execute bit is set.</summary>
    public static bool IsExecutable(int? mode) => mode is { } m && (m & 0x49) != 0;
}
