using System;
using System.Management.Automation;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Command;

/// <summary>
/// Shows the lines of a running command live, as Write-Host would (information records tagged
/// PSHOST, so the console and an Azure DevOps log show them while they stay capturable with
/// 6>&amp;1 or -InformationVariable). stdout lines carry the tag DaytonaPS.Stdout and are shown as
/// they are; stderr lines carry DaytonaPS.Stderr and are shown red with the prefix "[stderr] ".
/// In Azure DevOps (TF_BUILD set) a line that could be read as a logging command (##vso[ anywhere,
/// ##[ at the start) is neutralised by a space after the ##.
/// </summary>
internal sealed class OutputRelay
{
    public const string StdoutTag = "DaytonaPS.Stdout";
    public const string StderrTag = "DaytonaPS.Stderr";
    public const string StderrPrefix = "[stderr] ";

    private static readonly System.Text.RegularExpressions.Regex VsoCommand = new(@"##(vso\[)", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private readonly CmdletPipe _pipe;
    private readonly string _sandboxTag;
    private readonly bool _neutralise;

    /// <param name="sandboxId">Added as a third tag, "DaytonaPS.Sandbox:&lt;id&gt;", so concurrent runs can be told apart.</param>
    public OutputRelay(CmdletPipe pipe, string sandboxId, bool neutralise)
    {
        _pipe = pipe;
        _sandboxTag = "DaytonaPS.Sandbox:" + sandboxId;
        _neutralise = neutralise;
    }

    /// <summary>True when running under Azure DevOps (TF_BUILD is set).</summary>
    public static bool InAzureDevOps => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("TF_BUILD"));

    public void Line(LogStreamKind stream, string line)
    {
        var text = _neutralise ? Neutralise(line) : line;
        var stderr = stream == LogStreamKind.Stderr;
        var message = new HostInformationMessage
        {
            Message = (stderr ? StderrPrefix : string.Empty) + text,
            NoNewLine = false,
        };
        if (stderr) message.ForegroundColor = ConsoleColor.Red;
        _pipe.WriteInformation(message, new[] { "PSHOST", stderr ? StderrTag : StdoutTag, _sandboxTag });
    }

    /// <summary>Makes a line inert for the Azure DevOps agent: "##vso[" anywhere and a leading "##[" get a space after "##".</summary>
    public static string Neutralise(string line)
    {
        if (string.IsNullOrEmpty(line)) return line;
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
