using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Auth;

namespace DaytonaPS.Commands.Sandbox;

/// <summary>
/// Completes sandbox names (and ids for -Id) from the live service: one list call with a 2 s
/// limit, cached per runspace for 15 s, never prompting (SecretManagement is skipped) and never throwing.
/// </summary>
public sealed class SandboxCompleter : IArgumentCompleter
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(2);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            return Complete(parameterName, wordToComplete, fakeBoundParameters);
        }
        catch (Exception)
        {
            return Array.Empty<CompletionResult>();
        }
    }

    private static IEnumerable<CompletionResult> Complete(string parameterName, string word, IDictionary fakeBoundParameters)
    {
        var context = fakeBoundParameters?["Context"] is { } c ? (c is PSObject p ? p.BaseObject : c) as Context : null;
        var connection = CredentialResolver.Resolve(context, allowSecretManagement: false, throwIfNone: false);
        if (connection is null) return Array.Empty<CompletionResult>();

        var state = RunspaceState.Current;
        var cacheKey = connection.ApiUrl + "|" + System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(connection);
        IReadOnlyList<(string Id, string Name, string State)>? items = null;
        lock (state.Gate)
        {
            if (state.CompletionCache is { } cache && cache.Key == cacheKey && DateTime.UtcNow - cache.FetchedAt < CacheFor) items = cache.Items;
        }
        if (items is null)
        {
            using var cts = new CancellationTokenSource(Limit);
            var task = Task.Run(async () =>
            {
                var api = new DaytonaApiClient(connection, NullDaytonaLog.Instance);
                var page = await api.ListSandboxesAsync(new SandboxListQuery { Limit = SandboxListQuery.MaxPageSize }, null, cts.Token).ConfigureAwait(false);
                return (IReadOnlyList<(string, string, string)>)(page?.Items ?? new List<SandboxDto>())
                    .Select(s => (s.Id, string.IsNullOrEmpty(s.Name) ? s.Id : s.Name!, s.State ?? "unknown")).ToList();
            }, cts.Token);
            if (!task.Wait(Limit + TimeSpan.FromMilliseconds(200)) || task.Status != TaskStatus.RanToCompletion)
            {
                cts.Cancel();
                return Array.Empty<CompletionResult>();
            }
            items = task.Result;
            lock (state.Gate) state.CompletionCache = (cacheKey, DateTime.UtcNow, items);
        }

        var prefix = word.Trim('\'', '"');
        var results = new List<CompletionResult>();
        foreach (var (id, name, st) in items.OrderBy(i => i.Name, StringComparer.OrdinalIgnoreCase))
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                results.Add(new CompletionResult(Quote(name), name, CompletionResultType.ParameterValue, $"{name} ({id}, {st})"));
            else if (parameterName == "Id" && id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                results.Add(new CompletionResult(Quote(id), id, CompletionResultType.ParameterValue, $"{name} ({id}, {st})"));
        }
        return results;
    }

    private static string Quote(string value) =>
        value.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', ';', '(', ')', '{', '}', '@', '&', '|', ',', '#' }) >= 0
            ? "'" + value.Replace("'", "''") + "'"
            : value;
}

/// <summary>Completes Daytona's documented sandbox states.</summary>
public sealed class SandboxStateCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
        return SandboxStates.Known
            .Where(s => s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(s => new CompletionResult(s, s, CompletionResultType.ParameterValue, s));
    }
}
