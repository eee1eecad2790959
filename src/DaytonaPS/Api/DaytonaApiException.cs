using System;
using System.Collections.Generic;

namespace DaytonaPS.Api;

/// <summary>
/// What went wrong with a call to Daytona, decided where the response (or its absence) is read, so
/// that callers switch on what a failure means instead of on status codes.
/// </summary>
public enum DaytonaFailureKind
{
    /// <summary>Daytona answered with an error status that no other kind describes.</summary>
    HttpError,
    /// <summary>No answer: the connection could not be made or was lost.</summary>
    ConnectionFailed,
    /// <summary>The call (or its total retry budget) ran out of time, or Daytona answered 408/504.</summary>
    Timeout,
    /// <summary>400/422: Daytona refused the request as invalid.</summary>
    InvalidRequest,
    /// <summary>401: the credential was rejected.</summary>
    Unauthorized,
    /// <summary>403: the credential lacks permission.</summary>
    Forbidden,
    /// <summary>404/410: the sandbox, session, command or file does not exist (any more).</summary>
    NotFound,
    /// <summary>409 "already exists": the name is taken by a live resource.</summary>
    NameTaken,
    /// <summary>409 otherwise: another state change is in progress, or the resource is in use.</summary>
    Busy,
    /// <summary>429: Daytona is throttling; nothing was done.</summary>
    Throttled,
    /// <summary>5xx other than 504.</summary>
    ServerError,
    /// <summary>The toolbox refused because the sandbox is not started (Daytona's proxy answers 400).</summary>
    NotStarted,
    /// <summary>A 2xx reply that lacks what it should carry, or is not the expected JSON.</summary>
    UnexpectedReply,
    /// <summary>A file or folder in a sandbox does not exist (the toolbox's 404 on a file route).</summary>
    PathNotFound,
    /// <summary>The sandbox user may not read or write a path (the toolbox's 403 on a file route).</summary>
    AccessDenied,
    /// <summary>A file route refused to replace what already exists at a path (409).</summary>
    PathExists,
    /// <summary>A git server refused the git credentials (a git route's 401/403; not the Daytona key).</summary>
    GitAuthenticationFailed,
    /// <summary>A git route refused a change that conflicts (409: rejected push, dirty tree, branch or folder exists).</summary>
    GitConflict,
}

/// <summary>
/// A failed call to the Daytona API. Carries what the failure means (<see cref="Kind"/>), the status,
/// Daytona's own message and whether a retry could help. Never carries a credential: the request
/// path is redacted before it is stored.
/// </summary>
public sealed class DaytonaApiException : Exception
{
    public DaytonaApiException(
        string message,
        DaytonaFailureKind kind,
        int statusCode,
        string method,
        string path,
        string? serverMessage = null,
        string? errorCode = null,
        TimeSpan? retryAfter = null,
        Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        StatusCode = statusCode;
        Method = method;
        Path = path;
        ServerMessage = serverMessage;
        ErrorCode = errorCode;
        RetryAfter = retryAfter;
    }

    /// <summary>What the failure means.</summary>
    public DaytonaFailureKind Kind { get; }

    /// <summary>The HTTP status, or 0 when there was no response.</summary>
    public int StatusCode { get; }

    /// <summary>True when Daytona answered (with an error status), false when no answer came.</summary>
    public bool HasResponse => StatusCode > 0;

    /// <summary>GET, POST, ...</summary>
    public string Method { get; }

    /// <summary>The request path (query values that could hold secrets are redacted).</summary>
    public string Path { get; }

    /// <summary>Daytona's <c>message</c> (or <c>error</c>) from the error body.</summary>
    public string? ServerMessage { get; }

    /// <summary>Daytona's optional <c>code</c> from the error body (toolbox errors carry one).</summary>
    public string? ErrorCode { get; }

    /// <summary>The wait Daytona asked for on a 429, if any.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>True for failures a later retry may fix (408, 429, 5xx but 501, no connection, timeout).</summary>
    public bool IsRetryable => HasResponse
        ? RetryableStatusCodes.Contains(StatusCode)
        : Kind is DaytonaFailureKind.ConnectionFailed or DaytonaFailureKind.Timeout;

    /// <summary>Where the credential of the call came from (e.g. "DAYTONA_API_KEY"), never its value; for a 401's advice.</summary>
    public string? CredentialSource { get; internal set; }

    /// <summary>How many HTTP attempts were made (more than 1 when retried).</summary>
    public int Attempts { get; internal set; } = 1;

    internal static readonly HashSet<int> RetryableStatusCodes = new() { 408, 429, 500, 502, 503, 504 };

    /// <summary>
    /// What an error status means, from the status and Daytona's message. The message decides only
    /// where one status has two meanings: 409 (name taken or busy) and 400 (the toolbox proxy's
    /// "not started", which Daytona sends as a 400).
    /// </summary>
    internal static DaytonaFailureKind KindOf(int status, string? serverMessage)
    {
        var text = serverMessage ?? string.Empty;
        return status switch
        {
            400 when Contains(text, "not started") => DaytonaFailureKind.NotStarted,
            400 or 422 => DaytonaFailureKind.InvalidRequest,
            401 => DaytonaFailureKind.Unauthorized,
            403 => DaytonaFailureKind.Forbidden,
            404 or 410 => DaytonaFailureKind.NotFound,
            408 or 504 => DaytonaFailureKind.Timeout,
            409 when Contains(text, "already exists") => DaytonaFailureKind.NameTaken,
            409 => DaytonaFailureKind.Busy,
            429 => DaytonaFailureKind.Throttled,
            >= 500 and < 600 => DaytonaFailureKind.ServerError,
            _ => DaytonaFailureKind.HttpError,
        };
    }

    private static bool Contains(string text, string part) => text.IndexOf(part, StringComparison.OrdinalIgnoreCase) >= 0;

    /// <summary>The same failure under another kind (file routes refine NotFound, Forbidden and 409).</summary>
    internal DaytonaApiException WithKind(DaytonaFailureKind kind) =>
        new(Message, kind, StatusCode, Method, Path, ServerMessage, ErrorCode, RetryAfter, InnerException)
        {
            Attempts = Attempts,
            CredentialSource = CredentialSource,
        };

    /// <summary>A 404 the module detects itself (e.g. an empty reply where a sandbox should be).</summary>
    internal static DaytonaApiException NotFound(string message, string method, string path) =>
        new(message, DaytonaFailureKind.NotFound, 404, method, path);

    /// <summary>A 2xx reply without what it should carry.</summary>
    internal static DaytonaApiException Unexpected(string message, string method, string path) =>
        new(message, DaytonaFailureKind.UnexpectedReply, 200, method, path);
}
