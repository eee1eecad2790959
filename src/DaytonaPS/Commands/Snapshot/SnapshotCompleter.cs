using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Snapshot;

/// <summary>Completes snapshot names (New-DaytonaSandbox -Snapshot, the snapshot cmdlets): cached, never prompting.</summary>
public sealed class SnapshotCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        ResourceCompletion.Complete("snapshot", wordToComplete, fakeBoundParameters, async (api, ct) =>
            (IReadOnlyList<(string, string, string)>)(await new SnapshotOperations(api).ListAllAsync(null, ct).ConfigureAwait(false))
                .Select(s => (s.Id, s.Name, s.State ?? "unknown")).ToList());
}

/// <summary>Completes Daytona's snapshot states.</summary>
public sealed class SnapshotStateCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
        return SnapshotStates.Known
            .Where(s => s.StartsWith(prefix, System.StringComparison.OrdinalIgnoreCase))
            .Select(s => new CompletionResult(s, s, CompletionResultType.ParameterValue, s));
    }
}

/// <summary>Completes Daytona's sandbox classes (New-DaytonaSnapshot -SandboxClass); the set is open, so other values pass.</summary>
public sealed class SandboxClassCompleter : IArgumentCompleter
{
    internal static readonly string[] Known = { "container", "linux-vm", "windows", "android" };

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) => Fixed.Complete(Known, wordToComplete);
}

/// <summary>Completes Daytona's GPU types (New-DaytonaSnapshot -GpuType), as the 0.218 client lists them.</summary>
public sealed class GpuTypeCompleter : IArgumentCompleter
{
    internal static readonly string[] Known = { "H100", "H200", "B300", "RTX-PRO-6000", "RTX-4090", "RTX-5090", "MI355X" };

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) => Fixed.Complete(Known, wordToComplete);
}

internal static class Fixed
{
    public static IEnumerable<CompletionResult> Complete(IEnumerable<string> values, string? wordToComplete)
    {
        var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
        return values.Where(s => s.StartsWith(prefix, System.StringComparison.OrdinalIgnoreCase))
            .Select(s => new CompletionResult(s, s, CompletionResultType.ParameterValue, s));
    }
}
