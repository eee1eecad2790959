using System;
using System.Text;
using System.Text.RegularExpressions;

namespace DaytonaPS;

/// <summary>
/// The one place DaytonaPS decides whether it runs under an Azure DevOps agent, and the neutraliser
/// for sandbox text that reaches that agent's log. The agent executes any line containing
/// <c>##vso[</c> and any line starting with <c>##[</c> as a logging command, so text that came out of
/// a sandbox must not reach the host as it is: the relay of -Stream/-Follow and the format views of
/// DaytonaPS's command objects pass it through <see cref="ForHost"/>. The objects' properties keep
/// the real bytes. Public only so that the format views (script blocks) can call it.
/// </summary>
public static class AzurePipelines
{
    private static readonly Regex VsoCommand = new(@"##(vso\[)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>True when TF_BUILD is 'True' (case-insensitive), which the Azure DevOps agent sets for every job.</summary>
    public static bool Detected => string.Equals(Environment.GetEnvironmentVariable("TF_BUILD"), "True", StringComparison.OrdinalIgnoreCase);

    /// <summary>The text as the host should show it: neutralised under Azure DevOps, unchanged elsewhere.</summary>
    public static string ForHost(string? text) => text is null ? string.Empty : Detected ? Neutralise(text) : text;

    /// <summary>
    /// Makes every line of <paramref name="text"/> inert for the agent: "##vso[" anywhere and a leading
    /// (after white space) "##[" get a space after "##" ("## vso[", "## ["). Other text is unchanged.
    /// </summary>
    public static string Neutralise(string? text)
    {
        if (string.IsNullOrEmpty(text) || text!.IndexOf("##", StringComparison.Ordinal) < 0) return text ?? string.Empty;
        // The agent reads lines as StreamReader.ReadLine does: \r, \n and \r\n all end one.
        var result = new StringBuilder(text.Length + 8);
        var start = 0;
        while (start <= text.Length)
        {
            var end = text.IndexOfAny(LineBreaks, start);
            if (end < 0) end = text.Length;
            result.Append(NeutraliseLine(text.Substring(start, end - start)));
            if (end == text.Length) break;
            result.Append(text[end]);
            start = end + 1;
        }
        return result.ToString();
    }

    private static readonly char[] LineBreaks = { '\r', '\n' };

    /// <summary>
    /// The agent's logging command that reports <paramref name="record"/> as an error of the task
    /// (shown in the run summary, with the error id as its code):
    /// <c>##vso[task.logissue type=error;code=DaytonaNotFound]Get-DaytonaSandbox: ...</c>.
    /// The message may carry sandbox text (a command's stderr), so it is neutralised and escaped as
    /// the agent unescapes it (azure-pipelines-task-lib): one line, no second command in it.
    /// </summary>
    public static string ErrorIssue(System.Management.Automation.ErrorRecord record, string commandName)
    {
        var id = record.FullyQualifiedErrorId ?? string.Empty;
        var comma = id.IndexOf(',');
        if (comma >= 0) id = id.Substring(0, comma);
        var message = record.ErrorDetails?.Message;
        if (string.IsNullOrEmpty(message)) message = record.Exception?.Message ?? string.Empty;
        return $"##vso[task.logissue type=error;code={EscapeProperty(id)}]{EscapeData(commandName + ": " + Neutralise(message))}";
    }

    // The agent's escaping of logging commands: data after ']' and property values after '='.
    private static string EscapeData(string value) =>
        value.Replace("%", "%AZP25").Replace("\r", "%0D").Replace("\n", "%0A");

    private static string EscapeProperty(string value) =>
        EscapeData(value).Replace(";", "%3B").Replace("]", "%5D");

    private static string NeutraliseLine(string line)
    {
        var result = VsoCommand.Replace(line, "## $1");
        var trimmed = result.TrimStart();
        if (trimmed.StartsWith("##[", StringComparison.Ordinal))
        {
            var lead = result.Length - trimmed.Length;
            result = result.Substring(0, lead) + "## [" + trimmed.Substring(3);
        }
        return result;
    }
}
