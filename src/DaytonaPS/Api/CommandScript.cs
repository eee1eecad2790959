using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DaytonaPS.Api;

/// <summary>
/// Builds the line a session runs for a user's command. The command runs in its own child bash
/// (<c>bash -c '...'</c>, inside a subshell), so <c>exit</c>, <c>exec</c>, <c>set -e</c> and heredocs
/// end only that child, never the session's shell; stdin is a file or /dev/null, so nothing waits
/// for input. With a timeout, coreutils <c>timeout</c> (when present) stops it in the sandbox.
/// </summary>
internal static class CommandScript
{
    private static readonly Regex EnvName = new("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant);
    private const string OriginalTag = " #daytonaps:";

    public static bool IsValidEnvironmentName(string name) => name is not null && EnvName.IsMatch(name);

    /// <summary>bash single-quoting: 'it'\''s'.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";

    public static string Build(string command, string? workingDirectory, IDictionary<string, string>? environment,
        bool loginShell, string? stdinPath, int timeoutSec)
    {
        var inner = new StringBuilder();
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

        var bash = "bash " + (loginShell ? "-l " : string.Empty) + "-c " + Quote(inner.ToString()) + " bash";
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
        var line = new StringBuilder("( ");
        if (stdinPath is not null) line.Append("rm -f -- ").Append(Quote(stdinPath)).Append("; ");
        line.Append(run).Append(" ) < ").Append(stdinPath is null ? "/dev/null" : Quote(stdinPath));
        // The original command, for Get-DaytonaSession (a comment: the shell ignores it).
        line.Append(OriginalTag).Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(command)));
        return line.ToString();
    }

    /// <summary>The user's command inside a line built by <see cref="Build"/>; otherwise the line itself.</summary>
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
