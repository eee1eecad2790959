using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Secret;

/// <summary>Completes Daytona secret names: cached, never prompting (see ResourceCompletion).</summary>
public sealed class SecretCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        ResourceCompletion.Complete("secret", wordToComplete, fakeBoundParameters, async (api, ct) =>
            (IReadOnlyList<(string, string, string)>)(await new SecretOperations(api).ListAsync(null, "name", descending: false, ct).ConfigureAwait(false))
                .Select(s => (s.Id, s.Name, s.Hosts is { Count: > 0 } h ? "hosts " + string.Join(",", h) : "any host")).ToList());
}
