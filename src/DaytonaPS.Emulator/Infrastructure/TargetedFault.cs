using System.Text.RegularExpressions;

namespace DaytonaPS.Emulator.Infrastructure;

/// <summary>
/// A fault for the next <see cref="Remaining"/> requests that match <see cref="Method"/> (null:
/// any) and <see cref="Path"/> (null: any). The path is a glob over the request path: '*' is any
/// text within one segment, '**' any text across segments; it must match the whole path.
/// </summary>
public sealed class TargetedFault
{
    private readonly Regex? _path;

    public TargetedFault(string kind, string? method, string? path, int count)
    {
        Kind = kind;
        Method = method;
        Path = path;
        Remaining = count;
        _path = path is null ? null : new Regex(GlobToRegex(path), RegexOptions.CultureInvariant);
    }

    public string Kind { get; }
    public string? Method { get; }
    public string? Path { get; }

    /// <summary>Uses left; the rule is dropped when it reaches 0.</summary>
    public int Remaining { get; internal set; }

    public bool Matches(string method, string path) =>
        (Method is null || Method.Equals(method, StringComparison.OrdinalIgnoreCase))
        && (_path is null || _path.IsMatch(path));

    internal TargetedFault Copy() => new(Kind, Method, Path, Remaining);

    private static string GlobToRegex(string glob)
    {
        var parts = glob.Split("**");
        var body = string.Join(".*", parts.Select(part => string.Join("[^/]*", part.Split('*').Select(Regex.Escape))));
        return "^" + body + "$";
    }
}
