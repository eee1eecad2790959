using System;
using System.Collections.Generic;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;

namespace DaytonaPS.Auth;

/// <summary>
/// DaytonaPS state of one runspace (never global): the Connect-Daytona connection, the cached
/// environment/SecretManagement connection and the completion cache. ForEach-Object -Parallel and
/// thread jobs get their own runspaces and so their own state.
/// </summary>
internal sealed class RunspaceState
{
    private static readonly ConditionalWeakTable<Runspace, RunspaceState> States = new();
    private static readonly RunspaceState NoRunspace = new();

    /// <summary>The state of the runspace running on this thread (call on the pipeline thread).</summary>
    public static RunspaceState Current
    {
        get
        {
            var runspace = Runspace.DefaultRunspace;
            return runspace is null ? NoRunspace : States.GetValue(runspace, _ => new RunspaceState());
        }
    }

    public readonly object Gate = new();

    /// <summary>Set by Connect-Daytona, cleared by Disconnect-Daytona.</summary>
    public DaytonaConnection? Connected { get; set; }

    /// <summary>The last connection built from environment variables or DAYTONA_SECRET_NAME, reused while they stay the same.</summary>
    public DaytonaConnection? Ambient { get; set; }

    /// <summary>Sandbox names and ids for tab completion, with when they were fetched.</summary>
    public (string Key, DateTime FetchedAt, IReadOnlyList<(string Id, string Name, string State)> Items)? CompletionCache { get; set; }

    /// <summary>Snapshot and volume names for tab completion, by kind and connection (see ResourceCompletion).</summary>
    public Dictionary<string, (DateTime FetchedAt, IReadOnlyList<(string Id, string Name, string State)> Items)> ResourceCompletionCache { get; } = new(StringComparer.Ordinal);
}
