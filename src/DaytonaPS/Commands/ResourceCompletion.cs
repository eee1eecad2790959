using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Auth;

namespace DaytonaPS.Commands;

/// <summary>
/// Tab completion of snapshot and volume names, as SandboxCompleter does for sandboxes: one list
/// call with a 2 s limit, cached per runspace and connection for 15 s, never prompting
/// (SecretManagement is skipped), never throwing.
/// </summary>
internal static class ResourceCompletion
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(2);

    public static IEnumerable<CompletionResult> Complete(string kind, string? wordToComplete, IDictionary? fakeBoundParameters,
        Func<DaytonaApiClient, CancellationToken, Task<IReadOnlyList<(string Id, string Name, string State)>>> fetch,
        Func<string, string>? completionText = null)
    {
        try
        {
            var context = fakeBoundParameters?["Context"] is { } c ? (c is PSObject p ? p.BaseObject : c) as Context : null;
            var connection = CredentialResolver.Resolve(context, allowSecretManagement: false, throwIfNone: false);
            if (connection is null) return Array.Empty<CompletionResult>();
            var items = Items(kind, connection, fetch);
            if (items is null) return Array.Empty<CompletionResult>();
            var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            return items
                .Where(i => i.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .OrderBy(i => i.Name, StringComparer.OrdinalIgnoreCase)
                .Select(i =>
                {
                    var text = completionText?.Invoke(i.Name) ?? i.Name;
                    return new CompletionResult(Quote(text), i.Name, CompletionResultType.ParameterValue, $"{i.Name} ({i.Id}, {i.State})");
                })
                .ToList();
        }
        catch (Exception)
        {
            return Array.Empty<CompletionResult>();
        }
    }

    private static IReadOnlyList<(string Id, string Name, string State)>? Items(string kind, DaytonaConnection connection,
        Func<DaytonaApiClient, CancellationToken, Task<IReadOnlyList<(string Id, string Name, string State)>>> fetch)
    {
        var state = RunspaceState.Current;
        var key = kind + "|" + connection.ApiUrl + "|" + System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(connection);
        lock (state.Gate)
        {
            if (state.ResourceCompletionCache.TryGetValue(key, out var cached) && DateTime.UtcNow - cached.FetchedAt < CacheFor) return cached.Items;
        }
        using var cts = new CancellationTokenSource(Limit);
        var task = Task.Run(() => fetch(new DaytonaApiClient(connection, NullDaytonaLog.Instance), cts.Token), cts.Token);
        if (!task.Wait(Limit + TimeSpan.FromMilliseconds(200)) || task.Status != TaskStatus.RanToCompletion)
        {
            cts.Cancel();
            return null;
        }
        lock (state.Gate) state.ResourceCompletionCache[key] = (DateTime.UtcNow, task.Result);
        return task.Result;
    }

    internal static string Quote(string value) =>
        value.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', ';', '(', ')', '{', '}', '@', '&', '|', ',', '#' }) >= 0
            ? "'" + value.Replace("'", "''") + "'"
            : value;
}
