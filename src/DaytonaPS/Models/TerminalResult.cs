using System;

namespace DaytonaPS;

/// <summary>How an Enter-DaytonaTerminal session ended.</summary>
public sealed class TerminalResult
{
    internal TerminalResult(string sandboxId, int? exitCode, bool detached, DateTimeOffset startedAt, TimeSpan duration)
    {
        SandboxId = sandboxId;
        ExitCode = exitCode;
        Detached = detached;
        StartedAt = startedAt;
        Duration = duration;
    }

    public string SandboxId { get; }
    /// <summary>The exit code of the terminal's shell; null when it was left with Ctrl+] (the shell was ended).</summary>
    public int? ExitCode { get; }
    /// <summary>True when the session was left with Ctrl+] rather than by the shell exiting.</summary>
    public bool Detached { get; }
    public DateTimeOffset StartedAt { get; }
    public TimeSpan Duration { get; }

    public override string ToString() => ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "detached";
}
