using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace DaytonaPS.Commands.Sandbox;

/// <summary>
/// Checks New-DaytonaSandbox and Set-DaytonaSandbox share, the ones Daytona's TypeScript SDK makes before it calls
/// (so a mistake is an argument error, not a round trip): the interval rules and the secret and environment names.
/// Each returns the message of the problem, or null.
/// </summary>
internal static class SandboxSettingRules
{
    private static readonly Regex EnvName = new("^[a-zA-Z_][a-zA-Z0-9_]*$", RegexOptions.CultureInvariant);

    /// <summary>The toolbox languages the SDK accepts for the code-toolbox-language label.</summary>
    public static readonly string[] Languages = { "python", "typescript", "javascript" };

    /// <summary>SDK create(): auto-stop and auto-pause are exclusive; an ephemeral sandbox cannot auto-pause.</summary>
    public static string? CheckAutoPause(int? autoStopMinutes, int? autoPauseMinutes, bool ephemeral)
    {
        if (autoPauseMinutes is not > 0) return null;
        if (autoStopMinutes is > 0)
            return "-AutoStopMinutes and -AutoPauseMinutes exclude each other: give at most one of them a non-zero value.";
        if (ephemeral)
            return "An ephemeral sandbox (-Ephemeral or -AutoDeleteMinutes 0) cannot auto-pause: use -AutoPauseMinutes 0.";
        return null;
    }

    /// <summary>-Secret @{ENV_NAME = 'secretName'}: the wire's list of one-key objects, in the table's order.</summary>
    public static List<Dictionary<string, string>> SecretMounts(IDictionary table, out string? problem)
    {
        problem = null;
        var mounts = new List<Dictionary<string, string>>();
        foreach (var pair in ParameterMaps.ToStringMap(table))
        {
            if (!EnvName.IsMatch(pair.Key))
            {
                problem = $"-Secret key '{pair.Key}' is not an environment variable name (a letter or '_', then letters, digits and '_').";
                return mounts;
            }
            if (string.IsNullOrWhiteSpace(pair.Value))
            {
                problem = $"-Secret '{pair.Key}' names no secret: give the name of a Daytona secret (Get-DaytonaSecret).";
                return mounts;
            }
            mounts.Add(new Dictionary<string, string>(StringComparer.Ordinal) { [pair.Key] = pair.Value.Trim() });
        }
        return mounts;
    }

    /// <summary>Environment variable names for -Environment/-RemoveEnvironment: no '=', no NUL, not empty.</summary>
    public static string? CheckEnvironmentNames(IEnumerable<string> names)
    {
        var bad = names.FirstOrDefault(n => n.Length == 0 || n.IndexOf('=') >= 0 || n.IndexOf('\0') >= 0);
        return bad is null ? null : $"'{bad}' is not an environment variable name (it must not be empty or contain '=').";
    }
}
