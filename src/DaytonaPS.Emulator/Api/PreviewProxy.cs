using System.Globalization;
using System.Net;
using DaytonaPS.Emulator.Infrastructure;
using DaytonaPS.Emulator.Runtime;
using DaytonaPS.Emulator.Toolbox;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace DaytonaPS.Emulator.Api;

/// <summary>
/// Serves preview URLs, http://{port}-{sandboxId | signed token}.localhost:{emulator port}, as
/// Daytona's proxy serves https://{port}-{sandboxId | token}.{proxy domain}: HTTP and WebSocket
/// upgrades are forwarded to what the sandbox listens on at localhost:{port}, reached from inside
/// the sandbox (<see cref="PortRelay"/>), never through a port on the host.
/// </summary>
/// <remarks>
/// Authentication follows apps/proxy (GetProxyTarget, Authenticate): a public sandbox needs none,
/// except on Daytona's own ports (terminal 22222, toolbox 2280, recording dashboard 33333); else,
/// in this order, a bearer API key/JWT (then Authorization is not forwarded), the
/// X-Daytona-Preview-Token header (never forwarded), the DAYTONA_SANDBOX_AUTH_KEY query parameter
/// (removed from the forwarded query), or a signed preview token in the host name, valid for its
/// port until it expires. Anything else is refused as Daytona refuses a browser: 307 to a sign-in
/// page. The emulator has no sign-in, so that page answers 401 saying how to authenticate.
/// The upstream request is what Daytona's daemon sends: Host localhost:{port}, X-Forwarded-Host the
/// preview host. Nothing listening there: 502 with no body (Go's ReverseProxy).
/// </remarks>
internal sealed class PreviewProxy : IDisposable
{
    public const string TokenHeader = "X-Daytona-Preview-Token";
    public const string SignInPath = "/preview-sign-in";
    private const string PreviewDomain = "localhost";
    private static readonly int[] AlwaysPrivatePorts = [22222, 2280, 33333];

    private readonly EmulatorContext _context;
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _invoker;

    private static readonly ForwarderRequestConfig RequestConfig = new()
    {
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        // A preview may be a long-lived WebSocket or event stream.
        ActivityTimeout = TimeSpan.FromHours(1),
    };

    public PreviewProxy(EmulatorContext context, IHttpForwarder forwarder)
    {
        _context = context;
        _forwarder = forwarder;
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = null,
            // Each pooled connection is a relay process in the sandbox: don't keep idle ones long.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(15),
            ConnectCallback = ConnectAsync,
        });
    }

    public static void AddServices(IServiceCollection services)
    {
        services.AddHttpForwarder();
        services.AddSingleton<PreviewProxy>();
    }

    /// <summary>First in the pipeline: a request whose host is a preview host never reaches the API's middleware.</summary>
    public static void Use(WebApplication app)
    {
        var proxy = app.Services.GetRequiredService<PreviewProxy>();
        app.Use((http, next) => TryParseHost(http.Request.Host.Host, out var port, out var idOrToken) ? proxy.ServeAsync(http, port, idOrToken) : next(http));
        app.MapGet(SignInPath, (HttpContext http) => DaytonaErrors.Result(http, 401,
            "missing authentication: the emulator has no preview sign-in; send the preview token in the X-Daytona-Preview-Token header or the DAYTONA_SANDBOX_AUTH_KEY query parameter, use a signed preview URL, or make the sandbox public"));
    }

    /// <summary>"3000-abc.localhost" -> 3000, "abc" (Daytona's parseHost: port, then everything after the first '-').</summary>
    internal static bool TryParseHost(string host, out int port, out string idOrToken)
    {
        port = 0;
        idOrToken = "";
        var dot = host.IndexOf('.');
        if (dot < 0 || !host[(dot + 1)..].Equals(PreviewDomain, StringComparison.OrdinalIgnoreCase)) return false;
        var label = host[..dot];
        var dash = label.IndexOf('-');
        if (dash <= 0 || dash == label.Length - 1) return false;
        if (!int.TryParse(label.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535) return false;
        idOrToken = label[(dash + 1)..].ToLowerInvariant();
        return true;
    }

    private async Task ServeAsync(HttpContext http, int port, string idOrToken)
    {
        var access = Authorize(http, port, idOrToken);
        if (access is null)
        {
            var returnTo = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{http.Request.Path}{http.Request.QueryString}";
            http.Response.Redirect($"{_context.BaseUrl}{SignInPath}?sandboxId={Uri.EscapeDataString(idOrToken)}&returnTo={Uri.EscapeDataString(returnTo)}");
            http.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            return;
        }
        var sandbox = access.Sandbox;
        if (sandbox.State != "started")
        {
            // The runner cannot reach a container that does not run (exact text UNCONFIRMED).
            await ToolboxErrors.WriteAsync(http, new ToolboxException(400, "BAD_REQUEST", $"Sandbox {sandbox.Id} is not started (state: {sandbox.State}). Is the Sandbox started?", ToolboxErrors.ProxySource));
            return;
        }
        sandbox.Touch();
        await _forwarder.SendAsync(http, $"http://{sandbox.Id}:{port}", _invoker, RequestConfig, new Transformer(port, access));
    }

    private sealed record Access(SandboxRecord Sandbox, bool DropAuthorization = false, bool DropQueryToken = false);

    private Access? Authorize(HttpContext http, int port, string idOrToken)
    {
        var sandbox = _context.Store.TryGet(idOrToken, out var s) && s.Id == idOrToken ? s : null;
        if (sandbox is { Public: true } && !AlwaysPrivatePorts.Contains(port)) return new Access(sandbox);

        var header = http.Request.Headers.Authorization.ToString();
        if (sandbox is not null && header.StartsWith("Bearer ", StringComparison.Ordinal)
            && _context.Authenticate(header[7..].Trim(), http.Request.Headers["X-Daytona-Organization-ID"].FirstOrDefault()) == AuthOutcome.Ok)
            return new Access(sandbox, DropAuthorization: true);

        var token = http.Request.Headers[TokenHeader].ToString();
        if (sandbox is not null && token.Length > 0 && AuthMiddleware.SecretEquals(token, sandbox.PreviewToken)) return new Access(sandbox);

        var queryToken = http.Request.Query[ToolboxQueryAuth.AuthKeyParameter].ToString();
        if (sandbox is not null && queryToken.Length > 0 && AuthMiddleware.SecretEquals(queryToken, sandbox.PreviewToken))
            return new Access(sandbox, DropQueryToken: true);

        // A signed preview URL: the token stands where the sandbox id would, valid for its port only.
        var now = DateTime.UtcNow;
        lock (_context.Store.Sync)
        {
            foreach (var candidate in _context.Store.Live)
            {
                if (candidate.SignedPreviewTokens.TryGetValue(idOrToken, out var signed) && signed.Port == port && signed.ExpiresAt > now)
                    return new Access(candidate);
            }
        }
        return null;
    }

    /// <summary>The pooled connection for http://{sandboxId}:{port}: a relay into that sandbox.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext connection, CancellationToken cancellationToken)
    {
        var (id, port) = (connection.DnsEndPoint.Host, connection.DnsEndPoint.Port);
        if (!_context.Store.TryGet(id, out var sandbox) || sandbox.Id != id || sandbox.State != "started")
            throw new IOException($"sandbox {id} is not running");
        return await PortRelay.ConnectAsync(sandbox.Runtime.Container, port, cancellationToken);
    }

    public void Dispose() => _invoker.Dispose();

    /// <summary>The request as Daytona's daemon forwards it: raw path and query, Host localhost:{port}, no preview credentials.</summary>
    private sealed class Transformer(int port, Access access) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext http, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(http, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.Headers.Remove(TokenHeader);
            if (access.DropAuthorization) proxyRequest.Headers.Authorization = null;
            proxyRequest.Headers.Host = "localhost:" + port.ToString(CultureInfo.InvariantCulture);
            proxyRequest.Headers.Remove("X-Forwarded-Host");
            proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Host", http.Request.Host.Value);
            if (http.Connection.RemoteIpAddress is { } remote) proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-For", remote.ToString());
            proxyRequest.RequestUri = new Uri(destinationPrefix + Target(http));
        }

        /// <summary>Path and query exactly as the client sent them (less the auth key when it was used).</summary>
        private string Target(HttpContext http)
        {
            var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget;
            if (raw is null || !raw.StartsWith('/')) raw = http.Request.Path.ToUriComponent() + http.Request.QueryString.ToUriComponent();
            if (!access.DropQueryToken) return raw;
            var q = raw.IndexOf('?');
            if (q < 0) return raw;
            var kept = raw[(q + 1)..].Split('&').Where(p => Uri.UnescapeDataString(p.Split('=')[0].Replace('+', ' ')) != ToolboxQueryAuth.AuthKeyParameter).ToList();
            return raw[..q] + (kept.Count > 0 ? "?" + string.Join('&', kept) : "");
        }
    }
}
