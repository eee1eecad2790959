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
                var shown = api.Kind == DaytonaFailureKind.HttpError && !string.IsNullOrEmpty(api.ServerMessage)
                    ? api.ServerMessage!
                    : api.Message;
                record.ErrorDetails = new ErrorDetails(shown) { RecommendedAction = Recommend(id) };
                return record;
            }
            default:
                return new ErrorRecord(ex, "DaytonaUnexpectedError", ErrorCategory.NotSpecified, target);
        }
    }

    public static (string Id, ErrorCategory Category) Classify(DaytonaApiException ex)
    {
        if (ex.Kind == DaytonaFailureKind.Timeout) return (ErrorIds.Timeout, ErrorCategory.OperationTimeout);
        if (ex.Kind == DaytonaFailureKind.ConnectionFailed) return (ErrorIds.ConnectionFailed, ErrorCategory.ConnectionError);
        return ex.StatusCode switch
        {
            400 or 422 => (ErrorIds.Validation, ErrorCategory.InvalidArgument),
            401 => (ErrorIds.Unauthorized, ErrorCategory.AuthenticationError),
            403 => (ErrorIds.Forbidden, ErrorCategory.PermissionDenied),
            404 or 410 => (ErrorIds.NotFound, ErrorCategory.ObjectNotFound),
            408 or 504 => (ErrorIds.Timeout, ErrorCategory.OperationTimeout),
            409 => (ErrorIds.Conflict, ErrorCategory.ResourceBusy),
            429 => (ErrorIds.RateLimited, ErrorCategory.ResourceUnavailable),
            >= 500 and < 600 => (ErrorIds.ServerError, ErrorCategory.ResourceUnavailable),
            _ => (ErrorIds.ApiError, ErrorCategory.NotSpecified),
        };
    }

    /// <summary>Terminate when nothing else can work: no credential, a rejected credential, no connection.</summary>
    public static bool IsTerminating(Exception ex) => ex switch
    {
        DaytonaException d => d.Terminating,
        DaytonaApiException api => api.Kind == DaytonaFailureKind.ConnectionFailed || api.StatusCode == 401,
        _ => true,
    };

    private static string? Recommend(string id) => id switch
    {
        ErrorIds.Unauthorized => "Check the credential: Connect-Daytona -ApiKey (Read-Host -AsSecureString), or set DAYTONA_API_KEY. Get-DaytonaContext shows where the current one comes from.",
        ErrorIds.Forbidden => "The credential lacks permission for this organization or operation; with a JWT, check -OrganizationId.",
        ErrorIds.RateLimited => "Daytona is throttling this organization; retry later or lower -ThrottleLimit.",
        ErrorIds.ConnectionFailed => "Check -ApiUrl / DAYTONA_API_URL and the network.",
        ErrorIds.Conflict => "Another state change is in progress; wait for it (Wait-DaytonaSandbox) and retry.",
        _ => null,
    };

    /// <summary>The terminating error for "no credential anywhere".</summary>
    public static DaytonaException NotConnected() => new(
        ErrorIds.NotConnected, ErrorCategory.AuthenticationError,
        "Not connected to Daytona: no -Context, no Connect-Daytona in this session, no DAYTONA_API_KEY or DAYTONA_JWT_TOKEN, and no DAYTONA_SECRET_NAME.",
        terminating: true,
        recommendedAction: "Run Connect-Daytona -ApiKey (Read-Host -AsSecureString 'Daytona API key'), or set $env:DAYTONA_API_KEY (with $env:DAYTONA_API_URL for a non-default server). See Get-Help about_DaytonaPS.");
}
