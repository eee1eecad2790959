using System.Text.RegularExpressions;

namespace DaytonaPS.Emulator.Infrastructure;

/// <summary>
/// Daytona's @IsSafeDisplayString (apps/api common/validators, v0.190), the only rule on a sandbox
/// name besides being a string: no HTML tag, no URL scheme or www., no control character other
/// than tab, LF and CR. Anything else is a valid name, including '.', '..' and 'a/b'.
/// </summary>
public static partial class SafeDisplayString
{
    public static bool IsSafe(string? value) =>
        value is null || !(HtmlTag().IsMatch(value) || Url().IsMatch(value) || ControlCharacter().IsMatch(value));

    /// <summary>class-validator's message, as Daytona's 400 carries it.</summary>
    public static void Check(string? value, string field)
    {
        if (!IsSafe(value)) throw new DaytonaHttpException(400, $"{field} must not contain HTML tags, URLs, or control characters");
    }

    [GeneratedRegex("<[a-zA-Z/][^>]*>?", RegexOptions.CultureInvariant)]
    private static partial Regex HtmlTag();

    [GeneratedRegex(@"https?://|ftps?://|sftp://|ssh://|wss?://|file://|ldaps?://|javascript:|data:|mailto:|tel:|www\.", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Url();

    [GeneratedRegex(@"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]", RegexOptions.CultureInvariant)]
    private static partial Regex ControlCharacter();
}
