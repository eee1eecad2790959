using System;
using System.Management.Automation;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Command;

/// <summary>
/// Shows the lines of a running command live, as Write-Host would (information records tagged
/// PSHOST, so the console and an Azure DevOps log show them while they stay capturable with
/// 6>&amp;1 or -InformationVariable). stdout lines carry the tag DaytonaPS.Stdout and are shown as
/// they are; stderr lines carry DaytonaPS.Stderr and are shown red with the prefix "[stderr] ".
/// Under Azure DevOps (see <see cref="AzurePipelines"/>) each line is neutralised first.
/// </summary>
internal sealed class OutputRelay
{
    public const string StdoutTag = "DaytonaPS.Stdout";
    public const string StderrTag = "DaytonaPS.Stderr";
    public const string StderrPrefix = "[stderr] ";

    private readonly CmdletPipe _pipe;
    private readonly string _sandboxTag;
    private readonly bool _neutralise;
    private readonly LogGroups? _groups;
    private readonly string _groupKey;
    private readonly string _groupTitle;

    /// <param name="sandboxId">Added as a third tag, "DaytonaPS.Sandbox:&lt;id&gt;", so concurrent runs can be told apart.</param>
    /// <param name="groups">Under Azure DevOps: folds this command's lines into a log group titled <paramref name="groupTitle"/>.</param>
    public OutputRelay(CmdletPipe pipe, string sandboxId, LogGroups? groups = null, string? groupTitle = null)
    {
        _pipe = pipe;
        _sandboxTag = "DaytonaPS.Sandbox:" + sandboxId;
        _neutralise = AzurePipelines.Detected;
        _groups = groups;
        _groupKey = sandboxId + "|" + System.Threading.Interlocked.Increment(ref _runs);
        _groupTitle = groupTitle ?? sandboxId;
    }

    private static int _runs;

    /// <summary>The command has ended: closes its log group (if any).</summary>
    public void End() => _groups?.End(_groupKey);

    public void Line(LogStreamKind stream, string line)
    {
        var text = _neutralise ? AzurePipelines.Neutralise(line) : line;
        var stderr = stream == LogStreamKind.Stderr;
        var message = new HostInformationMessage
        {
            Message = (stderr ? StderrPrefix : string.Empty) + text,
            NoNewLine = false,
        };
        if (stderr) message.ForegroundColor = ConsoleColor.Red;
        var tags = new[] { "PSHOST", stderr ? StderrTag : StdoutTag, _sandboxTag };
        if (_groups is not null) _groups.Line(_groupKey, _groupTitle, message, tags);
        else _pipe.WriteInformation(message, tags);
    }
}
