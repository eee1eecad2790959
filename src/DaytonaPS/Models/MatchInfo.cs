using System.Globalization;

namespace DaytonaPS;

/// <summary>
/// A line of a sandbox file that contains a pattern (Select-DaytonaString), with the properties of
/// Select-String's MatchInfo: Path, Filename, LineNumber, Line, Pattern.
/// </summary>
public sealed class MatchInfo
{
    internal MatchInfo(string sandboxId, string path, int lineNumber, string line, string pattern)
    {
        SandboxId = sandboxId;
        Path = path;
        LineNumber = lineNumber;
        Line = line;
        Pattern = pattern;
    }

    /// <summary>The sandbox the file is in.</summary>
    public string SandboxId { get; }
    /// <summary>The file's path in the sandbox.</summary>
    public string Path { get; }
    /// <summary>The file's name (the last part of Path).</summary>
    public string Filename => Path.Substring(Path.LastIndexOf('/') + 1);
    /// <summary>The line's number, from 1.</summary>
    public int LineNumber { get; }
    /// <summary>The line's text (without its line break).</summary>
    public string Line { get; }
    /// <summary>The pattern the line contains.</summary>
    public string Pattern { get; }

    /// <summary>"path:line:text", as Select-String shows a match.</summary>
    public override string ToString() => Path + ":" + LineNumber.ToString(CultureInfo.InvariantCulture) + ":" + Line;
}
