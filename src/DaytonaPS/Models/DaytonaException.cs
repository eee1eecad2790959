using System;
using System.Management.Automation;

namespace DaytonaPS;

/// <summary>
/// A failure DaytonaPS detects itself (no credential, a wait that timed out, a sandbox that went
/// to error, ...), with the error id and category it is reported under.
/// </summary>
public sealed class DaytonaException : Exception
{
    public DaytonaException(string errorId, ErrorCategory category, string message, object? target = null,
        bool terminating = false, string? recommendedAction = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
        Terminating = terminating;
        RecommendedAction = recommendedAction;
    }

    /// <summary>One of <see cref="ErrorIds"/>.</summary>
    public string ErrorId { get; }
    public ErrorCategory Category { get; }
    public object? Target { get; }
    /// <summary>Whether the cmdlet stops (nothing else can work) rather than moving to the next input.</summary>
    public bool Terminating { get; }
    public string? RecommendedAction { get; }
}
