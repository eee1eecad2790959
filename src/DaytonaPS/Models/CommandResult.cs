using System;

namespace DaytonaPS;

/// <summary>
/// The outcome of Invoke-DaytonaCommand on one sandbox. A non-zero <see cref="ExitCode"/> is data,
/// not an error (unless -ErrorOnNonZeroExit).
/// </summary>
public sealed class CommandResult
{
    internal CommandResult(string sandboxId, string command, int exitCode, string output, string stdout, string stderr,
        DateTimeOffset startedAt, TimeSpan duration, bool truncated = false)
    {
        Truncated = truncated;
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
    /// <summary>The sandbox's name as known when the result was made (the piped sandbox's, or the id or name given); for telling fan-out results apart.</summary>
    public string? SandboxName { get; internal set; }

    /// <summary>The command as given.</summary>
    public string Command { get; }
    /// <summary>The exit code of the command (127: command not found).</summary>
    public int ExitCode { get; }
    /// <summary>stdout and stderr combined, in the order they were written (at most twice -MaximumOutputSize).</summary>
    public string Output { get; }
    /// <summary>The command's stdout (at most -MaximumOutputSize; empty with -OutFile, which received it).</summary>
    public string Stdout { get; }
    /// <summary>The command's stderr (at most -MaximumOutputSize).</summary>
    public string Stderr { get; }
    /// <summary>True when output beyond -MaximumOutputSize was dropped: Output, Stdout or Stderr is not all the command wrote.</summary>
    public bool Truncated { get; }
    public DateTimeOffset StartedAt { get; }
    public TimeSpan Duration { get; }

    /// <summary>True when <see cref="ExitCode"/> is 0.</summary>
    public bool Succeeded => ExitCode == 0;

    public override string ToString() => Output;
}
