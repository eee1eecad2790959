using System;
using System.Collections.Generic;

namespace DaytonaPS.Api;

/// <summary>What to run in a sandbox and how (the parameters of Invoke-/Start-DaytonaCommand, bound).</summary>
internal sealed class CommandRequest
{
    public CommandRequest(string command) => Command = command;

    /// <summary>The command line, run by bash.</summary>
    public string Command { get; }

    public string? WorkingDirectory { get; set; }

    /// <summary>Variables for the command; names already checked (<see cref="CommandScript.IsValidEnvironmentName"/>).</summary>
    public IDictionary<string, string>? Environment { get; set; }

    public bool LoginShell { get; set; }

    /// <summary>Start-DaytonaCommand -AcceptInput: the command reads the session command's stdin (Send-DaytonaCommandInput), not /dev/null.</summary>
    public bool AcceptInput { get; set; }

    /// <summary>Start-DaytonaCommand -NoInputEcho: input sent later is not echoed into the log.</summary>
    public bool SuppressInputEcho { get; set; }

    /// <summary>Given to the command as stdin (uploaded to a temporary file); null: /dev/null.</summary>
    public string? InputText { get; set; }

    /// <summary>Seconds the command may run (0: no limit).</summary>
    public int TimeoutSec { get; set; }

    /// <summary>The most UTF-8 bytes kept in memory of stdout and of stderr (0: all).</summary>
    public long OutputLimit { get; set; } = CommandRunner.DefaultOutputLimit;

    /// <summary>Gets each output line as it is written (-Stream); the command is then followed over the log WebSocket.</summary>
    public Action<LogStreamKind, string>? OnLine { get; set; }

    /// <summary>A local file that receives stdout's bytes instead of memory (-OutFile); the command is followed.</summary>
    public string? OutFile { get; set; }

    /// <summary>Start the sandbox (and wait) when the toolbox says it is not started, then run.</summary>
    public bool AutoStart { get; set; }

    /// <summary>True when the command is followed over the log WebSocket rather than run by one synchronous exec.</summary>
    internal bool Follows => OnLine is not null || OutFile is not null;
}
