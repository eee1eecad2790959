using System;
using System.Management.Automation;
using DaytonaPS.Api;

namespace DaytonaPS.Commands;

/// <summary>
/// The one exception funnel: maps API and module failures to ErrorRecords with a stable id, a
/// deliberate category, the sandbox as TargetObject and Daytona's own message in ErrorDetails.
/// The original exception stays as ErrorRecord.Exception.
/// </summary>
internal static class ErrorMapper
{
    public static bool CanMap(Exception ex) => ex is DaytonaApiException || ex is DaytonaException;

    public static ErrorRecord ToErrorRecord(Exception ex, object? target)
    {
        var record = Map(ex, target);
        if (AzurePipelines.Detected) ForAgentLog(record);
        return record;
    }

    /// <summary>
    /// An error's text is printed to the agent's log, and may quote a command or a sandbox's
    /// output: what PowerShell displays (ErrorDetails) is neutralised there so no line of it is a
    /// logging command. The exception keeps the real message.
    /// </summary>
    private static void ForAgentLog(ErrorRecord record)
    {
        var shown = record.ErrorDetails?.Message;
        if (string.IsNullOrEmpty(shown)) shown = record.Exception?.Message;
        var safe = AzurePipelines.Neutralise(shown);
        if (safe == shown) return;
        record.ErrorDetails = new ErrorDetails(safe) { RecommendedAction = record.ErrorDetails?.RecommendedAction };
    }

    private static ErrorRecord Map(Exception ex, object? target)
    {
        switch (ex)
        {
            case DaytonaException d:
            {
                var record = new ErrorRecord(d, d.ErrorId, d.Category, target ?? d.Target);
                if (d.RecommendedAction is not null) record.ErrorDetails = new ErrorDetails(d.Message) { RecommendedAction = d.RecommendedAction };
                return record;
            }
            case DaytonaApiException api:
            {
                var (id, category) = Classify(api);
                var record = new ErrorRecord(api, id, category, target);
                var shown = api.HasResponse && !string.IsNullOrEmpty(api.ServerMessage)
                    ? api.ServerMessage!
                    : api.Message;
                record.ErrorDetails = new ErrorDetails(shown) { RecommendedAction = Recommend(api) };
                return record;
            }
            default:
                return new ErrorRecord(ex, "DaytonaUnexpectedError", ErrorCategory.NotSpecified, target);
        }
    }

    /// <summary>The error id and category of a failure kind (see <see cref="DaytonaFailureKind"/>).</summary>
    public static (string Id, ErrorCategory Category) Classify(DaytonaApiException ex) => ex.Kind switch
    {
        DaytonaFailureKind.Timeout => (ErrorIds.Timeout, ErrorCategory.OperationTimeout),
        DaytonaFailureKind.ConnectionFailed => (ErrorIds.ConnectionFailed, ErrorCategory.ConnectionError),
        DaytonaFailureKind.InvalidRequest => (ErrorIds.Validation, ErrorCategory.InvalidArgument),
        DaytonaFailureKind.Unauthorized => (ErrorIds.Unauthorized, ErrorCategory.AuthenticationError),
        DaytonaFailureKind.Forbidden => (ErrorIds.Forbidden, ErrorCategory.PermissionDenied),
        DaytonaFailureKind.NotFound => (ErrorIds.NotFound, ErrorCategory.ObjectNotFound),
        DaytonaFailureKind.NameTaken => (ErrorIds.Conflict, ErrorCategory.ResourceExists),
        DaytonaFailureKind.Busy => (ErrorIds.Conflict, ErrorCategory.ResourceBusy),
        DaytonaFailureKind.Throttled => (ErrorIds.RateLimited, ErrorCategory.ResourceUnavailable),
        DaytonaFailureKind.ServerError => (ErrorIds.ServerError, ErrorCategory.ResourceUnavailable),
        DaytonaFailureKind.NotStarted => (ErrorIds.SandboxNotStarted, ErrorCategory.InvalidOperation),
        DaytonaFailureKind.UnexpectedReply => (ErrorIds.ApiError, ErrorCategory.InvalidResult),
        DaytonaFailureKind.PathNotFound => (ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound),
        DaytonaFailureKind.AccessDenied => (ErrorIds.AccessDenied, ErrorCategory.PermissionDenied),
        DaytonaFailureKind.PathExists => (ErrorIds.PathExists, ErrorCategory.ResourceExists),
        DaytonaFailureKind.GitAuthenticationFailed => (ErrorIds.GitAuthenticationFailed, ErrorCategory.AuthenticationError),
        DaytonaFailureKind.GitConflict => (ErrorIds.GitConflict, ErrorCategory.InvalidOperation),
        _ => (ErrorIds.ApiError, ErrorCategory.NotSpecified),
    };

    /// <summary>
    /// Terminate only when nothing else can work: no credential, or a credential Daytona rejects.
    /// A lost or refused connection is that item's failure (the next sandbox of a fan-out may well
    /// work, e.g. after one reset), so it is written as a non-terminating error.
    /// </summary>
    public static bool IsTerminating(Exception ex) => ex switch
    {
        DaytonaException d => d.Terminating,
        DaytonaApiException api => api.Kind == DaytonaFailureKind.Unauthorized,
        _ => true,
    };

    private static string? Recommend(DaytonaApiException ex) => ex.Kind switch
    {
        DaytonaFailureKind.Unauthorized => ex.CredentialSource is { } cli && cli.StartsWith("Daytona CLI profile", StringComparison.Ordinal)
            ? $"Daytona rejected the login saved in {cli}: run 'daytona login' to renew it (then Connect-Daytona -Profile again if you used it), or connect with an API key."
            : ex.CredentialSource is { } source
            ? $"Daytona rejected the credential from {source}: check that it holds a valid, unexpired key for this API URL (Get-DaytonaContext shows which is in use)."
            : "Check the credential: Connect-Daytona -ApiKey (Read-Host -AsSecureString), or set DAYTONA_API_KEY. Get-DaytonaContext shows where the current one comes from.",
        DaytonaFailureKind.Forbidden => "The credential lacks permission for this organization or operation; with a JWT, check -OrganizationId.",
        DaytonaFailureKind.Throttled => "Daytona is throttling this organization; retry later or lower -ThrottleLimit.",
        DaytonaFailureKind.ConnectionFailed => "Check -ApiUrl / DAYTONA_API_URL and the network.",
        DaytonaFailureKind.NameTaken => "The name is taken by a live sandbox: choose another -Name, or use the existing one (Get-DaytonaSandbox -Name <name>), or remove it first (Get-DaytonaSandbox -Name <name> | Remove-DaytonaSandbox).",
        DaytonaFailureKind.Busy => "Another state change is in progress; wait for it (Wait-DaytonaSandbox) and retry.",
        DaytonaFailureKind.PathNotFound => "Check the path: Get-DaytonaChildItem lists what a sandbox folder holds (relative paths start at the sandbox user's home).",
        DaytonaFailureKind.AccessDenied => "The sandbox user may not access this path; choose a path it owns (e.g. under /home/daytona or /tmp), or change its permissions with Set-DaytonaItemPermission.",
        DaytonaFailureKind.PathExists => "Something already exists at the destination: remove it first (Remove-DaytonaItem), or choose another name.",
        DaytonaFailureKind.GitAuthenticationFailed => "The git server rejected the credentials: pass -Credential (user name and password or token) for the repository.",
        DaytonaFailureKind.GitConflict => "Git refused the change: pull first (Update-DaytonaGitBranch), commit or discard local changes (Get-DaytonaGitStatus shows them), or choose another name or folder.",
        DaytonaFailureKind.NotStarted => "Start the sandbox first (Start-DaytonaSandbox), or add -AutoStart where the cmdlet offers it.",
        _ => null,
    };

    /// <summary>The terminating error for "no credential anywhere".</summary>
    public static DaytonaException NotConnected() => new(
        ErrorIds.NotConnected, ErrorCategory.AuthenticationError,
        "Not connected to Daytona: no -Context, no Connect-Daytona in this session, no DAYTONA_API_KEY or DAYTONA_JWT_TOKEN, no DAYTONA_SECRET_NAME, and no saved login of the Daytona CLI.",
        terminating: true,
        recommendedAction: "Run Connect-Daytona -ApiKey (Read-Host -AsSecureString 'Daytona API key'), or set $env:DAYTONA_API_KEY (with $env:DAYTONA_API_URL for a non-default server), or run 'daytona login'. See Get-Help about_DaytonaPS.");
}
