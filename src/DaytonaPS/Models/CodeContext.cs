using System;

namespace DaytonaPS;

/// <summary>
/// A stateful interpreter context in a sandbox (New-DaytonaCodeContext): code run in it with
/// Invoke-DaytonaCode -ContextId sees the variables and imports of the code run before.
/// </summary>
public sealed class CodeContext
{
    internal CodeContext(string sandboxId, string contextId, string language, string workingDirectory, DateTimeOffset? createdAt, bool active)
    {
        SandboxId = sandboxId;
        ContextId = contextId;
        Language = language;
        WorkingDirectory = workingDirectory;
        CreatedAt = createdAt;
        Active = active;
    }

    public string SandboxId { get; }
    /// <summary>The context's id (a UUID); piped objects bind it to -ContextId.</summary>
    public string ContextId { get; }
    public string Language { get; }
    public string WorkingDirectory { get; }
    public DateTimeOffset? CreatedAt { get; }
    /// <summary>Whether its interpreter process runs (an ended one is restarted, with fresh state, on next use).</summary>
    public bool Active { get; }

    public override string ToString() => ContextId;
}
