using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Api;

/// <summary>validateMountPaths and validateSubpaths of apps/api (volume-mount-path-validation.util.ts v0.190): all errors joined, 400.</summary>
internal static class VolumeMountRules
{
    private static readonly string[] SystemDirectories = ["/proc", "/sys", "/dev", "/boot", "/etc", "/bin", "/sbin", "/lib", "/lib64"];

    public static void Check(IEnumerable<SandboxVolumeDto> volumes)
    {
        var errors = new List<string>();
        foreach (var volume in volumes)
        {
            var value = volume.MountPath;
            if (!value.StartsWith('/')) errors.Add($"Invalid mount path {value} (must be absolute)");
            else if (value is "/" or "//") errors.Add($"Invalid mount path {value} (cannot mount to the root directory)");
            else if (value.Contains("/../") || value.Contains("/./") || value.EndsWith("/..") || value.EndsWith("/."))
                errors.Add($"Invalid mount path {value} (cannot contain relative path components)");
            else if (value[1..].Contains("//")) errors.Add($"Invalid mount path {value} (cannot contain consecutive slashes)");
            else if (SystemDirectories.Any(d => value == d || value.StartsWith(d + "/", StringComparison.Ordinal)))
                errors.Add($"Invalid mount path {value} (cannot mount to system directory)");
        }
        if (errors.Count > 0) throw new DaytonaHttpException(400, string.Join(", ", errors));

        foreach (var subpath in volumes.Select(v => v.Subpath))
        {
            if (string.IsNullOrEmpty(subpath)) continue;
            if (subpath.StartsWith('/')) errors.Add($"Invalid subpath \"{subpath}\" (S3 key prefixes cannot start with /)");
            else if (subpath.Contains("..")) errors.Add($"Invalid subpath \"{subpath}\" (cannot contain .. for security)");
            else if (subpath.Contains("//")) errors.Add($"Invalid subpath \"{subpath}\" (cannot contain consecutive slashes)");
        }
        if (errors.Count > 0) throw new DaytonaHttpException(400, string.Join(", ", errors));
    }
}
