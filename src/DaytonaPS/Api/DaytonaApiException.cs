using System;
using System.Collections.Generic;

namespace DaytonaPS.Api;

/// <summary>What went wrong with a call to Daytona, independent of the HTTP status.</summary>
public enum DaytonaFailureKind
{
    /// <summary>Daytona answered with an error status (see <see cref="DaytonaApiException.StatusCode"/>).</summary>
    HttpError,
    /// <summary>No answer: the connection could not be made or was lost.</summary>
    ConnectionFailed,
    /// <summary>The call (or its total retry budget) ran out of time.</summary>
    Timeout,
}

/// <summary>
/// A failed call to the Daytona API. Carries the status, Daytona's own message and whether a retry
/// could help. Never carries a credential: the request path is redacted before it is stored.
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

    /// <summary>HttpError, ConnectionFailed or Timeout.</summary>
    public DaytonaFailureKind Kind { get; }

    /// <summary>The HTTP status, or 0 when there was no response.</summary>
    public int StatusCode { get; }

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

    /// <summary>True for failures a later retry may fix (408, 429, 5xx, no connection, timeout).</summary>
    public bool IsRetryable => Kind != DaytonaFailureKind.HttpError || RetryableStatusCodes.Contains(StatusCode);

    /// <summary>True when Daytona said the sandbox is in the middle of another state change (409).</summary>
    public bool IsStateChangeInProgress =>
        StatusCode == 409 && (ServerMessage ?? string.Empty).IndexOf("in progress", StringComparison.OrdinalIgnoreCase) >= 0;

    /// <summary>How many HTTP attempts were made (more than 1 when retried).</summary>
    public int Attempts { get; internal set; } = 1;

    internal static readonly HashSet<int> RetryableStatusCodes = new() { 408, 429, 500, 502, 503, 504 };
}
