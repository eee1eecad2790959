using System.Text;
using System.Text.Json;

namespace DaytonaPS.Emulator.Build;

/// <summary>One Dockerfile instruction: its keyword (upper case), its text after the keyword, and its line.</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments, int Line)
{
    /// <summary>As the log shows it, e.g. "RUN pip install x".</summary>
    public string Display => Keyword + " " + Arguments;

    /// <summary>The exec form's array (["a", "b"]), or null for the shell form.</summary>
    public IReadOnlyList<string>? ExecForm()
    {
        var text = Arguments.TrimStart();
        if (!text.StartsWith('[')) return null;
        try { return JsonSerializer.Deserialize<List<string>>(text); }
        catch (JsonException) { return null; }
    }

    /// <summary>Leading --flag=value options (COPY --chown=..., RUN --mount=...) and the rest.</summary>
    public (Dictionary<string, string> Flags, string Remainder) SplitFlags()
    {
        var flags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var rest = Arguments.TrimStart();
        while (rest.StartsWith("--", StringComparison.Ordinal))
        {
            var end = rest.IndexOfAny([' ', '\t']);
            var flag = end < 0 ? rest : rest[..end];
            var eq = flag.IndexOf('=');
            flags[eq < 0 ? flag[2..] : flag[2..eq]] = eq < 0 ? "" : flag[(eq + 1)..];
            rest = end < 0 ? "" : rest[end..].TrimStart();
        }
        return (flags, rest);
    }
}

/// <summary>
/// The Dockerfile reader of the emulator's builder: instructions with line continuations, comments and
/// parser directives, and the word splitting of COPY/ADD/ENV. Written here because no Dockerfile parser is
/// served on the package feeds this project uses; it covers the syntax the builder runs (DockerfileBuilder).
/// </summary>
internal static class Dockerfile
{
    public static List<DockerInstruction> Parse(string content)
    {
        var result = new List<DockerInstruction>();
        var escape = '\\';
        var lines = content.Replace("\r\n", "\n").Split('\n');
        var directivesOver = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.Trim();
            if (!directivesOver && trimmed.StartsWith('#'))
            {
                // Parser directives (# escape=`) come before anything else.
                var directive = trimmed[1..].Trim();
                if (directive.StartsWith("escape=", StringComparison.OrdinalIgnoreCase) && directive.Length > 7) escape = directive[7];
                continue;
            }
            if (trimmed.Length == 0 || trimmed.StartsWith('#')) continue;
            directivesOver = true;
            var start = i + 1;
            var text = new StringBuilder();
            while (true)
            {
                var part = lines[i].TrimEnd();
                if (part.Length > 0 && part[^1] == escape && i + 1 < lines.Length)
                {
                    text.Append(part, 0, part.Length - 1).Append(' ');
                    // Comment lines inside a continued instruction are dropped, as Docker does.
                    do { i++; } while (i + 1 < lines.Length && lines[i].TrimStart().StartsWith('#'));
                    continue;
                }
                text.Append(part);
                break;
            }
            var full = text.ToString().Trim();
            var split = full.IndexOfAny([' ', '\t']);
            var keyword = (split < 0 ? full : full[..split]).ToUpperInvariant();
            var args = split < 0 ? "" : full[(split + 1)..].Trim();
            result.Add(new DockerInstruction(keyword, args, start));
        }
        return result;
    }

    /// <summary>Splits shell-like words: quotes group, a backslash escapes (COPY "a b" c, ENV A="x y").</summary>
    public static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else if (c == '\\' && quote == '"' && i + 1 < text.Length) current.Append(text[++i]);
                else current.Append(c);
                continue;
            }
            if (c is '"' or '\'') { quote = c; inWord = true; continue; }
            if (c == '\\' && i + 1 < text.Length) { current.Append(text[++i]); inWord = true; continue; }
            if (char.IsWhiteSpace(c))
            {
                if (inWord) { words.Add(current.ToString()); current.Clear(); inWord = false; }
                continue;
            }
            current.Append(c);
            inWord = true;
        }
        if (inWord) words.Add(current.ToString());
        return words;
    }

    /// <summary>$NAME and ${NAME} (with ${NAME:-default}) from the build's ARG and ENV values; unknown names become empty.</summary>
    public static string Expand(string text, IReadOnlyDictionary<string, string> values)
    {
        var result = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length && text[i + 1] == '$') { result.Append('$'); i++; continue; }
            if (c != '$' || i + 1 >= text.Length) { result.Append(c); continue; }
            if (text[i + 1] == '{')
            {
                var close = text.IndexOf('}', i + 2);
                if (close < 0) { result.Append(c); continue; }
                var inner = text[(i + 2)..close];
                var sep = inner.IndexOf(":-", StringComparison.Ordinal);
                var name = sep < 0 ? inner : inner[..sep];
                result.Append(values.TryGetValue(name, out var v) && v.Length > 0 ? v : sep < 0 ? "" : inner[(sep + 2)..]);
                i = close;
                continue;
            }
            var j = i + 1;
            while (j < text.Length && (char.IsLetterOrDigit(text[j]) || text[j] == '_')) j++;
            if (j == i + 1) { result.Append(c); continue; }
            result.Append(values.TryGetValue(text[(i + 1)..j], out var value) ? value : "");
            i = j - 1;
        }
        return result.ToString();
    }

    /// <summary>ENV/ARG/LABEL pairs: KEY=VALUE ... (quotes allowed), or the legacy "KEY VALUE" form.</summary>
    public static List<KeyValuePair<string, string>> Pairs(string text, bool legacyForm)
    {
        var words = Words(text);
        if (legacyForm && words.Count > 0 && !words[0].Contains('='))
        {
            var first = text.TrimStart();
            var split = first.IndexOfAny([' ', '\t']);
            return split < 0 ? [new(first, "")] : [new(first[..split], first[(split + 1)..].Trim())];
        }
        return words.Select(w => w.IndexOf('=') is var eq and > 0 ? new KeyValuePair<string, string>(w[..eq], w[(eq + 1)..]) : new(w, "")).ToList();
    }
}
