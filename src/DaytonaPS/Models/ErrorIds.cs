namespace DaytonaPS;

/// <summary>
/// The stable error ids of DaytonaPS (the first part of FullyQualifiedErrorId). Scripts may rely
/// on them: <c>catch { if ($_.FullyQualifiedErrorId -like 'DaytonaNotFound,*') { ... } }</c>.
/// </summary>
public static class ErrorIds
{
    public const string NotFound = "DaytonaNotFound";
    public const string Unauthorized = "DaytonaUnauthorized";
    public const string Forbidden = "DaytonaForbidden";
    public const string Conflict = "DaytonaConflict";
    public const string RateLimited = "DaytonaRateLimited";
    public const string Validation = "DaytonaValidation";
    public const string ServerError = "DaytonaServerError";
    public const string ConnectionFailed = "DaytonaConnectionFailed";
    public const string Timeout = "DaytonaTimeout";
    public const string ApiError = "DaytonaApiError";
    public const string NotConnected = "NotConnected";
    public const string JwtWithoutOrganization = "DaytonaJwtWithoutOrganization";
    public const string SecretNotFound = "DaytonaSecretNotFound";
    public const string SecretManagementUnavailable = "DaytonaSecretManagementUnavailable";
    public const string InvalidSecret = "DaytonaInvalidSecret";
    // The Daytona CLI's saved logins (Connect-Daytona -Profile, the chain's last step)
    public const string CliProfileNotFound = "DaytonaCliProfileNotFound";
    public const string CliLoginExpired = "DaytonaCliLoginExpired";
    public const string CliConfigInvalid = "DaytonaCliConfigInvalid";
    public const string InvalidArgument = "DaytonaInvalidArgument";
    /// <summary>A change needed confirmation and the host cannot ask (non-interactive); nothing was changed.</summary>
    public const string ConfirmationRequired = "DaytonaConfirmationRequired";
    public const string SandboxFailed = "DaytonaSandboxFailed";
    public const string ContextClosed = "DaytonaContextClosed";
    public const string CommandTimeout = "DaytonaCommandTimeout";
    public const string CommandFailed = "DaytonaCommandFailed";
    /// <summary>Send-DaytonaCommandInput to a command that has ended (Daytona's 410).</summary>
    public const string CommandEnded = "DaytonaCommandEnded";
    // SSH (Enter-DaytonaSsh, New-/Revoke-DaytonaSshAccess)
    public const string SshNotInteractive = "DaytonaSshNotInteractive";
    public const string SshClientNotFound = "DaytonaSshClientNotFound";
    public const string SshAccessUnparsable = "DaytonaSshAccessUnparsable";
    public const string SshConfigFailed = "DaytonaSshConfigFailed";
    public const string SshLaunchFailed = "DaytonaSshLaunchFailed";
    public const string SandboxNotStarted = "DaytonaSandboxNotStarted";
    // Files (Copy-DaytonaItem, Get-DaytonaChildItem, ...)
    public const string PathNotFound = "DaytonaPathNotFound";
    public const string AccessDenied = "DaytonaAccessDenied";
    public const string PathExists = "DaytonaPathExists";
    public const string LocalIOFailed = "DaytonaLocalIOFailed";
    // The local emulator (Start-/Stop-DaytonaEmulator)
    public const string EmulatorNotFound = "DaytonaEmulatorNotFound";
    public const string EmulatorFailed = "DaytonaEmulatorFailed";
    // Code (Invoke-DaytonaCode, *-DaytonaCodeContext)
    public const string CodeTimeout = "DaytonaCodeTimeout";
    public const string CodeFailed = "DaytonaCodeFailed";
    // Terminal (Enter-DaytonaTerminal)
    public const string TerminalNotInteractive = "DaytonaTerminalNotInteractive";
    // Git (Copy-DaytonaGitRepository, Push-DaytonaGitBranch, ...)
    public const string GitAuthenticationFailed = "DaytonaGitAuthenticationFailed";
    public const string GitConflict = "DaytonaGitConflict";
    // Snapshots and volumes
    public const string SnapshotFailed = "DaytonaSnapshotFailed";
    public const string SandboxNotPaused = "DaytonaSandboxNotPaused";
    public const string RetainFailed = "DaytonaRetainFailed";
    public const string VolumeFailed = "DaytonaVolumeFailed";
    // Forks (Copy-DaytonaSandbox)
    public const string ForkNotSupported = "DaytonaForkNotSupported";
    public const string SnapshotSourceNotReady = "DaytonaSnapshotSourceNotReady";
}
