using System.Management.Automation;

namespace DaytonaPS.Api;

/// <summary>
/// Where the API layer reports what it does. A cmdlet passes its async pipe (which queues the
/// messages for the pipeline thread); completers and tests pass <see cref="NullDaytonaLog"/>.
/// Implementations must be thread-safe and must never block.
/// </summary>
internal interface IDaytonaLog
{
    void WriteVerbose(string message);
    void WriteDebug(string message);
    void WriteWarning(string message);
    void WriteProgress(ProgressRecord record);
}

internal sealed class NullDaytonaLog : IDaytonaLog
{
    public static readonly NullDaytonaLog Instance = new();
    public void WriteVerbose(string message) { }
    public void WriteDebug(string message) { }
    public void WriteWarning(string message) { }
    public void WriteProgress(ProgressRecord record) { }
}
