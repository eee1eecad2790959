using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using DaytonaPS.Auth;

namespace DaytonaPS.Commands.Connection;

/// <summary>
/// Completes Connect-Daytona -Profile with the Daytona CLI's profile names, read from its
/// config.json only (no request, no prompt, never throwing); the active profile first.
/// </summary>
public sealed class DaytonaCliProfileCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
        return DaytonaCliConfig.ForCompletion()
            .Select(p => (Profile: p, Name: string.IsNullOrEmpty(p.Name) ? p.Id : p.Name))
            .Where(p => p.Name.Length > 0 && p.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(p => p.Profile.IsActive)
            .ThenBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
            .Select(p => new CompletionResult(ResourceCompletion.Quote(p.Name), p.Name, CompletionResultType.ParameterValue,
                $"{p.Name}: {(p.Profile.ApiKey is not null ? "API key" : p.Profile.AccessToken is not null ? "login token" : "no credential")}" +
                $" for {p.Profile.ApiUrl ?? "no API URL"}{(p.Profile.IsActive ? " (active)" : "")}"))
            .ToList();
    }
}
