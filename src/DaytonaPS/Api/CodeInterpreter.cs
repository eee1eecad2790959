using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net.Http;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Api;

/// <summary>What Invoke-DaytonaCode asks for.</summary>
internal sealed class CodeRequest
{
    public CodeRequest(string language, string code)
    {
        Language = language;
        Code = code;
    }

    public string Language { get; }
    public string Code { get; }
    /// <summary>An interpreter context id; null for the default context (or code-run).</summary>
    public string? ContextId { get; set; }
    /// <summary>Arguments for the program: these send the code through code-run.</summary>
    public IReadOnlyList<string>? Argv { get; set; }
    public Dictionary<string, string>? Environment { get; set; }
    /// <summary>Seconds; null for Daytona's default, 0 for no limit.</summary>
    public int? TimeoutSec { get; set; }
    /// <summary>Called with each complete line of output as it arrives (stdout or stderr).</summary>
    public Action<LogStreamKind, string>? OnLine { get; set; }

    /// <summary>Python without argv runs in an interpreter context; everything else through code-run.</summary>
    public bool UsesInterpreter => Language == "python" && Argv is null;
}

/// <summary>
/// Daytona's code execution in one sandbox: stateful Python interpreter contexts
/// (<c>/process/interpreter/*</c>, code run over a WebSocket that streams stdout, stderr, the
/// error and a control chunk) and one-off runs (<c>POST /process/code-run</c>, any language
/// Daytona knows, with argv; output comes back at the end, stdout and stderr combined).
/// </summary>
internal sealed class CodeInterpreter
{
    /// <summary>Daytona closes the execute WebSocket with this code at the execution's timeout.</summary>
    internal const int TimeoutCloseCode = 4008;

    /// <summary>The HTTP wait of code-run beyond -TimeoutSec (the daemon stops the code first and answers 408).</summary>
    private static readonly TimeSpan DeadlineGrace = TimeSpan.FromSeconds(30);

    private readonly ToolboxClient _toolbox;

    public CodeInterpreter(ToolboxClient toolbox) => _toolbox = toolbox;

    private const string ContextsPath = "/process/interpreter/context";

    public async Task<CodeContext> CreateContextAsync(string? workingDirectory, string language, CancellationToken ct)
    {
        using var response = await _toolbox.Api.SendAsync(HttpMethod.Post, _toolbox.Uri(ContextsPath),
            () => DaytonaApiClient.JsonContent(new CreateCodeContextDto { Cwd = workingDirectory, Language = language }),
            RetryMode.RejectedOnly, ct).ConfigureAwait(false);
        var dto = await DaytonaApiClient.ReadJsonAsync<CodeContextDto>(response, ct).ConfigureAwait(false)
            ?? throw DaytonaApiException.Unexpected("Daytona created an interpreter context but returned no description of it.", "POST", ContextsPath);
        return ToModel(dto);
    }

    /// <summary>The contexts users created (Daytona leaves the default one out).</summary>
    public async Task<IReadOnlyList<CodeContext>> ListContextsAsync(CancellationToken ct)
    {
        using var response = await _toolbox.Api.SendAsync(HttpMethod.Get, _toolbox.Uri(ContextsPath), null, RetryMode.Idempotent, ct).ConfigureAwait(false);
        var dto = await DaytonaApiClient.ReadJsonAsync<CodeContextListDto>(response, ct).ConfigureAwait(false);
        return (dto?.Contexts ?? new List<CodeContextDto>()).Select(ToModel).ToList();
    }

    public async Task DeleteContextAsync(string contextId, CancellationToken ct)
    {
        using var response = await _toolbox.Api.SendAsync(HttpMethod.Delete, _toolbox.Uri(ContextsPath + "/" + DaytonaApiClient.Segment(contextId)), null, RetryMode.Idempotent, ct).ConfigureAwait(false);
    }

    private CodeContext ToModel(CodeContextDto dto) => new(_toolbox.SandboxId, dto.Id, dto.Language ?? "python", dto.Cwd ?? string.Empty,
        DateTimeOffset.TryParse(dto.CreatedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null, dto.Active);

    /// <summary>
    /// Runs the code and returns its result; an exception in the code is on the result. Throws
    /// DaytonaException CodeTimeout (with the partial result as target) when it hit its timeout,
    /// NotFound for an unknown context, or DaytonaApiException.
    /// </summary>
    public Task<CodeResult> RunAsync(CodeRequest request, CancellationToken ct) =>
        request.UsesInterpreter ? ExecuteAsync(request, ct) : CodeRunAsync(request, ct);

    // ---------------------------------------------------------------- code-run

    private async Task<CodeResult> CodeRunAsync(CodeRequest request, CancellationToken ct)
    {
        var started = DateTimeOffset.Now;
        var watch = Stopwatch.StartNew();
        var body = new CodeRunRequestDto
        {
            Code = request.Code,
            Language = request.Language,
            // The daemon joins argv with spaces into a shell line; quoting each keeps every argument whole.
            Argv = request.Argv?.Select(CommandScript.Quote).ToList(),
            Envs = request.Environment,
            Timeout = request.TimeoutSec,
        };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (request.TimeoutSec > 0) deadline.CancelAfter(TimeSpan.FromSeconds(request.TimeoutSec.Value) + DeadlineGrace);
        CodeRunResponseDto? reply;
        try
        {
            using var response = await _toolbox.Api.SendAsync(HttpMethod.Post, _toolbox.Uri("/process/code-run"), () => DaytonaApiClient.JsonContent(body),
                RetryMode.RejectedOnly, deadline.Token, HttpCompletionOption.ResponseContentRead, Timeout.InfiniteTimeSpan).ConfigureAwait(false);
            reply = await DaytonaApiClient.ReadJsonAsync<CodeRunResponseDto>(response, deadline.Token).ConfigureAwait(false);
        }
        catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.Timeout && request.TimeoutSec > 0)
        {
            throw TimedOut(request, watch.Elapsed, ex, null);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw TimedOut(request, watch.Elapsed, ex, null);
        }
        var output = reply?.Result ?? string.Empty;
        if (request.OnLine is { } onLine)
        {
            var lines = new LineSplitter(onLine, LogStreamKind.Stdout);
            lines.Feed(output);
            lines.Flush();
        }
        return new CodeResult(_toolbox.SandboxId, request.Language, null, request.Code, output, string.Empty, output, null,
            reply?.ExitCode ?? 0, started, watch.Elapsed);
    }

    // ---------------------------------------------------------------- interpreter

    private async Task<CodeResult> ExecuteAsync(CodeRequest request, CancellationToken ct)
    {
        var started = DateTimeOffset.Now;
        var watch = Stopwatch.StartNew();
        var http = _toolbox.Uri("/process/interpreter/execute");
        var ws = new UriBuilder(http) { Scheme = http.Scheme == "https" ? "wss" : "ws" }.Uri;
        var log = _toolbox.Api.Log;
        using var socket = new ClientWebSocket();
        _toolbox.AddHeaders(socket.Options);
        try
        {
            await socket.ConnectAsync(ws, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException || ex is HttpRequestException || ex is IOException)
        {
            // The upgrade was refused: ask the same sandbox over plain HTTP, whose error says why
            // (not started, unknown sandbox, credential rejected); if that works, the socket failed.
            await ListContextsAsync(ct).ConfigureAwait(false);
            throw new DaytonaApiException($"Could not open the code interpreter's WebSocket for sandbox {_toolbox.SandboxId}: {ex.Message}",
                DaytonaFailureKind.ConnectionFailed, 0, "GET", DaytonaApiClient.Redact(http), innerException: ex);
        }
        log.WriteVerbose(string.Format(CultureInfo.InvariantCulture, "WS {0} -> connected in {1} ms", DaytonaApiClient.Redact(http), watch.ElapsedMilliseconds));

        var message = new CodeExecuteDto { Code = request.Code, ContextId = request.ContextId, Timeout = request.TimeoutSec, Envs = request.Environment };
        var payload = JsonSerializer.SerializeToUtf8Bytes(message, DaytonaJson.Options);
        await socket.SendAsync(new ArraySegment<byte>(payload), WebSocketMessageType.Text, true, ct).ConfigureAwait(false);

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var output = new StringBuilder();
        CodeError? error = null;
        string? control = null;
        var outLines = request.OnLine is null ? null : new LineSplitter(request.OnLine, LogStreamKind.Stdout);
        var errLines = request.OnLine is null ? null : new LineSplitter(request.OnLine, LogStreamKind.Stderr);
        var buffer = new byte[16 * 1024];
        using var frame = new MemoryStream();
        WebSocketCloseStatus? closeStatus = null;
        string? closeReason = null;
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    closeStatus = result.CloseStatus;
                    closeReason = result.CloseStatusDescription;
                    try { await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, ct).ConfigureAwait(false); }
                    catch (Exception ex) when (ex is WebSocketException || ex is IOException) { }
                    break;
                }
                frame.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage) continue;
                CodeChunkDto? chunk;
                try
                {
                    chunk = JsonSerializer.Deserialize<CodeChunkDto>(frame.ToArray(), DaytonaJson.Options);
                }
                catch (JsonException)
                {
                    chunk = null; // as Daytona's SDK does: a frame that is not a chunk is skipped
                }
                frame.SetLength(0);
                switch (chunk?.Type)
                {
                    case "stdout":
                        stdout.Append(chunk.Text);
                        output.Append(chunk.Text);
                        outLines?.Feed(chunk.Text);
                        break;
                    case "stderr":
                        stderr.Append(chunk.Text);
                        output.Append(chunk.Text);
                        errLines?.Feed(chunk.Text);
                        break;
                    case "error":
                        error = new CodeError(chunk.Name ?? string.Empty, chunk.Value ?? string.Empty, chunk.Traceback ?? string.Empty);
                        break;
                    case "control":
                        control = chunk.Text;
                        break;
                }
            }
        }
        catch (Exception ex) when ((ex is WebSocketException || ex is IOException) && !ct.IsCancellationRequested)
        {
            throw new DaytonaApiException($"The code interpreter's WebSocket of sandbox {_toolbox.SandboxId} was cut off before the code ended ({ex.Message}).",
                DaytonaFailureKind.ConnectionFailed, 0, "GET", DaytonaApiClient.Redact(http), innerException: ex);
        }
        outLines?.Flush();
        errLines?.Flush();

        var code = closeStatus is null ? 0 : (int)closeStatus.Value;
        log.WriteVerbose(string.Format(CultureInfo.InvariantCulture, "WS {0} -> closed {1}{2} after {3} ms", DaytonaApiClient.Redact(http), code,
            string.IsNullOrEmpty(closeReason) ? string.Empty : " (" + closeReason + ")", watch.ElapsedMilliseconds));
        var codeResult = new CodeResult(_toolbox.SandboxId, request.Language, request.ContextId ?? "default", request.Code,
            stdout.ToString(), stderr.ToString(), output.ToString(), error, null, started, watch.Elapsed);
        if (code == TimeoutCloseCode || control == "interrupted") throw TimedOut(request, watch.Elapsed, null, codeResult);
        if (code == (int)WebSocketCloseStatus.NormalClosure || code == (int)WebSocketCloseStatus.EndpointUnavailable)
        {
            if (code == (int)WebSocketCloseStatus.EndpointUnavailable) log.WriteWarning($"The interpreter of context '{request.ContextId ?? "default"}' in sandbox {_toolbox.SandboxId} ended ({closeReason}); its next run starts with fresh state.");
            return codeResult;
        }
        if (closeReason is not null && closeReason.StartsWith("context not found", StringComparison.Ordinal))
        {
            throw new DaytonaException(ErrorIds.NotFound, ErrorCategory.ObjectNotFound,
                $"Sandbox {_toolbox.SandboxId} has no interpreter context '{request.ContextId}'.", request.ContextId,
                recommendedAction: "Get-DaytonaCodeContext lists the contexts; New-DaytonaCodeContext creates one.");
        }
        throw new DaytonaApiException(
            string.Format(CultureInfo.InvariantCulture, "Daytona ended the code execution in sandbox {0} with WebSocket close code {1}{2}.",
                _toolbox.SandboxId, code, string.IsNullOrEmpty(closeReason) ? string.Empty : ": " + closeReason),
            closeStatus == WebSocketCloseStatus.PolicyViolation || closeStatus == WebSocketCloseStatus.ProtocolError ? DaytonaFailureKind.InvalidRequest : DaytonaFailureKind.ServerError,
            0, "GET", DaytonaApiClient.Redact(http), serverMessage: closeReason);
    }

    private DaytonaException TimedOut(CodeRequest request, TimeSpan elapsed, Exception? inner, CodeResult? partial) =>
        new(ErrorIds.CodeTimeout, ErrorCategory.OperationTimeout,
            string.Format(CultureInfo.InvariantCulture, "The {0} code did not finish within {1} in sandbox {2} (stopped after {3:0.#} s).",
                request.Language, request.TimeoutSec is { } s ? "-TimeoutSec " + s.ToString(CultureInfo.InvariantCulture) : "Daytona's default timeout",
                _toolbox.SandboxId, elapsed.TotalSeconds),
            (object?)partial ?? _toolbox.SandboxId,
            recommendedAction: "Raise -TimeoutSec (0 for no limit). An interpreter context keeps its state after a timeout.", innerException: inner);

    /// <summary>Turns text chunks into complete lines for a line callback (the rest at Flush).</summary>
    private sealed class LineSplitter
    {
        private readonly Action<LogStreamKind, string> _onLine;
        private readonly LogStreamKind _stream;
        private readonly StringBuilder _pending = new();

        public LineSplitter(Action<LogStreamKind, string> onLine, LogStreamKind stream)
        {
            _onLine = onLine;
            _stream = stream;
        }

        public void Feed(string? text)
        {
            if (string.IsNullOrEmpty(text)) return;
            foreach (var c in text!)
            {
                if (c == '\n')
                {
                    var line = _pending.ToString();
                    _pending.Clear();
                    _onLine(_stream, line.EndsWith("\r", StringComparison.Ordinal) ? line.Substring(0, line.Length - 1) : line);
                }
                else
                {
                    _pending.Append(c);
                }
            }
        }

        public void Flush()
        {
            if (_pending.Length == 0) return;
            _onLine(_stream, _pending.ToString());
            _pending.Clear();
        }
    }
}
