using System;

namespace DaytonaPS;

/// <summary>
/// The outcome of Invoke-DaytonaCode in one sandbox. An exception in the code is data
/// (<see cref="Error"/>), not a PowerShell error (unless -ErrorOnCodeError).
/// </summary>
public sealed class CodeResult
{
    internal CodeResult(string sandboxId, string language, string? contextId, string code, string stdout, string stderr, string output,
        CodeError? error, int? exitCode, DateTimeOffset startedAt, TimeSpan duration)
    {
        SandboxId = sandboxId;
        Language = language;
        ContextId = contextId;
        Code = code;
        Stdout = stdout;
        Stderr = stderr;
        Output = output;
        Error = error;
        ExitCode = exitCode;
        StartedAt = startedAt;
        Duration = duration;
    }

    public string SandboxId { get; }
    /// <summary>python, javascript, ...</summary>
    public string Language { get; }
    /// <summary>The interpreter context the code ran in ("default" for the sandbox's default one); null when it ran once through code-run.</summary>
    public string? ContextId { get; }
    public string Code { get; }
    /// <summary>What the code wrote to stdout (with code-run, which does not separate them: stdout and stderr combined).</summary>
    public string Stdout { get; }
    /// <summary>What the code wrote to stderr (empty with code-run).</summary>
    public string Stderr { get; }
    /// <summary>stdout and stderr in the order they arrived.</summary>
    public string Output { get; }
    /// <summary>The exception the code raised in an interpreter context (name, value, traceback); null if none.</summary>
    public CodeError? Error { get; }
    /// <summary>The process's exit code with code-run; null in an interpreter context, which has none.</summary>
    public int? ExitCode { get; }
    public DateTimeOffset StartedAt { get; }
    public TimeSpan Duration { get; }

    /// <summary>True when the code raised nothing and (with code-run) exited with 0.</summary>
    public bool Succeeded => Error is null && (ExitCode ?? 0) == 0;

    public override string ToString() => Output;
}
