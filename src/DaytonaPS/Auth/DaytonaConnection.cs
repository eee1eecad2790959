using System;
using System.Linq;
using System.Net.Http;
using System.Security;
using System.Threading;
using DaytonaPS.Api;
using Polly;

namespace DaytonaPS.Auth;

/// <summary>Timeouts and retry limits of one connection.</summary>
internal sealed class DaytonaClientSettings
{
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(100);
    public const int DefaultMaxRetries = 5;

    public TimeSpan RequestTimeout { get; set; } = DefaultRequestTimeout;

    /// <summary>Budget for one logical call including every retry and wait.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public int MaxRetries { get; set; } = DefaultMaxRetries;

    /// <summary>First backoff step; doubled per retry with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Upper clamp for any retry wait, including one asked for by Retry-After.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// A resolved credential plus everything needed to talk to Daytona with it: the one HttpClient
/// (with the auth/header handler) and the Polly pipeline. Shared by every cmdlet that resolves to
/// it; disposed by Disconnect-Daytona or when replaced.
/// </summary>
internal sealed class DaytonaConnection : IDisposable
{
    public const string DefaultApiUrl = "https://app.daytona.io/api";

    private readonly SecureString _secret;
    private readonly object _gate = new();
    private HttpClient? _http;
    private ResiliencePipeline<HttpResponseMessage>? _pipeline;
    private bool _disposed;

    public DaytonaConnection(
        string apiUrl,
        DaytonaAuthType authType,
        SecureString secret,
        string? organizationId,
        string? target,
        CredentialSource source,
        string sourceDetail,
        DaytonaClientSettings? settings = null)
    {
        var uri = ParseApiUrl(apiUrl, "The Daytona API URL");
        CheckSecret(secret, authType, sourceDetail);
        ApiUrl = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        AuthType = authType;
        _secret = secret.Copy();
        _secret.MakeReadOnly();
        OrganizationId = string.IsNullOrEmpty(organizationId) ? null : organizationId;
        Target = string.IsNullOrEmpty(target) ? null : target;
        Source = source;
        SourceDetail = sourceDetail;
        Settings = settings ?? new DaytonaClientSettings();
        CreatedAt = DateTimeOffset.Now;
    }

    /// <summary>
    /// An absolute http(s) URL, or a terminating DaytonaInvalidArgument naming <paramref name="what"/>
    /// (e.g. "DAYTONA_API_URL"), so a typo never surfaces as a .NET exception at the first call.
    /// </summary>
    internal static Uri ParseApiUrl(string? apiUrl, string what)
    {
        if (!Uri.TryCreate((apiUrl ?? string.Empty).Trim(), UriKind.Absolute, out var uri) ||
            (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
        {
            throw new DaytonaException(ErrorIds.InvalidArgument, System.Management.Automation.ErrorCategory.InvalidArgument,
                $"{what} '{apiUrl}' is not an http:// or https:// URL.", apiUrl, terminating: true,
                recommendedAction: $"Use the API's base URL, e.g. {DefaultApiUrl} (or http://127.0.0.1:<port>/api for the local emulator).");
        }
        return uri;
    }

    /// <summary>
    /// Refuses a credential that cannot be right: empty, blank, or holding a line break or another
    /// control character (it could not be sent as a header, and usually means a pasted file or a
    /// variable with a trailing newline). The message names where it came from, never its value.
    /// </summary>
    private static void CheckSecret(SecureString secret, DaytonaAuthType authType, string sourceDetail)
    {
        var what = authType == DaytonaAuthType.Jwt ? "JWT" : "API key";
        var plain = SecretText.Reveal(secret);
        string? problem = null;
        if (plain.Trim().Length == 0) problem = "is empty";
        else if (plain.Any(char.IsControl)) problem = "holds a line break or another control character";
        if (problem is null) return;
        throw new DaytonaException(ErrorIds.InvalidSecret, System.Management.Automation.ErrorCategory.InvalidData,
            $"The {what} from {sourceDetail} {problem}; Daytona {what}s never do.", null, terminating: true,
            recommendedAction: $"Check the value of {sourceDetail} (a trailing newline from a file or a pipeline variable is the usual cause).");
    }

    /// <summary>e.g. https://app.daytona.io/api (no trailing slash).</summary>
    public string ApiUrl { get; }
    public DaytonaAuthType AuthType { get; }
    public string? OrganizationId { get; }
    public string? Target { get; }
    public CredentialSource Source { get; }
    public string SourceDetail { get; }
    public DaytonaClientSettings Settings { get; }
    public DateTimeOffset CreatedAt { get; }

    /// <summary>Matches an equivalent credential without holding its plain text (for caches).</summary>
    public string? Fingerprint { get; set; }

    /// <summary>Only the auth handler calls this, per request.</summary>
    internal string RevealSecret() => SecretText.Reveal(_secret);

    /// <summary>The connection's one HttpClient (created on first use).</summary>
    public HttpClient Http
    {
        get
        {
            lock (_gate)
            {
                if (_disposed) throw new ObjectDisposedException(nameof(DaytonaConnection), "This Daytona connection was closed by Disconnect-Daytona.");
                if (_http is null)
                {
                    var handler = new DaytonaAuthHandler(this) { InnerHandler = CreateDefaultHandler() };
                    _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
                }
                return _http;
            }
        }
    }

    /// <summary>The retry/timeout pipeline shared by every call on this connection.</summary>
    public ResiliencePipeline<HttpResponseMessage> Pipeline
    {
        get
        {
            lock (_gate)
            {
                return _pipeline ??= DaytonaResilience.Build(Settings);
            }
        }
    }

    /// <summary>Connections to one server at once: room for -ThrottleLimit 64 in a few cmdlets of one pipeline.</summary>
    private const int MaxConnectionsPerServer = 256;

    private static HttpClientHandler CreateDefaultHandler()
    {
        // HttpClientHandler exists on every runtime we support (.NET Framework 4.7.2 and .NET 8+).
        var handler = new HttpClientHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.GZip | System.Net.DecompressionMethods.Deflate,
            UseCookies = false,
        };
        // On .NET the limit is int.MaxValue (a SocketsHttpHandler underneath). On .NET Framework
        // (Windows PowerShell) it is ServicePointManager.DefaultConnectionLimit, 2 for anything but
        // loopback: -ThrottleLimit 8 against Daytona would run two requests at a time.
        try
        {
            if (handler.MaxConnectionsPerServer < MaxConnectionsPerServer) handler.MaxConnectionsPerServer = MaxConnectionsPerServer;
        }
        catch (PlatformNotSupportedException)
        {
        }
        return handler;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _http?.Dispose();
            _secret.Dispose();
        }
    }

    public bool IsDisposed { get { lock (_gate) return _disposed; } }

    /// <summary>The error for a call on (or cut short by closing) this connection after Disconnect-Daytona.</summary>
    public DaytonaException ClosedError(Exception? inner) => new(
        ErrorIds.ContextClosed, System.Management.Automation.ErrorCategory.ResourceUnavailable,
        $"The Daytona connection to {ApiUrl} ({SourceDetail}) was closed by Disconnect-Daytona.", ApiUrl, terminating: true,
        recommendedAction: "Connect again (Connect-Daytona -PassThru) and use the new context.", innerException: inner);
}
