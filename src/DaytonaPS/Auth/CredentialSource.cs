namespace DaytonaPS;

/// <summary>How a Daytona credential authenticates.</summary>
public enum DaytonaAuthType
{
    /// <summary>A Daytona API key (bound to one organization).</summary>
    ApiKey,
    /// <summary>A JWT plus an organization id (X-Daytona-Organization-ID).</summary>
    Jwt,
}

/// <summary>Where the credential in use came from (never the credential itself).</summary>
public enum CredentialSource
{
    /// <summary>Connect-Daytona in this runspace.</summary>
    ConnectDaytona,
    /// <summary>DAYTONA_API_KEY, or DAYTONA_JWT_TOKEN with DAYTONA_ORGANIZATION_ID.</summary>
    Environment,
    /// <summary>A SecretManagement secret opted into with DAYTONA_SECRET_NAME.</summary>
    SecretManagement,
    /// <summary>A login saved by the Daytona CLI (its config.json): Connect-Daytona -Profile, or the chain's last step.</summary>
    DaytonaCli,
}
