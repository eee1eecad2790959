using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DaytonaPS.Api;

/// <summary>
/// Builds what a session runs for a user's command. The command's script (exports, cd, the command)
/// runs in its own child bash (<c>bash -c SCRIPT</c>, inside a subshell), so <c>exit</c>, <c>exec</c>,
/// <c>set -e</c> and heredocs end only that child, never the session's shell; stdin is a file or
/// /dev/null, so nothing waits for input. With a timeout, coreutils <c>timeout</c> (when present)
/// stops it in the sandbox.
/// </summary>
/// <remarks>
/// The script is one argument of that bash, and Linux limits one argument to MAX_ARG_STRLEN
/// (32 pages: 131,072 bytes with the terminating NUL); a longer one fails in the sandbox with
/// "Argument list too long" and exit 126. Daytona's daemon itself has no such limit (it writes the
/// session line to a file and sources it). So a script over <see cref="MaxInlineBytes"/> is uploaded
/// as a file instead (<see cref="NeedsFile"/>, <see cref="ScriptFile"/>) and the child bash sources
/// it: long commands work as short ones do, at the price of one upload.
/// </remarks>
internal static class CommandScript
{
    /// <summary>The longest script passed inline: MAX_ARG_STRLEN minus its NUL.</summary>
    public const int MaxInlineBytes = 128 * 1024 - 1;

    /// <summary>How much of a long command the session line keeps for Get-DaytonaSession.</summary>
    private const int OriginalKeptChars = 2000;

    private static readonly Regex EnvName = new("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant);
    private const string OriginalTag = " #daytonaps:";

    public static bool IsValidEnvironmentName(string name) => name is not null && EnvName.IsMatch(name);

    /// <summary>bash single-quoting: 'it'\''s'.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";

    /// <summary>The script the child bash runs: the environment, the directory, then the command.</summary>
    public static string Script(string command, string? workingDirectory, IDictionary<string, string>? environment)
    {
        var inner = new StringBuilder(command.Length + 64);
        if (environment is not null)
        {
            foreach (var kv in environment)
            {
                if (!IsValidEnvironmentName(kv.Key)) throw new ArgumentException($"'{kv.Key}' is not a valid environment variable name.");
                inner.Append("export ").Append(kv.Key).Append('=').Append(Quote(kv.Value ?? string.Empty)).Append('\n');
            }
        }
        if (!string.IsNullOrEmpty(workingDirectory))
        {
            inner.Append("builtin cd -- ").Append(Quote(workingDirectory!)).Append(" || exit 1\n");
        }
        inner.Append(command);
        if (!command.EndsWith("\n", StringComparison.Ordinal)) inner.Append('\n');
        return inner.ToString();
    }

    /// <summary>True when the script is too long to be one argument and must be uploaded.</summary>
    public static bool NeedsFile(string script) =>
        script.Length > MaxInlineBytes / 3 && Encoding.UTF8.GetByteCount(script) > MaxInlineBytes;

    /// <summary>The content of the uploaded script file: it removes itself, then runs the script.</summary>
    public static string ScriptFile(string script, string path) => "rm -f -- " + Quote(path) + "\n" + script;

    /// <summary>
    /// The session line. <paramref name="scriptPath"/>: the script was uploaded there (see
    /// <see cref="ScriptFile"/>) and is sourced instead of passed inline.
    /// </summary>
    /// <param name="keepInput">No stdin file: keep the session command's own stdin (Start-DaytonaCommand
    /// -AcceptInput, for Send-DaytonaCommandInput) instead of /dev/null.</param>
    public static string Line(string script, string command, bool loginShell, string? stdinPath, int timeoutSec, string? scriptPath = null, bool keepInput = false)
    {
        var body = scriptPath is null ? script : ". " + Quote(scriptPath);
        var bash = "bash " + (loginShell ? "-l " : string.Empty) + "-c " + Quote(body) + " bash";
        string run;
        if (timeoutSec > 0)
        {
            var t = timeoutSec.ToString(CultureInfo.InvariantCulture);
            run = "if command -v timeout >/dev/null 2>&1; then exec timeout -k 5 " + t + " " + bash + "; else exec " + bash + "; fi";
        }
        else
        {
            run = "exec " + bash;
        }
        var line = new StringBuilder(bash.Length + 96);
        line.Append("( ");
        if (stdinPath is not null) line.Append("rm -f -- ").Append(Quote(stdinPath)).Append("; ");
        line.Append(run).Append(" )");
        if (stdinPath is not null || !keepInput) line.Append(" < ").Append(stdinPath is null ? "/dev/null" : Quote(stdinPath));
        // The original command, for Get-DaytonaSession (a comment: the shell ignores it).
        var original = scriptPath is null || command.Length <= OriginalKeptChars
            ? command
            : command.Substring(0, OriginalKeptChars) + " ...";
        line.Append(OriginalTag).Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(original)));
        return line.ToString();
    }

    /// <summary>The session line for a command whose script fits inline (tests, Start-DaytonaCommand without uploads).</summary>
    public static string Build(string command, string? workingDirectory, IDictionary<string, string>? environment,
        bool loginShell, string? stdinPath, int timeoutSec) =>
        Line(Script(command, workingDirectory, environment), command, loginShell, stdinPath, timeoutSec);

    /// <summary>The user's command inside a line built by <see cref="Line"/>; otherwise the line itself.</summary>
    public static string Original(string? sessionLine)
    {
        if (string.IsNullOrEmpty(sessionLine)) return string.Empty;
        var at = sessionLine!.LastIndexOf(OriginalTag, StringComparison.Ordinal);
        if (at < 0 || !sessionLine.StartsWith("( ", StringComparison.Ordinal)) return sessionLine;
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(sessionLine.Substring(at + OriginalTag.Length).Trim()));
        }
        catch (FormatException)
        {
            return sessionLine;
        }
    }
}
