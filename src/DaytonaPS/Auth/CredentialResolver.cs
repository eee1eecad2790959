using System;
using System.Collections.ObjectModel;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Security;
using DaytonaPS.Commands;

namespace DaytonaPS.Auth;

/// <summary>
/// The credential chain, first hit wins: -Context, Connect-Daytona in this runspace, environment
/// (DAYTONA_API_KEY, or DAYTONA_JWT_TOKEN + DAYTONA_ORGANIZATION_ID; DAYTONA_API_URL, DAYTONA_TARGET),
/// SecretManagement opted into with DAYTONA_SECRET_NAME [+ DAYTONA_SECRET_VAULT], the Daytona CLI's
/// active saved login (its config.json), else NotConnected.
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
    public static DaytonaConnection? Resolve(Context? explicitContext, bool allowSecretManagement, bool throwIfNone, Action<string>? warn = null, Cmdlet? cmdlet = null)
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

        var secretName = Env(SecretNameVariable);
        if (secretName is not null)
        {
            // Completers skip the secret (it may prompt) and then use nothing: the CLI's login below
            // would be another credential than the one the command itself will use.
            if (!allowSecretManagement)
            {
                if (throwIfNone) throw ErrorMapper.NotConnected();
                return null;
            }
            var vault = Env(SecretVaultVariable);
            var secret = SecretManagement.GetSecret(secretName, vault, SecretNameVariable, cmdlet);
            var url = ApiUrlFromEnvironment(warn) ?? DaytonaConnection.DefaultApiUrl;
            var target = Env(TargetVariable);
            var detail = SecretManagement.Describe(secretName, vault) + " (" + SecretNameVariable + ")";
            var fingerprint = SecretText.Fingerprint("secret", url, target, secretName, vault, SecretText.Reveal(secret));
            return Reuse(state, fingerprint, () => new DaytonaConnection(url, DaytonaAuthType.ApiKey, secret, null, target,
                CredentialSource.SecretManagement, detail));
        }

        var fromCli = FromDaytonaCli(state, warn);
        if (fromCli is not null) return fromCli;

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

    /// <summary>
    /// The Daytona CLI's active profile, when its config.json exists and has one (re-read at each
    /// command, so a 'daytona login' takes effect at once). No file, no profiles or no active profile:
    /// nothing here (NotConnected follows). An expired login is an error, never a silent skip.
    /// </summary>
    private static DaytonaConnection? FromDaytonaCli(RunspaceState state, Action<string>? warn)
    {
        var path = DaytonaCliConfig.ConfigPath();
        var profiles = DaytonaCliConfig.Read(path);
        var active = profiles?.FirstOrDefault(p => p.IsActive);
        if (active is null || (active.ApiKey is null && active.AccessToken is null)) return null;
        var target = Env(TargetVariable);
        var fingerprint = SecretText.Fingerprint("cli", path, active.Id, active.ApiUrl, target, active.OrganizationId, active.ApiKey, active.AccessToken);
        // Built (and so checked for expiry) at every command, even when an equal connection is reused.
        var connection = DaytonaCliConfig.Connect(active, path!, null, target, CredentialSource.DaytonaCli, " (active, " + path + ")", null, warn);
        var used = Reuse(state, fingerprint, () => connection);
        if (!ReferenceEquals(used, connection)) connection.Dispose();
        return used;
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

    /// <summary>DAYTONA_API_URL (or the deprecated DAYTONA_SERVER_URL), checked: a bad value is a DaytonaInvalidArgument naming the variable.</summary>
    internal static string? ApiUrlFromEnvironment(Action<string>? warn)
    {
        var url = Env(ApiUrlVariable);
        if (url is not null)
        {
            DaytonaConnection.ParseApiUrl(url, ApiUrlVariable);
            return url;
        }
        var legacy = Env(LegacyApiUrlVariable);
        if (legacy is not null)
        {
            warn?.Invoke($"{LegacyApiUrlVariable} is deprecated; use {ApiUrlVariable}.");
            DaytonaConnection.ParseApiUrl(legacy, LegacyApiUrlVariable);
        }
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

    /// <summary>
    /// Returns the secret as a SecureString; a string, SecureString or PSCredential (its password) is accepted.
    /// <paramref name="via"/> says how it was asked for ("Connect-Daytona -SecretName" or DAYTONA_SECRET_NAME),
    /// for the recommendations. Get-Secret's own verbose, warning and information records are handed to
    /// <paramref name="cmdlet"/> (a nested pipeline's streams otherwise go straight to the host, past any redirection).
    /// </summary>
    public static SecureString GetSecret(string name, string? vault, string via, Cmdlet? cmdlet)
    {
        var what = Describe(name, vault);
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        var getSecret = new Command("Get-Secret");
        getSecret.Parameters.Add("Name", name);
        if (vault is not null) getSecret.Parameters.Add("Vault", vault);
        getSecret.Parameters.Add("ErrorAction", ActionPreference.Stop);
        // A nested pipeline's verbose/warning/information records go straight to the host, past the
        // caller's redirection (*>&1, 4>file): merge them into its output and write them as our own.
        foreach (var stream in new[] { PipelineResultTypes.Verbose, PipelineResultTypes.Warning, PipelineResultTypes.Debug, PipelineResultTypes.Information })
            getSecret.MergeMyResults(stream, PipelineResultTypes.Output);
        ps.Commands.AddCommand(getSecret);
        Collection<PSObject> results;
        try
        {
            results = Forward(ps.Invoke(), cmdlet);
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
            throw NotRead(what, via, ex);
        }
        if (ps.HadErrors || results.Count == 0 || results[0] is null)
        {
            throw NotRead(what, via, ps.Streams.Error.FirstOrDefault()?.Exception);
        }
        return results[0].BaseObject switch
        {
            SecureString s when s.Length > 0 => s,
            string text when text.Trim().Length > 0 => SecretText.ToSecureString(text),
            PSCredential credential when credential.Password.Length > 0 => credential.Password,
            SecureString or string or PSCredential => throw new DaytonaException(ErrorIds.InvalidSecret, ErrorCategory.InvalidData,
                $"{what} is empty; it should hold the Daytona API key.", name, terminating: true,
                recommendedAction: $"Store the key in it (Set-Secret -Name {name} -Secret (Read-Host -AsSecureString)), or use another secret with {via}."),
            var other => throw new DaytonaException(ErrorIds.InvalidSecret, ErrorCategory.InvalidType,
                $"{what} is a {other.GetType().Name}; DaytonaPS needs a SecureString, string or PSCredential holding the API key.",
                name, terminating: true,
                recommendedAction: $"Store the key as a string or SecureString (Set-Secret -Name {name} -Secret (Read-Host -AsSecureString)), or use another secret with {via}."),
        };
    }

    /// <summary>Writes the merged stream records through <paramref name="cmdlet"/>; returns the rest (the secret).</summary>
    private static Collection<PSObject> Forward(Collection<PSObject> merged, Cmdlet? cmdlet)
    {
        var rest = new Collection<PSObject>();
        foreach (var item in merged)
        {
            switch (item?.BaseObject)
            {
                case VerboseRecord v: cmdlet?.WriteVerbose(v.Message); break;
                case WarningRecord w: cmdlet?.WriteWarning(w.Message); break;
                case DebugRecord d: cmdlet?.WriteDebug(d.Message); break;
                case InformationRecord i: cmdlet?.WriteInformation(i); break;
                default: rest.Add(item!); break;
            }
        }
        return rest;
    }

    /// <summary>Get-Secret failed or returned nothing: say why, in Get-Secret's words, and what to check.</summary>
    private static DaytonaException NotRead(string what, string via, Exception? inner)
    {
        var reason = inner switch
        {
            null => "Get-Secret returned nothing",
            ActionPreferenceStopException { ErrorRecord: { } record } => record.Exception?.Message ?? record.ToString(),
            _ => inner.Message,
        };
        var undo = via == CredentialResolver.SecretNameVariable
            ? $"or unset {CredentialResolver.SecretNameVariable}"
            : "or connect another way (Connect-Daytona -ApiKey)";
        return new DaytonaException(ErrorIds.SecretNotFound, ErrorCategory.ObjectNotFound,
            $"Cannot read {what}: {reason.TrimEnd('.')}.", terminating: true,
            recommendedAction: $"Check the secret name and vault (Get-SecretInfo), unlock the vault if it is locked (Unlock-SecretStore), {undo}.",
            innerException: inner);
    }
}
