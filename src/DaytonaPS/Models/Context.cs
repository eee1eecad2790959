using System;
using DaytonaPS.Auth;

namespace DaytonaPS;

/// <summary>
/// A Daytona connection as users see it (Connect-Daytona -PassThru, Get-DaytonaContext): where it
/// points and where the credential came from. Holds the credential internally; no property,
/// ToString or format view reveals it. Pass it to -Context to use it explicitly.
/// </summary>
public sealed class Context
{
    internal Context(DaytonaConnection connection)
    {
        Connection = connection;
    }

    internal DaytonaConnection Connection { get; }

    /// <summary>The API base URL, e.g. https://app.daytona.io/api.</summary>
    public string ApiUrl => Connection.ApiUrl;
    /// <summary>ApiKey or Jwt.</summary>
    public DaytonaAuthType AuthType => Connection.AuthType;
    /// <summary>The organization (JWT mode; API keys imply theirs).</summary>
    public string? OrganizationId => Connection.OrganizationId;
    /// <summary>Default region for new sandboxes, if set.</summary>
    public string? Target => Connection.Target;
    /// <summary>ConnectDaytona, Environment, SecretManagement or DaytonaCli.</summary>
    public CredentialSource Source => Connection.Source;
    /// <summary>e.g. "Connect-Daytona -ApiKey", "DAYTONA_API_KEY", "secret 'daytona' in vault 'ci'".</summary>
    public string SourceDetail => Connection.SourceDetail;
    public DateTimeOffset ConnectedAt => Connection.CreatedAt;
    /// <summary>False after Disconnect-Daytona closed it.</summary>
    public bool IsOpen => !Connection.IsDisposed;

    public override string ToString() => $"{ApiUrl} ({AuthType} from {SourceDetail})";
}
