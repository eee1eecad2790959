using System;

namespace DaytonaPS;

/// <summary>
/// The outcome of Invoke-DaytonaCommand on one sandbox. A non-zero <see cref="ExitCode"/> is data,
/// not an error (unless -ErrorOnNonZeroExit).
/// </summary>
public sealed class CommandResult
{
    internal CommandResult(string sandboxId, string command, int exitCode, string output, string stdout, string stderr,
        DateTimeOffset startedAt, TimeSpan duration)
    {
        SandboxId = sandboxId;
        Command = command;
        ExitCode = exitCode;
        Output = output;
        Stdout = stdout;
        Stderr = stderr;
        StartedAt = startedAt;
        Duration = duration;
    }

    /// <summary>The sandbox the command ran in.</summary>
    public string SandboxId { get; }
    /// <summary>The command as given.</summary>
    public string Command { get; }
    /// <summary>The exit code of the command (127: command not found).</summary>
    public int ExitCode { get; }
    /// <summary>stdout and stderr combined, in the order they were written.</summary>
    public string Output { get; }
    public string Stdout { get; }
    public string Stderr { get; }
    public DateTimeOffset StartedAt { get; }
    public TimeSpan Duration { get; }

    /// <summary>True when <see cref="ExitCode"/> is 0.</summary>
    public bool Succeeded => ExitCode == 0;

    public override string ToString() => Output;
}
