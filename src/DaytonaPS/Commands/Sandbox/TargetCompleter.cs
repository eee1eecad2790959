using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Net.Http;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Sandbox;

/// <summary>
/// Completes targets (Daytona's regions, GET /regions) for -Target: cached, never prompting,
/// never throwing (see <see cref="ResourceCompletion"/>).
/// </summary>
public sealed class TargetCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        ResourceCompletion.Complete("target", wordToComplete, fakeBoundParameters, async (api, ct) =>
            (IReadOnlyList<(string, string, string)>)((await api.SendJsonAsync<List<RegionDto>>(HttpMethod.Get, "/regions", null, RetryMode.Idempotent, ct).ConfigureAwait(false))
                ?? new List<RegionDto>())
                .Where(r => !string.IsNullOrEmpty(r.Id))
                .Select(r => (r.Id!, r.Id!, string.IsNullOrEmpty(r.RegionType) ? "region" : r.RegionType + " region"))
                .ToList());
}
