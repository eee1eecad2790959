using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Volume;

/// <summary>
/// Completes volume names (ready ones first in Daytona's order): cached, never prompting. For
/// New-DaytonaSandbox -Volume it completes 'name:/' so that the mount path follows.
/// </summary>
public sealed class VolumeCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var forMount = parameterName == "Volume";
        // 'name:/path' already has its name: nothing to complete.
        if (forMount && (wordToComplete ?? string.Empty).Contains(":")) return new CompletionResult[0];
        return ResourceCompletion.Complete("volume", wordToComplete, fakeBoundParameters, async (api, ct) =>
            (IReadOnlyList<(string, string, string)>)(await new VolumeOperations(api).ListAsync(false, ct).ConfigureAwait(false))
                .Select(v => (v.Id, v.Name, v.State ?? "unknown")).ToList(),
            forMount ? name => name + ":/" : null);
    }
}
