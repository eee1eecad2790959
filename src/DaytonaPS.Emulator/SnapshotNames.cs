using System.Globalization;
using System.Text.RegularExpressions;

namespace DaytonaPS.Emulator;

/// <summary>Daytona's snapshot name and image checks (apps/api snapshot.service.ts v0.190) and the emulator's failure conventions.</summary>
internal static partial class SnapshotNames
{
    // IMAGE_NAME_REGEX of snapshot.service.ts: the same pattern checks snapshot names and images.
    [GeneratedRegex(@"^[a-zA-Z0-9_.\-:]+(/[a-zA-Z0-9_.\-:]+)*(@sha256:[a-f0-9]{64})?$")]
    private static partial Regex ImageName();

    [GeneratedRegex(@"^[a-f0-9]{64}$")]
    private static partial Regex Digest();

    [GeneratedRegex(@"^RUN\s+(false|exit\s+([0-9]+))\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex FailingRunLine();

    public static string? ValidateName(string name) =>
        ImageName().IsMatch(name) ? null : "Invalid snapshot name format. May contain letters, digits, dots, colons, and dashes";

    public static string? ValidateImage(string name)
    {
        if (name.Contains("@sha256:", StringComparison.Ordinal))
        {
            var parts = name.Split("@sha256:");
            return parts[0].Length == 0 || !Digest().IsMatch(parts[1]) ? "Invalid digest format. Must be image@sha256:64_hex_characters" : null;
        }
        if (!name.Contains(':') || name.EndsWith(':') || name.TrimEnd().EndsWith(':'))
            return "Image name must include a tag (e.g., ubuntu:22.04) or digest (@sha256:...)";
        if (name.EndsWith(":latest", StringComparison.Ordinal)) return "Images with tag \":latest\" are not allowed";
        if (!ImageName().IsMatch(name))
            return "Invalid image name format. Must be lowercase, may contain digits, dots, dashes, and single slashes between components";
        return null;
    }

    /// <summary>An image whose registry host is under the reserved .invalid domain (RFC 2606) never resolves.</summary>
    public static bool IsUnpullable(string image)
    {
        var first = image.Split('/')[0];
        return image.Contains('/') && (first.EndsWith(".invalid", StringComparison.OrdinalIgnoreCase) || first.Split(':')[0].EndsWith(".invalid", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The exit code of a Dockerfile line <c>RUN false</c> (1) or <c>RUN exit N</c> (N &gt; 0), else null.</summary>
    public static int? FailingRun(string line)
    {
        var m = FailingRunLine().Match(line);
        if (!m.Success) return null;
        if (!m.Groups[2].Success) return 1;
        var code = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        return code > 0 ? code : null;
    }
}
