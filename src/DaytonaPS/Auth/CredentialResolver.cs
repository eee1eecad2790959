using System;
using System.Collections.ObjectModel;
using System.Linq;
using System.Management.Automation;
using System.Security;
using DaytonaPS.Commands;

namespace DaytonaPS.Auth;

/// <summary>
/// The credential chain, first hit wins: -Context, Connect-Daytona in this runspace, environment
/// (DAYTONA_API_KEY, or DAYTONA_JWT_TOKEN + DAYTONA_ORGANIZATION_ID; DAYTONA_API_URL, DAYTONA_TARGET),
/// SecretManagement opted into with DAYTONA_SECRET_NAME [+ DAYTONA_SECRET_VAULT], else NotConnected.
/// Must run on the pipeline thread (it reads per-runspace state and may call Get-Secret).
/// </summary>
internal static class CredentialResolver
{
    public const string ApiKeyVariable = "DAYTONA_API_KEY";
    public const string JwtVariable = "DAYTONA_JWT_TOKEN";
    public const string OrganizationVariable = "DAYTONA_ORGANIZATION_ID";
    public const string ApiUrlVariable = "DAYTONA_API_URL";
    public const string LegacyApiUrlVariable = "DAYTONA_SERVER_URL";
    public const string TargetVariable = "DAYTONA_TARGET";
    public const string SecretNameVariable = "DAYTONA_SECRET_NAME";
    public const string SecretVaultVariable = "DAYTONA_SECRET_VAULT";

    /// <param name="allowSecretManagement">False for completers: Get-Secret may prompt for a vault password.</param>
    /// <returns>The connection, or null when <paramref name="throwIfNone"/> is false and nothing is configured.</returns>
    public static DaytonaConnection? Resolve(Context? explicitContext, bool allowSecretManagement, bool throwIfNone, Action<string>? warn = null)
    {
        if (explicitContext is not null)
        {
            if (explicitContext.Connection.IsDisposed)
            {
                throw new DaytonaException(ErrorIds.ContextClosed, ErrorCategory.InvalidArgument,
                    "The -Context given was closed by Disconnect-Daytona.", explicitContext, terminating: true,
                    recommendedAction: "Run Connect-Daytona -PassThru again and pass the new context.");
            }
            return explicitContext.Connection;
        }

        var state = RunspaceState.Current;
        lock (state.Gate)
        {
            if (state.Connected is { IsDisposed: false } connected) return connected;
        }

        var fromEnv = FromEnvironment(state, warn);
        if (fromEnv is not null) return fromEnv;

        if (allowSecretManagement)
        {
            var secretName = Env(SecretNameVariable);
            if (secretName is not null)
            {
                var vault = Env(SecretVaultVariable);
                var secret = SecretManagement.GetSecret(secretName, vault);
                var url = ApiUrlFromEnvironment(warn) ?? DaytonaConnection.DefaultApiUrl;
                var target = Env(TargetVariable);
                var detail = SecretManagement.Describe(secretName, vault) + " (" + SecretNameVariable + ")";
                var fingerprint = SecretText.Fingerprint("secret", url, target, secretName, vault, SecretText.Reveal(secret));
                return Reuse(state, fingerprint, () => new DaytonaConnection(url, DaytonaAuthType.ApiKey, secret, null, target,
                    CredentialSource.SecretManagement, detail));
            }
        }

        if (throwIfNone) throw ErrorMapper.NotConnected();
        return null;
    }

    private static DaytonaConnection? FromEnvironment(RunspaceState state, Action<string>? warn)
    {
        var apiKey = Env(ApiKeyVariable);
        var jwt = Env(JwtVariable);
        if (apiKey is null && jwt is null) return null;
        var url = ApiUrlFromEnvironment(warn) ?? DaytonaConnection.DefaultApiUrl;
        var target = Env(TargetVariable);
        if (apiKey is not null)
        {
            var fingerprint = SecretText.Fingerprint("key", url, target, apiKey);
            return Reuse(state, fingerprint, () => new DaytonaConnection(url, DaytonaAuthType.ApiKey, SecretText.ToSecureString(apiKey), null, target,
                CredentialSource.Environment, ApiKeyVariable));
        }
        var org = Env(OrganizationVariable);
        if (org is null)
        {
            throw new DaytonaException(ErrorIds.JwtWithoutOrganization, ErrorCategory.InvalidArgument,
                $"{JwtVariable} is set but {OrganizationVariable} is not: a Daytona JWT needs the organization id.",
                terminating: true,
                recommendedAction: $"Set $env:{OrganizationVariable} to your organization id, or use an API key ($env:{ApiKeyVariable}).");
        }
        var jwtFingerprint = SecretText.Fingerprint("jwt", url, target, org, jwt);
        return Reuse(state, jwtFingerprint, () => new DaytonaConnection(url, DaytonaAuthType.Jwt, SecretText.ToSecureString(jwt!), org, target,
            CredentialSource.Environment, JwtVariable + " + " + OrganizationVariable));
    }

    private static DaytonaConnection Reuse(RunspaceState state, string fingerprint, Func<DaytonaConnection> create)
    {
        lock (state.Gate)
        {
            if (state.Ambient is { IsDisposed: false } existing && existing.Fingerprint == fingerprint) return existing;
            // The old one is left to the GC: a context from Get-DaytonaContext may still hold it.
            var connection = create();
            connection.Fingerprint = fingerprint;
            state.Ambient = connection;
            return connection;
        }
    }

    internal static string? ApiUrlFromEnvironment(Action<string>? warn)
    {
        var url = Env(ApiUrlVariable);
        if (url is not null) return url;
        var legacy = Env(LegacyApiUrlVariable);
        if (legacy is not null) warn?.Invoke($"{LegacyApiUrlVariable} is deprecated; use {ApiUrlVariable}.");
        return legacy;
    }

    internal static string? Env(string name)
    {
        var value = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrWhiteSpace(value) ? null : value!.Trim();
    }
}

/// <summary>
/// Reads a secret through whatever Get-Secret the session has (Microsoft.PowerShell.SecretManagement,
/// or a stand-in with the same contract). Never a required module.
/// </summary>
internal static class SecretManagement
{
    public static string Describe(string name, string? vault) =>
        vault is null ? $"secret '{name}'" : $"secret '{name}' in vault '{vault}'";

    /// <summary>Returns the secret as a SecureString; a string, SecureString or PSCredential (its password) is accepted.</summary>
    public static SecureString GetSecret(string name, string? vault)
    {
        var what = Describe(name, vault);
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        ps.AddCommand("Get-Secret").AddParameter("Name", name);
        if (vault is not null) ps.AddParameter("Vault", vault);
        ps.AddParameter("ErrorAction", ActionPreference.Stop);
        Collection<PSObject> results;
        try
        {
            results = ps.Invoke();
        }
        catch (CommandNotFoundException)
        {
            throw new DaytonaException(ErrorIds.SecretManagementUnavailable, ErrorCategory.NotInstalled,
                $"Cannot read {what}: no Get-Secret command is available (Microsoft.PowerShell.SecretManagement is not installed or imported).",
                terminating: true,
                recommendedAction: "Install-PSResource Microsoft.PowerShell.SecretManagement and register a vault, or use Connect-Daytona -ApiKey / DAYTONA_API_KEY.");
        }
        catch (RuntimeException ex)
        {
            throw NotFound(what, ex);
        }
        if (ps.HadErrors || results.Count == 0 || results[0] is null)
        {
            throw NotFound(what, ps.Streams.Error.FirstOrDefault()?.Exception);
        }
        return results[0].BaseObject switch
        {
            SecureString s => s,
            string text when text.Length > 0 => SecretText.ToSecureString(text),
            PSCredential credential => credential.Password,
            _ => throw new DaytonaException(ErrorIds.InvalidSecret, ErrorCategory.InvalidType,
                $"{what} is a {results[0].BaseObject.GetType().Name}; DaytonaPS needs a SecureString, string or PSCredential holding the API key.",
                terminating: true),
        };
    }

    private static DaytonaException NotFound(string what, Exception? inner) => new(
        ErrorIds.SecretNotFound, ErrorCategory.ObjectNotFound,
        $"Cannot read {what}: Get-Secret did not return it.", terminating: true,
        recommendedAction: "Check the secret name and vault (Get-SecretInfo), or unset DAYTONA_SECRET_NAME.", innerException: inner);
}
