using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace DaytonaPS;

/// <summary>A command of a Daytona session (from Start-DaytonaCommand or Get-DaytonaSession).</summary>
public sealed class SessionCommand
{
    internal SessionCommand(string sandboxId, string sessionId, string commandId, string command, int? exitCode)
    {
        SandboxId = sandboxId;
        SessionId = sessionId;
        CommandId = commandId;
        Command = command;
        ExitCode = exitCode;
    }

    public string SandboxId { get; }
    /// <summary>The sandbox's name as known when the result was made (the piped sandbox's, or the id or name given); for telling fan-out results apart.</summary>
    public string? SandboxName { get; internal set; }
    public string SessionId { get; }
    public string CommandId { get; }
    /// <summary>The command as given to Start-DaytonaCommand.</summary>
    public string Command { get; }
    /// <summary>Null while the command runs (as last reported; Get-DaytonaSession refreshes it).</summary>
    public int? ExitCode { get; }
    /// <summary>True when no exit code had been reported yet.</summary>
    public bool Running => ExitCode is null;
}

/// <summary>A Daytona session (a long-lived shell in a sandbox) and its commands.</summary>
public sealed class Session
{
    internal Session(string sandboxId, string sessionId, IList<SessionCommand> commands)
    {
        SandboxId = sandboxId;
        SessionId = sessionId;
        Commands = new ReadOnlyCollection<SessionCommand>(commands);
    }

    public string SandboxId { get; }
    public string SessionId { get; }
    public IReadOnlyList<SessionCommand> Commands { get; }
    /// <summary>How many commands are still running.</summary>
    public int RunningCount
    {
        get
        {
            var n = 0;
            foreach (var c in Commands) if (c.Running) n++;
            return n;
        }
    }
}

/// <summary>The logs of one session command (Receive-DaytonaCommandLog).</summary>
public sealed class CommandLog
{
    internal CommandLog(string sandboxId, string sessionId, string commandId, int? exitCode, string output, string stdout, string stderr, bool truncated = false)
    {
        Truncated = truncated;
        SandboxId = sandboxId;
        SessionId = sessionId;
        CommandId = commandId;
        ExitCode = exitCode;
        Output = output;
        Stdout = stdout;
        Stderr = stderr;
    }

    public string SandboxId { get; }
    public string SessionId { get; }
    public string CommandId { get; }
    /// <summary>Null when the command was still running.</summary>
    public int? ExitCode { get; }
    public string Output { get; }
    public string Stdout { get; }
    public string Stderr { get; }
    /// <summary>True when output beyond -MaximumOutputSize was dropped.</summary>
    public bool Truncated { get; }

    public override string ToString() => Output;
}
