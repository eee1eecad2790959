using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Auth;
using Polly;
using Polly.Timeout;

namespace DaytonaPS.Api;

/// <summary>
/// Daytona's main REST API over one connection. Cheap to create: a cmdlet makes one per
/// invocation with its own log sink, while the HttpClient and Polly pipeline belong to the
/// connection. <see cref="SendAsync"/> is the one way out to the network: a ToolboxClient
/// should call it with absolute toolbox URLs so it gets the same auth, retries, logging and errors.
/// </summary>
internal sealed class DaytonaApiClient
{
    public DaytonaApiClient(DaytonaConnection connection, IDaytonaLog? log = null)
    {
        Connection = connection;
        Log = log ?? NullDaytonaLog.Instance;
    }

    public DaytonaConnection Connection { get; }
    public IDaytonaLog Log { get; }

    /// <summary>Absolute URL of an API path such as "/sandbox" (relative to the API base URL).</summary>
    public Uri ApiUri(string path) => new(Connection.ApiUrl + (path.StartsWith("/", StringComparison.Ordinal) ? path : "/" + path));

    /// <summary>
    /// An id or name as one escaped URL path segment. "." and ".." survive escaping and would be
    /// resolved away by the URL (GET /sandbox/. is the list call), and an empty or control-character
    /// value is never a real id, so those are refused here, where every id enters a URL.
    /// </summary>
    public static string Segment(string value)
    {
        if (string.IsNullOrWhiteSpace(value) || value == "." || value == ".." || value.Any(char.IsControl))
        {
            var shown = value is null ? "null" : "'" + new string(value.Select(c => char.IsControl(c) ? '?' : c).ToArray()) + "'";
            throw new DaytonaException(ErrorIds.InvalidArgument, System.Management.Automation.ErrorCategory.InvalidArgument,
                $"{shown} is not a valid id or name: it is empty, '.' or '..', or holds control characters.", value,
                recommendedAction: "Give the sandbox's id or name as Get-DaytonaSandbox shows it (sessions: as Get-DaytonaSession shows them).");
        }
        return Uri.EscapeDataString(value);
    }

    // ---------------------------------------------------------------- core

    /// <summary>
    /// Sends one logical request through the connection's pipeline and returns a 2xx response
    /// (the caller disposes it). Anything else becomes a <see cref="DaytonaApiException"/>;
    /// cancellation of <paramref name="cancellationToken"/> surfaces as OperationCanceledException.
    /// </summary>
    /// <param name="content">Creates the body; called once per attempt (a body cannot be sent twice).</param>
    /// <param name="timeout">
    /// Replaces the connection's request timeout and total budget for this call; Timeout.InfiniteTimeSpan
    /// for none, when <paramref name="cancellationToken"/> bounds the call (a command's exec).
    /// </param>
    public async Task<HttpResponseMessage> SendAsync(
        HttpMethod method,
        Uri uri,
        Func<HttpContent?>? content,
        RetryMode retryMode,
        CancellationToken cancellationToken,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead,
        TimeSpan? timeout = null)
    {
        var display = method.Method + " " + Redact(uri);
        if (Connection.IsDisposed) throw Connection.ClosedError(null);
        var state = new AttemptState(Connection.Http, method, uri, content, completion, Log, display, cancellationToken);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(DaytonaResilience.LogKey, Log);
        context.Properties.Set(DaytonaResilience.RetryModeKey, retryMode);
        context.Properties.Set(DaytonaResilience.DescriptionKey, display);
        if (timeout is not null) context.Properties.Set(DaytonaResilience.TimeoutOverrideKey, timeout);
        HttpResponseMessage response;
        try
        {
            response = await Connection.Pipeline.ExecuteAsync(
                static async (ctx, s) => await s.SendOnceAsync(ctx.CancellationToken).ConfigureAwait(false),
                context,
                state).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (Connection.IsDisposed)
        {
            // Disconnect-Daytona disposed the HttpClient under this call (it surfaces as a cancellation).
            throw Connection.ClosedError(ex);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new DaytonaApiException(
                $"{display} timed out after {state.Attempts} attempt(s) (request timeout {Connection.Settings.RequestTimeout.TotalSeconds:0.#} s, budget {Connection.Settings.TotalTimeout.TotalSeconds:0.#} s).",
                DaytonaFailureKind.Timeout, 0, method.Method, Redact(uri), innerException: ex) { Attempts = state.Attempts };
        }
        catch (Exception ex) when (ex is HttpRequestException || ex is IOException)
        {
            throw new DaytonaApiException(
                $"Could not reach Daytona at {uri.GetLeftPart(UriPartial.Authority)} for {display}: {DaytonaResilience.Describe(ex)}.",
                DaytonaFailureKind.ConnectionFailed, 0, method.Method, Redact(uri), innerException: ex) { Attempts = state.Attempts };
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            var error = await CreateErrorAsync(response, method, uri, state.Attempts).ConfigureAwait(false);
            error.CredentialSource = Connection.SourceDetail;
            throw error;
        }
    }

    /// <summary>Sends JSON (or nothing) and reads JSON back. An empty 2xx body gives default(T).</summary>
    public async Task<T?> SendJsonAsync<T>(HttpMethod method, string path, object? body, RetryMode retryMode, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, ApiUri(path), body is null ? null : () => JsonContent(body), retryMode, cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync<T>(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends JSON (or nothing) and ignores the reply body.</summary>
    public async Task SendNoContentAsync(HttpMethod method, string path, object? body, RetryMode retryMode, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, ApiUri(path), body is null ? null : () => JsonContent(body), retryMode, cancellationToken).ConfigureAwait(false);
    }

    public static HttpContent JsonContent(object body)
    {
        var json = JsonSerializer.Serialize(body, body.GetType(), DaytonaJson.Options);
        return new StringContent(json, Encoding.UTF8, "application/json");
    }

    public static async Task<T?> ReadJsonAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (bytes.Length == 0) return default;
        try
        {
            return JsonSerializer.Deserialize<T>(bytes, DaytonaJson.Options);
        }
        catch (JsonException ex)
        {
            var request = response.RequestMessage;
            throw new DaytonaApiException(
                $"Daytona sent a reply to {request?.Method} {(request?.RequestUri is { } u ? Redact(u) : "?")} that is not the expected JSON: {ex.Message}",
                DaytonaFailureKind.UnexpectedReply, (int)response.StatusCode, request?.Method.Method ?? "?", request?.RequestUri is { } u2 ? Redact(u2) : "?",
                innerException: ex);
        }
    }

    internal static async Task<DaytonaApiException> CreateErrorAsync(HttpResponseMessage response, HttpMethod method, Uri uri, int attempts)
    {
        var status = (int)response.StatusCode;
        string? text = null;
        try { text = await response.Content.ReadAsStringAsync().ConfigureAwait(false); } catch (Exception ex) when (ex is IOException || ex is HttpRequestException) { }
        string? serverMessage = null, code = null;
        if (!string.IsNullOrWhiteSpace(text))
        {
            try
            {
                var body = JsonSerializer.Deserialize<ErrorBodyDto>(text!, DaytonaJson.Options);
                if (body is not null)
                {
                    serverMessage = body.Message.ValueKind switch
                    {
                        JsonValueKind.String => body.Message.GetString(),
                        JsonValueKind.Array => string.Join(", ", body.Message.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText())),
                        JsonValueKind.Undefined or JsonValueKind.Null => body.Error,
                        _ => body.Message.GetRawText(),
                    };
                    code = body.Code ?? body.ErrorCodeAlt;
                }
            }
            catch (JsonException)
            {
                serverMessage = text!.Length > 300 ? text.Substring(0, 300) + "..." : text;
            }
        }
        var reason = string.IsNullOrEmpty(response.ReasonPhrase) ? ((System.Net.HttpStatusCode)status).ToString() : response.ReasonPhrase;
        var path = Redact(uri);
        var message = string.Format(CultureInfo.InvariantCulture, "Daytona returned {0} {1} for {2} {3}{4}",
            status, reason, method.Method, path, string.IsNullOrEmpty(serverMessage) ? "." : ": " + serverMessage);
        return new DaytonaApiException(message, DaytonaApiException.KindOf(status, serverMessage), status, method.Method, path, serverMessage, code,
            DaytonaResilience.RetryAfter(response)) { Attempts = attempts };
    }

    private static readonly string[] SecretQueryNames = { "token", "DAYTONA_SANDBOX_AUTH_KEY", "signature", "key", "password", "apikey", "api_key", "jwt" };

    /// <summary>Path and query for messages, with values of secret-looking query parameters replaced.</summary>
    public static string Redact(Uri uri)
    {
        var query = uri.Query;
        // A signed preview URL's token is a path segment of its expire route.
        var path = SignedTokenSegment.Replace(uri.AbsolutePath, "$1***$2");
        if (string.IsNullOrEmpty(query) || query == "?") return path;
        var parts = query.Substring(1).Split('&');
        for (var i = 0; i < parts.Length; i++)
        {
            var eq = parts[i].IndexOf('=');
            var name = Uri.UnescapeDataString(eq < 0 ? parts[i] : parts[i].Substring(0, eq));
            if (eq >= 0 && SecretQueryNames.Any(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)))
            {
                parts[i] = parts[i].Substring(0, eq) + "=***";
            }
        }
        return path + "?" + string.Join("&", parts);
    }

    private static readonly System.Text.RegularExpressions.Regex SignedTokenSegment =
        new("(/signed-preview-url/)[^/]+(/expire)$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>State of one logical request, shared by its attempts.</summary>
    private sealed class AttemptState
    {
        private readonly HttpClient _http;
        private readonly HttpMethod _method;
        private readonly Uri _uri;
        private readonly Func<HttpContent?>? _content;
        private readonly HttpCompletionOption _completion;
        private readonly IDaytonaLog _log;
        private readonly string _display;
        private readonly CancellationToken _callerToken;
        private int _attempts;

        public AttemptState(HttpClient http, HttpMethod method, Uri uri, Func<HttpContent?>? content, HttpCompletionOption completion,
            IDaytonaLog log, string display, CancellationToken callerToken)
        {
            _http = http; _method = method; _uri = uri; _content = content; _completion = completion;
            _log = log; _display = display; _callerToken = callerToken;
        }

        public int Attempts => Volatile.Read(ref _attempts);

        public async Task<HttpResponseMessage> SendOnceAsync(CancellationToken attemptToken)
        {
            var attempt = Interlocked.Increment(ref _attempts);
            using var request = new HttpRequestMessage(_method, _uri) { Content = _content?.Invoke() };
            var watch = Stopwatch.StartNew();
            try
            {
                var response = await _http.SendAsync(request, _completion, attemptToken).ConfigureAwait(false);
                _log.WriteVerbose(string.Format(CultureInfo.InvariantCulture, "{0} -> {1} in {2} ms", _display, (int)response.StatusCode, watch.ElapsedMilliseconds));
                if (response.Headers.TryGetValues("X-Request-Id", out var ids))
                {
                    _log.WriteDebug(string.Format(CultureInfo.InvariantCulture, "{0}: attempt {1}, X-Request-Id {2}", _display, attempt, string.Join(",", ids)));
                }
                return response;
            }
            catch (OperationCanceledException) when (_callerToken.IsCancellationRequested)
            {
                throw;
            }
            catch (OperationCanceledException)
            {
                _log.WriteVerbose(string.Format(CultureInfo.InvariantCulture, "{0} -> timed out after {1} ms", _display, watch.ElapsedMilliseconds));
                throw;
            }
            catch (Exception ex)
            {
                _log.WriteVerbose(string.Format(CultureInfo.InvariantCulture, "{0} -> failed after {1} ms: {2}", _display, watch.ElapsedMilliseconds, DaytonaResilience.Describe(ex)));
                throw;
            }
        }
    }

    // ---------------------------------------------------------------- sandboxes

    public Task<SandboxDto?> GetSandboxAsync(string idOrName, CancellationToken ct) =>
        SendJsonAsync<SandboxDto>(HttpMethod.Get, "/sandbox/" + Segment(idOrName), null, RetryMode.Idempotent, ct);

    public Task<ListSandboxesResponseDto?> ListSandboxesAsync(SandboxListQuery query, string? cursor, CancellationToken ct) =>
        SendJsonAsync<ListSandboxesResponseDto>(HttpMethod.Get, "/sandbox" + query.ToQueryString(cursor), null, RetryMode.Idempotent, ct);

    /// <summary>Not retried except on 429: use <see cref="SandboxOperations.CreateAsync"/>, which avoids duplicates.</summary>
    public Task<SandboxDto?> CreateSandboxAsync(CreateSandboxDto body, CancellationToken ct) =>
        SendJsonAsync<SandboxDto>(HttpMethod.Post, "/sandbox", body, RetryMode.RejectedOnly, ct);

    public Task DeleteSandboxAsync(string idOrName, CancellationToken ct) =>
        SendNoContentAsync(HttpMethod.Delete, "/sandbox/" + Segment(idOrName), null, RetryMode.Idempotent, ct);

    public Task<SandboxDto?> StartSandboxAsync(string idOrName, CancellationToken ct) =>
        SendJsonAsync<SandboxDto>(HttpMethod.Post, "/sandbox/" + Segment(idOrName) + "/start", null, RetryMode.Idempotent, ct);

    public Task<SandboxDto?> StopSandboxAsync(string idOrName, bool force, CancellationToken ct) =>
        SendJsonAsync<SandboxDto>(HttpMethod.Post, "/sandbox/" + Segment(idOrName) + "/stop" + (force ? "?force=true" : string.Empty), null, RetryMode.Idempotent, ct);

    public Task<SandboxDto?> ArchiveSandboxAsync(string idOrName, CancellationToken ct) =>
        SendJsonAsync<SandboxDto>(HttpMethod.Post, "/sandbox/" + Segment(idOrName) + "/archive", null, RetryMode.Idempotent, ct);

    public Task<SandboxDto?> RecoverSandboxAsync(string idOrName, CancellationToken ct) =>
        SendJsonAsync<SandboxDto>(HttpMethod.Post, "/sandbox/" + Segment(idOrName) + "/recover", null, RetryMode.Idempotent, ct);

    /// <summary>PUT /labels replaces every label. The spec answers {labels}, older servers the whole sandbox: both have .labels.</summary>
    public async Task<Dictionary<string, string>> ReplaceLabelsAsync(string idOrName, IDictionary<string, string> labels, CancellationToken ct)
    {
        var reply = await SendJsonAsync<LabelsDto>(HttpMethod.Put, "/sandbox/" + Segment(idOrName) + "/labels",
            new LabelsDto { Labels = new Dictionary<string, string>(labels) }, RetryMode.Idempotent, ct).ConfigureAwait(false);
        return reply?.Labels ?? new Dictionary<string, string>(labels);
    }

    public Task SetPublicAsync(string idOrName, bool isPublic, CancellationToken ct) =>
        SendNoContentAsync(HttpMethod.Post, "/sandbox/" + Segment(idOrName) + "/public/" + (isPublic ? "true" : "false"), null, RetryMode.Idempotent, ct);

    /// <summary>POST /sandbox/{id}/{kind}/{minutes} for autostop, autoarchive, autodelete (lower-case segments).</summary>
    public Task SetIntervalAsync(string idOrName, string kind, int minutes, CancellationToken ct) =>
        SendNoContentAsync(HttpMethod.Post, "/sandbox/" + Segment(idOrName) + "/" + kind + "/" + minutes.ToString(CultureInfo.InvariantCulture), null, RetryMode.Idempotent, ct);
}

/// <summary>Server-side filters of GET /sandbox.</summary>
internal sealed class SandboxListQuery
{
    public const int MaxPageSize = 200;

    public string? NamePrefix { get; set; }
    public IDictionary<string, string>? Labels { get; set; }
    public IList<string>? States { get; set; }
    public IList<string>? Targets { get; set; }
    public IList<string>? Snapshots { get; set; }
    public int? MinCpu { get; set; }
    public int? MaxCpu { get; set; }
    public int? MinMemoryGiB { get; set; }
    public int? MaxMemoryGiB { get; set; }
    public int? MinDiskGiB { get; set; }
    public int? MaxDiskGiB { get; set; }
    public bool? IsPublic { get; set; }
    public bool? IsRecoverable { get; set; }
    public DateTime? CreatedAfter { get; set; }
    public DateTime? CreatedBefore { get; set; }
    /// <summary>Daytona's <c>lastEventAfter</c> (the SDK's <c>lastActivityAfter</c>).</summary>
    public DateTime? LastActivityAfter { get; set; }
    public DateTime? LastActivityBefore { get; set; }
    public DateTime? AutoDestroyAfter { get; set; }
    public DateTime? AutoDestroyBefore { get; set; }
    /// <summary>The wire value of <c>sort</c> (name, cpu, memoryGib, diskGib, lastActivityAt, createdAt); null = Daytona's default.</summary>
    public string? Sort { get; set; }
    /// <summary>The wire value of <c>order</c> (asc, desc); null = Daytona's default (desc).</summary>
    public string? Order { get; set; }
    public int Limit { get; set; } = MaxPageSize;

    public string ToQueryString(string? cursor)
    {
        var q = new StringBuilder();
        void Add(string name, string value)
        {
            q.Append(q.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
        void AddInt(string name, int? value)
        {
            if (value is { } v) Add(name, v.ToString(CultureInfo.InvariantCulture));
        }
        void AddBool(string name, bool? value)
        {
            if (value is { } v) Add(name, v ? "true" : "false");
        }
        void AddDate(string name, DateTime? value)
        {
            if (value is { } v) Add(name, ToWireDate(v));
        }
        if (!string.IsNullOrEmpty(cursor)) Add("cursor", cursor!);
        Add("limit", Math.Max(1, Math.Min(MaxPageSize, Limit)).ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(NamePrefix)) Add("name", NamePrefix!);
        if (Labels is { Count: > 0 }) Add("labels", JsonSerializer.Serialize(Labels, DaytonaJson.Options));
        if (States is not null) foreach (var s in States) Add("states", s);
        if (Snapshots is not null) foreach (var s in Snapshots) Add("snapshots", s);
        if (Targets is not null) foreach (var t in Targets) Add("regionIds", t);
        AddInt("minCpu", MinCpu);
        AddInt("maxCpu", MaxCpu);
        AddInt("minMemoryGiB", MinMemoryGiB);
        AddInt("maxMemoryGiB", MaxMemoryGiB);
        AddInt("minDiskGiB", MinDiskGiB);
        AddInt("maxDiskGiB", MaxDiskGiB);
        AddBool("isPublic", IsPublic);
        AddBool("isRecoverable", IsRecoverable);
        AddDate("createdAtAfter", CreatedAfter);
        AddDate("createdAtBefore", CreatedBefore);
        AddDate("lastEventAfter", LastActivityAfter);
        AddDate("lastEventBefore", LastActivityBefore);
        AddDate("autoDestroyAtAfter", AutoDestroyAfter);
        AddDate("autoDestroyAtBefore", AutoDestroyBefore);
        if (!string.IsNullOrEmpty(Sort)) Add("sort", Sort!);
        if (!string.IsNullOrEmpty(Order)) Add("order", Order!);
        return q.ToString();
    }

    /// <summary>
    /// ISO 8601 in UTC with milliseconds, as JavaScript's toISOString (what the SDK sends). A DateTime of
    /// unspecified kind ([datetime]'2026-01-01') is local time, as PowerShell means it.
    /// </summary>
    internal static string ToWireDate(DateTime value) =>
        value.ToUniversalTime().ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture);
}
