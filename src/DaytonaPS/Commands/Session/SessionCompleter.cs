using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Session;

/// <summary>
/// Completes -SessionId with the sessions of the sandbox already named on the command line (-Id,
/// -SandboxId or -InputObject: a name, an id or a DaytonaPS.Sandbox in a variable), from the live
/// toolbox (GET /process/session), cached, never prompting, never throwing (see
/// <see cref="ResourceCompletion"/>). Invoke-DaytonaCommand's own sessions are left out. Without a
/// sandbox there is nothing to complete.
/// </summary>
public sealed class SessionCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var (idOrName, known) = Sandbox(fakeBoundParameters);
        if (idOrName is null) return System.Array.Empty<CompletionResult>();
        return ResourceCompletion.Complete("session|" + idOrName, wordToComplete, fakeBoundParameters, async (api, ct) =>
        {
            var (toolbox, _) = await ToolboxClient.ForSandboxAsync(api, idOrName, known, ct).ConfigureAwait(false);
            return (IReadOnlyList<(string, string, string)>)(await toolbox.ListSessionsAsync(ct).ConfigureAwait(false))
                .Where(s => !s.SessionId.StartsWith(ExecSessionPool.SessionPrefix, System.StringComparison.Ordinal))
                .Select(s => (s.SessionId, s.SessionId, (s.Commands?.Count ?? 0) == 1 ? "1 command" : $"{s.Commands?.Count ?? 0} commands"))
                .ToList();
        });
    }

    /// <summary>The first sandbox given on the command line, as an id or name, and the object when one was given.</summary>
    private static (string? IdOrName, DaytonaPS.Sandbox? Known) Sandbox(IDictionary? bound)
    {
        if (bound is null) return (null, null);
        foreach (var name in new[] { "InputObject", "Id", "SandboxId" })
        {
            if (!bound.Contains(name)) continue;
            var value = bound[name];
            if (value is PSObject p) value = p.BaseObject;
            if (value is IEnumerable list and not string) value = list.Cast<object?>().FirstOrDefault();
            if (value is PSObject q) value = q.BaseObject;
            switch (value)
            {
                case DaytonaPS.Sandbox sandbox: return (sandbox.Id, sandbox);
                case string text when text.Trim().Length > 0: return (text.Trim(), null);
            }
        }
        return (null, null);
    }
}
