using System;
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
        DaytonaClientSettings? settings = null,
        HttpMessageHandler? innerHandler = null)
    {
        if (!Uri.TryCreate((apiUrl ?? string.Empty).Trim(), UriKind.Absolute, out var uri) ||
            (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{apiUrl}' is not an http(s) URL.", nameof(apiUrl));
        }
        ApiUrl = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        AuthType = authType;
        _secret = secret.Copy();
        _secret.MakeReadOnly();
        OrganizationId = string.IsNullOrEmpty(organizationId) ? null : organizationId;
        Target = string.IsNullOrEmpty(target) ? null : target;
        Source = source;
        SourceDetail = sourceDetail;
        Settings = settings ?? new DaytonaClientSettings();
        InnerHandler = innerHandler;
        CreatedAt = DateTimeOffset.Now;
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
    internal HttpMessageHandler? InnerHandler { get; }

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
                    var handler = new DaytonaAuthHandler(this) { InnerHandler = InnerHandler ?? CreateDefaultHandler() };
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
}
