using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Auth;

namespace DaytonaPS.Api;

/// <summary>
/// The toolbox API of one sandbox (<c>{toolboxProxyUrl}/{sandboxId}/...</c>): sessions, their
/// commands and logs, and the few file calls commands need. Every call goes through
/// <see cref="DaytonaApiClient.SendAsync"/> (same HttpClient, auth, retries, logging). The calls
/// that run a command are sent with <see cref="RetryMode.RejectedOnly"/> (retried only when the
/// answer proves nothing ran), and a synchronous exec without the pipeline's timeouts: it lasts as
/// long as the command does, bounded by the caller's token. The protocol around these calls (which
/// session, when to retry, what to return) is <see cref="CommandRunner"/>'s.
/// </summary>
internal sealed class ToolboxClient
{
    /// <summary>toolboxProxyUrl by API URL and sandbox id (not a secret; saves a GET per call with -Id).</summary>
    private static readonly ConcurrentDictionary<string, (string Url, string? Name)> ProxyUrls = new(StringComparer.Ordinal);

    private readonly DaytonaApiClient _api;

    public ToolboxClient(DaytonaApiClient api, string sandboxId, string toolboxProxyUrl, string? sandboxName = null)
    {
        _api = api;
        SandboxId = sandboxId;
        SandboxName = string.IsNullOrEmpty(sandboxName) ? sandboxId : sandboxName!;
        BaseUrl = toolboxProxyUrl.TrimEnd('/') + "/" + DaytonaApiClient.Segment(sandboxId);
    }

    public string SandboxId { get; }
    /// <summary>The sandbox's name (its id when the name is not known).</summary>
    public string SandboxName { get; }
    public string BaseUrl { get; }
    public DaytonaApiClient Api => _api;
    private IDaytonaLog Log => _api.Log;

    public Uri Uri(string path) => new(BaseUrl + path);

    /// <summary>
    /// A client for a sandbox given as a piped object (no call when it carries its toolbox URL) or
    /// an id or name (GET /sandbox/{idOrName}, then cached by id). Returns the resolved id and a display name.
    /// </summary>
    public static async Task<(ToolboxClient Client, string Display)> ForSandboxAsync(DaytonaApiClient api, string idOrName, Sandbox? known, CancellationToken ct)
    {
        if (known is not null && !string.IsNullOrEmpty(known.ToolboxProxyUrl))
            return (new ToolboxClient(api, known.Id, known.ToolboxProxyUrl!, known.Name), known.Describe());
        var key = api.Connection.ApiUrl + "|" + idOrName;
        if (known is null && ProxyUrls.TryGetValue(key, out var cached))
            return (new ToolboxClient(api, idOrName, cached.Url, cached.Name), "sandbox " + idOrName);
        var dto = await api.GetSandboxAsync(known?.Id ?? idOrName, ct).ConfigureAwait(false)
            ?? throw DaytonaApiException.NotFound($"Daytona returned no sandbox for '{idOrName}'.", "GET", "/sandbox/" + idOrName);
        var url = dto.ToolboxProxyUrl;
        if (string.IsNullOrEmpty(url))
        {
            var reply = await api.SendJsonAsync<ToolboxUrlDto>(HttpMethod.Get, "/sandbox/" + DaytonaApiClient.Segment(dto.Id) + "/toolbox-proxy-url", null, RetryMode.Idempotent, ct).ConfigureAwait(false);
            url = reply?.Url;
            if (string.IsNullOrEmpty(url))
                throw DaytonaApiException.Unexpected($"Daytona gave no toolbox URL for sandbox {dto.Id}.", "GET", "/sandbox/" + dto.Id + "/toolbox-proxy-url");
        }
        ProxyUrls[api.Connection.ApiUrl + "|" + dto.Id] = (url!, dto.Name);
        var sandbox = new Sandbox(dto);
        return (new ToolboxClient(api, dto.Id, url!, sandbox.Name), sandbox.Describe());
    }

    // ---------------------------------------------------------------- JSON over the pipeline

    private async Task<T?> JsonAsync<T>(HttpMethod method, string path, object? body, RetryMode retry, CancellationToken ct)
    {
        using var response = await _api.SendAsync(method, Uri(path), body is null ? null : () => DaytonaApiClient.JsonContent(body), retry, ct).ConfigureAwait(false);
        return await DaytonaApiClient.ReadJsonAsync<T>(response, ct).ConfigureAwait(false);
    }

    private async Task NoContentAsync(HttpMethod method, string path, object? body, RetryMode retry, CancellationToken ct)
    {
        using var response = await _api.SendAsync(method, Uri(path), body is null ? null : () => DaytonaApiClient.JsonContent(body), retry, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// POST /env (the SDK's updateEnv): removes <paramref name="unset"/>, then sets <paramref name="set"/> in the
    /// daemon's environment, which processes started afterwards inherit. Running ones keep theirs.
    /// </summary>
    public Task UpdateEnvAsync(IDictionary<string, string>? set, IList<string>? unset, CancellationToken ct) =>
        NoContentAsync(HttpMethod.Post, "/env", new UpdateEnvDto { Set = set is null ? null : new Dictionary<string, string>(set), Unset = unset is null ? null : new List<string>(unset) },
            RetryMode.Idempotent, ct);

    private sealed class UpdateEnvDto
    {
        public Dictionary<string, string>? Set { get; set; }
        public List<string>? Unset { get; set; }
    }
    /// <summary>GET /system/metrics: the sandbox's latest cpu, memory and disk use (the SDK's getMetricsLatest).</summary>
    public Task<SystemMetricsDto?> GetSystemMetricsAsync(CancellationToken ct) =>
        JsonAsync<SystemMetricsDto>(HttpMethod.Get, "/system/metrics", null, RetryMode.Idempotent, ct);

    /// <summary>GET /user-home-dir: the home folder of the sandbox's user (the SDK's getUserHomeDir).</summary>
    public async Task<string?> GetUserHomeDirAsync(CancellationToken ct) =>
        (await JsonAsync<ToolboxDirDto>(HttpMethod.Get, "/user-home-dir", null, RetryMode.Idempotent, ct).ConfigureAwait(false))?.Dir;

    /// <summary>GET /work-dir: the image's WORKDIR, or the home folder without one (the SDK's getWorkDir).</summary>
    public async Task<string?> GetWorkDirAsync(CancellationToken ct) =>
        (await JsonAsync<ToolboxDirDto>(HttpMethod.Get, "/work-dir", null, RetryMode.Idempotent, ct).ConfigureAwait(false))?.Dir;

    private static string SessionPath(string sessionId) => "/process/session/" + DaytonaApiClient.Segment(sessionId);

    /// <summary>The session the daemon runs the snapshot's entrypoint in; its logs have their own route.</summary>
    public const string EntrypointSessionId = "entrypoint";

    /// <summary>A command's logs, or (no command id) the entrypoint session's: GET /process/session/entrypoint/logs.</summary>
    private static string LogsPath(string sessionId, string? commandId) =>
        commandId is null ? SessionPath(EntrypointSessionId) + "/logs" : SessionPath(sessionId) + "/command/" + DaytonaApiClient.Segment(commandId) + "/logs";

    /// <summary>POST /process/session. With <paramref name="existingIsFine"/>, a 409 (already exists) is success.</summary>
    public async Task CreateSessionAsync(string sessionId, bool existingIsFine, CancellationToken ct)
    {
        try
        {
            // Creating twice gives 409, which is harmless: safe to retry.
            await NoContentAsync(HttpMethod.Post, "/process/session", new CreateSessionDto { SessionId = sessionId }, RetryMode.Idempotent, ct).ConfigureAwait(false);
        }
        catch (DaytonaApiException ex) when (existingIsFine && ex.Kind is DaytonaFailureKind.NameTaken or DaytonaFailureKind.Busy)
        {
        }
    }

    public async Task<IReadOnlyList<SessionDto>> ListSessionsAsync(CancellationToken ct) =>
        await JsonAsync<List<SessionDto>>(HttpMethod.Get, "/process/session", null, RetryMode.Idempotent, ct).ConfigureAwait(false)
        ?? new List<SessionDto>();

    public async Task<SessionDto> GetSessionAsync(string sessionId, CancellationToken ct) =>
        await JsonAsync<SessionDto>(HttpMethod.Get, SessionPath(sessionId), null, RetryMode.Idempotent, ct).ConfigureAwait(false)
        ?? new SessionDto { SessionId = sessionId };

    public Task DeleteSessionAsync(string sessionId, CancellationToken ct) =>
        NoContentAsync(HttpMethod.Delete, SessionPath(sessionId), null, RetryMode.Idempotent, ct);

    public async Task<SessionCommandDto> GetCommandAsync(string sessionId, string commandId, CancellationToken ct) =>
        await JsonAsync<SessionCommandDto>(HttpMethod.Get, SessionPath(sessionId) + "/command/" + DaytonaApiClient.Segment(commandId), null, RetryMode.Idempotent, ct).ConfigureAwait(false)
        ?? new SessionCommandDto { Id = commandId };

    /// <summary>
    /// POST .../command/{id}/input: text for a running command's stdin (Daytona adds a newline when it
    /// has none). Sent once: retried only when the request never reached Daytona, as two sends would be
    /// two lines of input. A command that has ended (410) is DaytonaCommandEnded.
    /// </summary>
    public async Task SendInputAsync(string sessionId, string commandId, string data, CancellationToken ct)
    {
        try
        {
            await NoContentAsync(HttpMethod.Post, SessionPath(sessionId) + "/command/" + DaytonaApiClient.Segment(commandId) + "/input",
                new SessionSendInputDto { Data = data }, RetryMode.RejectedOnly, ct).ConfigureAwait(false);
        }
        catch (DaytonaApiException ex) when (ex.StatusCode == 410)
        {
            throw new DaytonaException(ErrorIds.CommandEnded, System.Management.Automation.ErrorCategory.InvalidOperation,
                $"Command {commandId} in session '{sessionId}' of sandbox {SandboxName} has already ended; it reads no more input.", commandId,
                recommendedAction: "Check it with Get-DaytonaSession or Receive-DaytonaCommandLog; start it again with Start-DaytonaCommand if it should still run.",
                innerException: ex);
        }
    }

    /// <summary>
    /// GET .../logs without follow: JSON {output, stdout, stderr} (we send X-Daytona-SDK-Version 0.218.0),
    /// read as it streams in and kept up to <paramref name="limit"/> bytes per stream.
    /// </summary>
    public async Task<OutputReplyParser> GetCommandLogsAsync(string sessionId, string? commandId, long limit, CancellationToken ct)
    {
        var uri = Uri(LogsPath(sessionId, commandId));
        using var response = await _api.SendAsync(HttpMethod.Get, uri, null, RetryMode.Idempotent, ct, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        return await ReadOutputAsync(response, HttpMethod.Get, uri, limit, ct).ConfigureAwait(false);
    }

    /// <summary>POST .../exec with runAsync: returns the command id at once. Retried only when nothing ran (see <see cref="RetryMode.RejectedOnly"/>).</summary>
    public async Task<string> ExecAsyncCommand(string sessionId, string line, CancellationToken ct, bool suppressInputEcho = false)
    {
        var reply = await JsonAsync<SessionExecuteResponseDto>(HttpMethod.Post, SessionPath(sessionId) + "/exec",
            new SessionExecuteDto { Command = line, RunAsync = true, SuppressInputEcho = suppressInputEcho ? true : null }, RetryMode.RejectedOnly, ct).ConfigureAwait(false);
        return reply?.CmdId ?? throw DaytonaApiException.Unexpected("Daytona accepted the command but returned no command id.", "POST", SessionPath(sessionId) + "/exec");
    }

    /// <summary>
    /// POST .../exec and wait for the result, read as it streams in and kept up to
    /// <paramref name="limit"/> bytes per stream. No request timeout or budget of the pipeline applies:
    /// <paramref name="ct"/> bounds it. Retried only when nothing ran (<see cref="RetryMode.RejectedOnly"/>).
    /// </summary>
    public async Task<OutputReplyParser> ExecSyncAsync(string sessionId, string line, long limit, CancellationToken ct)
    {
        var uri = Uri(SessionPath(sessionId) + "/exec");
        using var response = await _api.SendAsync(HttpMethod.Post, uri, () => DaytonaApiClient.JsonContent(new SessionExecuteDto { Command = line }),
            RetryMode.RejectedOnly, ct, HttpCompletionOption.ResponseHeadersRead, Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        return await ReadOutputAsync(response, HttpMethod.Post, uri, limit, ct).ConfigureAwait(false);
    }

    /// <summary>Parses a reply with command output; a body cut off or malformed is a DaytonaApiException.</summary>
    private static async Task<OutputReplyParser> ReadOutputAsync(HttpResponseMessage response, HttpMethod method, Uri uri, long limit, CancellationToken ct)
    {
        var display = method.Method + " " + DaytonaApiClient.Redact(uri);
        try
        {
            using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            using (ct.Register(static b => ((Stream)b!).Dispose(), body))
            {
                return await OutputReplyParser.ReadAsync(body, limit, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when ((ex is IOException || ex is HttpRequestException || ex is ObjectDisposedException) && !ct.IsCancellationRequested)
        {
            throw new DaytonaApiException(
                $"The reply to {display} was cut off after it began ({DaytonaResilience.Describe(ex)}).",
                DaytonaFailureKind.ConnectionFailed, (int)response.StatusCode, method.Method, DaytonaApiClient.Redact(uri), innerException: ex);
        }
        catch (Exception ex) when (ex is ObjectDisposedException || ex is IOException)
        {
            throw new OperationCanceledException(ct);
        }
        catch (FormatException ex)
        {
            throw new DaytonaApiException($"Daytona sent a reply to {display} that is not the expected JSON: {ex.Message}",
                DaytonaFailureKind.UnexpectedReply, (int)response.StatusCode, method.Method, DaytonaApiClient.Redact(uri), innerException: ex);
        }
    }

    /// <summary>Ends a session (this kills a command still running in it), ignoring failures; its own deadline, so it also runs after Ctrl+C.</summary>
    public async Task DiscardSessionAsync(string sessionId)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await DeleteSessionAsync(sessionId, cts.Token).ConfigureAwait(false);
            Log.WriteVerbose($"Removed session {sessionId} of sandbox {SandboxId}.");
        }
        catch (Exception ex) when (ex is DaytonaApiException || ex is OperationCanceledException)
        {
            Log.WriteVerbose($"Could not remove session {sessionId}: {ex.Message}");
        }
    }

    // ---------------------------------------------------------------- files

    /// <summary>POST /files/bulk-upload of one file (as Daytona's SDK uploads); parents are created by the daemon.</summary>
    public async Task UploadAsync(string remotePath, byte[] content, CancellationToken ct)
    {
        var name = remotePath.Substring(remotePath.LastIndexOf('/') + 1);
        HttpContent Build()
        {
            var form = new MultipartFormDataContent();
            form.Add(new StringContent(remotePath, Encoding.UTF8), "files[0].path");
            var file = new ByteArrayContent(content);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(file, "files[0].file", name);
            return form;
        }
        using var response = await _api.SendAsync(HttpMethod.Post, Uri("/files/bulk-upload"), Build, RetryMode.Idempotent, ct).ConfigureAwait(false);
    }

    /// <summary>DELETE /files?path=; a missing file is fine.</summary>
    public async Task DeleteFileAsync(string remotePath, CancellationToken ct)
    {
        try
        {
            using var response = await _api.SendAsync(HttpMethod.Delete, Uri("/files?path=" + System.Uri.EscapeDataString(remotePath)), null, RetryMode.Idempotent, ct).ConfigureAwait(false);
        }
        catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.NotFound)
        {
        }
    }

    // ---------------------------------------------------------------- log follow

    /// <summary>
    /// Follows a session command's log over Daytona's WebSocket
    /// (<c>.../command/{id}/logs?follow=true</c>, the normal headers on the upgrade, never the key
    /// in the URL) and hands demultiplexed chunks to <paramref name="onChunk"/> until the command
    /// ends. The server replays the whole log on every connection, so after a dropped connection
    /// it reconnects and skips the bytes already seen: nothing is lost or delivered twice.
    /// </summary>
    /// <summary>Whether the command (or the entrypoint: its session's command, or none at all) has ended.</summary>
    private async Task<bool> HasEndedAsync(string sessionId, string? commandId, CancellationToken ct)
    {
        if (commandId is not null) return (await GetCommandAsync(sessionId, commandId, ct).ConfigureAwait(false)).ExitCode is not null;
        var entrypoint = (await GetSessionAsync(EntrypointSessionId, ct).ConfigureAwait(false)).Commands;
        return entrypoint is null || entrypoint.Count == 0 || entrypoint[0].ExitCode is not null;
    }

    public async Task FollowLogsAsync(string sessionId, string? commandId, Action<LogStreamKind, byte[]> onChunk, CancellationToken ct)
    {
        var path = LogsPath(sessionId, commandId) + "?follow=true";
        var http = Uri(path);
        var ws = new UriBuilder(http) { Scheme = http.Scheme == "https" ? "wss" : "ws" }.Uri;
        var demux = new LogDemultiplexer();
        long delivered = 0;
        var failures = 0;
        while (true)
        {
            long seen = 0;
            var closed = false;
            Exception? failure = null;
            try
            {
                using var socket = new ClientWebSocket();
                AddHeaders(socket.Options);
                var watch = Stopwatch.StartNew();
                await socket.ConnectAsync(ws, ct).ConfigureAwait(false);
                Log.WriteVerbose(string.Format(CultureInfo.InvariantCulture, "WS {0} -> connected in {1} ms", DaytonaApiClient.Redact(http), watch.ElapsedMilliseconds));
                var buffer = new byte[16 * 1024];
                while (true)
                {
                    var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        closed = true;
                        try { await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, ct).ConfigureAwait(false); }
                        catch (Exception ex) when (ex is WebSocketException || ex is IOException) { }
                        break;
                    }
                    var offset = 0;
                    var count = result.Count;
                    if (seen < delivered)
                    {
                        var skip = (int)Math.Min(delivered - seen, count);
                        offset += skip;
                        count -= skip;
                        seen += skip;
                    }
                    if (count > 0)
                    {
                        demux.Feed(buffer, offset, count, onChunk);
                        seen += count;
                        delivered += count;
                        failures = 0;
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is WebSocketException || ex is IOException || ex is HttpRequestException)
            {
                failure = ex;
            }

            if (closed && await HasEndedAsync(sessionId, commandId, ct).ConfigureAwait(false)) break;
            if (++failures > 5)
            {
                throw new DaytonaApiException(
                    $"Lost the log stream of {(commandId is null ? "the entrypoint" : "command " + commandId)} in session {sessionId} {failures - 1} times in a row{(failure is null ? "." : ": " + failure.Message)}",
                    DaytonaFailureKind.ConnectionFailed, 0, "GET", DaytonaApiClient.Redact(http), innerException: failure);
            }
            Log.WriteVerbose($"Log stream of command {commandId} {(failure is null ? "closed" : "failed (" + failure.Message + ")")} before the command ended; reconnecting after {delivered} bytes.");
            await Task.Delay(TimeSpan.FromMilliseconds(200 * failures), ct).ConfigureAwait(false);
        }
        demux.Flush(onChunk);
    }

    /// <summary>The headers of every Daytona call (<see cref="DaytonaAuthHandler.Headers"/>), on the WebSocket upgrade.</summary>
    internal void AddHeaders(ClientWebSocketOptions options)
    {
        foreach (var header in DaytonaAuthHandler.Headers(_api.Connection))
        {
            try
            {
                options.SetRequestHeader(header.Key, header.Value);
            }
            catch (ArgumentException) when (header.Key == "User-Agent")
            {
                // .NET Framework's ClientWebSocket treats User-Agent as restricted; the call works without it.
            }
        }
    }
}
