using System;
using System.Management.Automation;
using System.Security;
using DaytonaPS.Api;
using DaytonaPS.Auth;

namespace DaytonaPS.Commands.Connection;

/// <summary>Connect-Daytona: sets the credential for this PowerShell session (runspace).</summary>
[Cmdlet(VerbsCommunications.Connect, "Daytona", DefaultParameterSetName = ApiKeySet)]
[OutputType(typeof(Context))]
public sealed class ConnectDaytonaCommand : DaytonaCmdlet
{
    private const string ApiKeySet = "ApiKey";
    private const string JwtSet = "Jwt";
    private const string CredentialSet = "Credential";
    private const string SecretSet = "Secret";
    private const string ProfileSet = "DaytonaCli";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ApiKeySet)]
    [ValidateNotNull]
    public SecureString ApiKey { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = JwtSet)]
    [ValidateNotNull]
    public SecureString JwtToken { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = JwtSet)]
    [ValidateNotNullOrEmpty]
    public string OrganizationId { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = CredentialSet)]
    [ValidateNotNull]
    [Credential]
    public PSCredential Credential { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = SecretSet)]
    [ValidateNotNullOrEmpty]
    public string SecretName { get; set; } = null!;

    [Parameter(ParameterSetName = SecretSet)]
    [ValidateNotNullOrEmpty]
    public string? Vault { get; set; }

    /// <summary>A login saved by the Daytona CLI, by name or id (default: the CLI's active profile).</summary>
    [Parameter(ParameterSetName = ProfileSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DaytonaCliProfileCompleter))]
    public string? Profile { get; set; }

    /// <summary>Use the Daytona CLI's active saved login (the same as -Profile with the active profile's name).</summary>
    [Parameter(ParameterSetName = ProfileSet)]
    public SwitchParameter DaytonaCli { get; set; }

    /// <summary>Default: $env:DAYTONA_API_URL, else https://app.daytona.io/api (with -Profile: the profile's URL).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ApiUrl { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DaytonaPS.Commands.Sandbox.TargetCompleter))]
    public string? Target { get; set; }

    [Parameter]
    [ValidateRange(1, 3600)]
    public int RequestTimeoutSec { get; set; } = (int)DaytonaClientSettings.DefaultRequestTimeout.TotalSeconds;

    [Parameter]
    [ValidateRange(0, 20)]
    public int MaximumRetryCount { get; set; } = DaytonaClientSettings.DefaultMaxRetries;

    /// <summary>Longest wait between retries, also the clamp for Daytona's Retry-After headers.</summary>
    [Parameter]
    [ValidateRange(0, 600)]
    public int MaximumRetryDelaySec { get; set; } = 30;

    [Parameter]
    public SwitchParameter SkipValidation { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        // A CLI profile's key or token belongs to the profile's own server: only an explicit -ApiUrl replaces it.
        var url = ParameterSetName == ProfileSet
            ? ApiUrl ?? string.Empty
            : ApiUrl ?? CredentialResolver.ApiUrlFromEnvironment(WriteWarning) ?? DaytonaConnection.DefaultApiUrl;
        var target = Target ?? CredentialResolver.Env(CredentialResolver.TargetVariable);
        var settings = new DaytonaClientSettings
        {
            RequestTimeout = TimeSpan.FromSeconds(RequestTimeoutSec),
            MaxRetries = MaximumRetryCount,
            MaxRetryDelay = TimeSpan.FromSeconds(MaximumRetryDelaySec),
        };
        if (settings.RetryBaseDelay > settings.MaxRetryDelay) settings.RetryBaseDelay = settings.MaxRetryDelay;
        settings.TotalTimeout = TimeSpan.FromSeconds(Math.Max(settings.TotalTimeout.TotalSeconds, RequestTimeoutSec * 2.0));

        DaytonaConnection connection;
        try
        {
            connection = ParameterSetName switch
            {
                JwtSet => new DaytonaConnection(url, DaytonaAuthType.Jwt, JwtToken, OrganizationId, target,
                    CredentialSource.ConnectDaytona, "Connect-Daytona -JwtToken", settings),
                CredentialSet => new DaytonaConnection(url, DaytonaAuthType.ApiKey, Credential.Password, null, target,
                    CredentialSource.ConnectDaytona, "Connect-Daytona -Credential", settings),
                SecretSet => new DaytonaConnection(url, DaytonaAuthType.ApiKey, SecretManagement.GetSecret(SecretName, Vault, "Connect-Daytona -SecretName", this), null, target,
                    CredentialSource.SecretManagement, SecretManagement.Describe(SecretName, Vault) + " (Connect-Daytona -SecretName)", settings),
                ProfileSet => ConnectProfile(target, settings),
                _ => new DaytonaConnection(url, DaytonaAuthType.ApiKey, ApiKey, null, target,
                    CredentialSource.ConnectDaytona, "Connect-Daytona -ApiKey", settings),
            };
        }
        catch (DaytonaException ex)
        {
            ThrowTerminatingError(ErrorMapper.ToErrorRecord(ex, ParameterSetName == ProfileSet ? Profile : SecretName));
            return;
        }

        if (!SkipValidation)
        {
            try
            {
                RunFor(async (pipe, ct) =>
                {
                    var api = new DaytonaApiClient(connection, pipe);
                    await api.ListSandboxesAsync(new SandboxListQuery { Limit = 1 }, null, ct).ConfigureAwait(false);
                    return true;
                });
            }
            catch (Exception ex) when (ErrorMapper.CanMap(ex))
            {
                connection.Dispose();
                ThrowTerminatingError(ErrorMapper.ToErrorRecord(ex, connection.ApiUrl));
                return;
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        var state = RunspaceState.Current;
        lock (state.Gate)
        {
            // The previous connection is not disposed: a context from -PassThru may still use it.
            state.Connected = connection;
        }
        // One line on the information stream (shown by default like Write-Host, silenced with
        // -InformationAction Ignore as Write-Host is, never part of the output): where and how, never the key.
        WriteInformation(new HostInformationMessage { Message = ConnectedLine(connection, SkipValidation) }, new[] { "PSHOST", "DaytonaPS" });
        if (PassThru) WriteObject(new Context(connection));
    }

    private DaytonaConnection ConnectProfile(string? target, DaytonaClientSettings settings)
    {
        var path = DaytonaCliConfig.ConfigPath();
        var profile = DaytonaCliConfig.Select(DaytonaCliConfig.Read(path), Profile, path);
        WriteVerbose($"Daytona CLI config: {path}; profile {profile.Display}{(profile.IsActive ? " (active)" : "")}, {(profile.ApiKey is not null ? "API key" : "login token")}.");
        return DaytonaCliConfig.Connect(profile, path!, ApiUrl, target, CredentialSource.DaytonaCli, " (Connect-Daytona -Profile)", settings, WriteWarning);
    }

    internal static string ConnectedLine(DaytonaConnection connection, bool skippedValidation)
    {
        var how = connection.AuthType == DaytonaAuthType.Jwt
            ? $"a JWT for organization {connection.OrganizationId}"
            : "an API key";
        var target = string.IsNullOrEmpty(connection.Target) ? "" : $", default target {connection.Target}";
        var checkedText = skippedValidation ? "not checked (-SkipValidation)" : "checked";
        return $"Connected to {connection.ApiUrl} with {how} from {connection.SourceDetail}{target}; {checkedText}.";
    }
}
