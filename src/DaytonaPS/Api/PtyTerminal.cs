using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Api;

/// <summary>The local side of a terminal: raw keyboard bytes in, terminal bytes out, its size.</summary>
internal interface ITerminalConsole
{
    /// <summary>Waits up to <paramref name="timeout"/> for input; returns the bytes typed (empty when none came).</summary>
    byte[] ReadInput(TimeSpan timeout);

    void WriteOutput(byte[] data, int count);

    /// <summary>Columns and rows now.</summary>
    (int Columns, int Rows) Size { get; }
}

/// <summary>How a terminal session ended.</summary>
internal sealed class TerminalOutcome
{
    public TerminalOutcome(int? exitCode, bool detached, TimeSpan? firstOutputAfter)
    {
        ExitCode = exitCode;
        Detached = detached;
        FirstOutputAfter = firstOutputAfter;
    }

    /// <summary>The shell's exit code; null when the user left with the escape key.</summary>
    public int? ExitCode { get; }
    public bool Detached { get; }
    /// <summary>From the start (see RunAsync) to the first byte of terminal output: the shell's first prompt.</summary>
    public TimeSpan? FirstOutputAfter { get; }
}

/// <summary>
/// An interactive terminal in a sandbox over Daytona's toolbox PTY API (for networks and machines
/// where SSH is no option): creates a PTY session (lazily started, so the first prompt is not
/// lost), connects its WebSocket (<c>/process/pty/{id}/connect</c>, offering the subprotocol
/// X-Daytona-Pty-Exit-Control so the exit code arrives as a control message), relays keyboard
/// bytes as they are typed (Ctrl+C included: it is a byte for the remote terminal) and output as it
/// arrives, sends window size changes to <c>/resize</c>, and deletes the session at the end. The
/// escape byte (Ctrl+], 0x1D) leaves without waiting for the shell.
/// </summary>
internal sealed class PtyTerminal
{
    public const byte EscapeByte = 0x1D;
    public const string ExitControlSubprotocol = "X-Daytona-Pty-Exit-Control";
    private static readonly TimeSpan InputPoll = TimeSpan.FromMilliseconds(100);

    private readonly ToolboxClient _toolbox;

    public PtyTerminal(ToolboxClient toolbox) => _toolbox = toolbox;

    private static string SessionPath(string id) => "/process/pty/" + DaytonaApiClient.Segment(id);

    /// <param name="since">The clock <see cref="TerminalOutcome.FirstOutputAfter"/> is read from (the cmdlet's start).</param>
    public async Task<TerminalOutcome> RunAsync(ITerminalConsole console, string? workingDirectory, System.Collections.Generic.Dictionary<string, string>? environment, Stopwatch since, CancellationToken ct)
    {
        var watch = since;
        var log = _toolbox.Api.Log;
        var sessionId = "daytonaps-terminal-" + Guid.NewGuid().ToString("N").Substring(0, 12);
        var (cols, rows) = Clamp(console.Size);
        var create = new { id = sessionId, cwd = workingDirectory, envs = environment, cols, rows, lazyStart = true };
        using (await _toolbox.Api.SendAsync(HttpMethod.Post, _toolbox.Uri("/process/pty"), () => DaytonaApiClient.JsonContent(create), RetryMode.RejectedOnly, ct).ConfigureAwait(false))
        {
        }
        log.WriteVerbose(string.Format(CultureInfo.InvariantCulture, "PTY session {0} ({1}x{2}) created in {3} ms.", sessionId, cols, rows, watch.ElapsedMilliseconds));
        try
        {
            return await ConnectAsync(console, sessionId, (cols, rows), watch, ct).ConfigureAwait(false);
        }
        finally
        {
            await DeleteQuietlyAsync(sessionId).ConfigureAwait(false);
        }
    }

    private async Task<TerminalOutcome> ConnectAsync(ITerminalConsole console, string sessionId, (int, int) size, Stopwatch watch, CancellationToken ct)
    {
        var http = _toolbox.Uri(SessionPath(sessionId) + "/connect");
        var ws = new UriBuilder(http) { Scheme = http.Scheme == "https" ? "wss" : "ws" }.Uri;
        using var socket = new ClientWebSocket();
        _toolbox.AddHeaders(socket.Options);
        socket.Options.AddSubProtocol(ExitControlSubprotocol);
        try
        {
            await socket.ConnectAsync(ws, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException || ex is HttpRequestException || ex is IOException)
        {
            throw new DaytonaApiException($"Could not open the terminal's WebSocket for sandbox {_toolbox.SandboxId}: {ex.Message}",
                DaytonaFailureKind.ConnectionFailed, 0, "GET", DaytonaApiClient.Redact(http), innerException: ex);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var detached = false;
        var input = Task.Run(async () =>
        {
            var last = size;
            while (!stop.IsCancellationRequested)
            {
                var bytes = console.ReadInput(InputPoll);
                var now = Clamp(console.Size);
                if (now != last)
                {
                    last = now;
                    await ResizeQuietlyAsync(sessionId, now, stop.Token).ConfigureAwait(false);
                }
                if (bytes.Length == 0) continue;
                var escape = Array.IndexOf(bytes, EscapeByte);
                var count = escape < 0 ? bytes.Length : escape;
                if (count > 0) await socket.SendAsync(new ArraySegment<byte>(bytes, 0, count), WebSocketMessageType.Binary, true, stop.Token).ConfigureAwait(false);
                if (escape >= 0)
                {
                    detached = true;
                    return;
                }
            }
        });

        int? exitCode = null;
        TimeSpan? firstOutput = null;
        var buffer = new byte[32 * 1024];
        using var message = new MemoryStream();
        var receive = Task.Run(async () =>
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), stop.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    exitCode ??= ExitCodeFrom(result.CloseStatusDescription) ?? (result.CloseStatus == WebSocketCloseStatus.NormalClosure ? 0 : null);
                    return;
                }
                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    if (result.Count > 0 && firstOutput is null) firstOutput = watch.Elapsed;
                    console.WriteOutput(buffer, result.Count);
                    continue;
                }
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage) continue;
                var text = Encoding.UTF8.GetString(message.ToArray());
                message.SetLength(0);
                var control = Control(text);
                if (control is null)
                {
                    // Not a control message: terminal output sent as text.
                    var bytes = Encoding.UTF8.GetBytes(text);
                    if (bytes.Length > 0 && firstOutput is null) firstOutput = watch.Elapsed;
                    console.WriteOutput(bytes, bytes.Length);
                }
                else if (control.Value.Status == "exited")
                {
                    exitCode = control.Value.ExitCode;
                }
                else if (control.Value.Status == "error")
                {
                    throw new DaytonaApiException($"Daytona refused the terminal session in sandbox {_toolbox.SandboxId}: {control.Value.Error}",
                        DaytonaFailureKind.InvalidRequest, 0, "GET", DaytonaApiClient.Redact(http), serverMessage: control.Value.Error);
                }
            }
        });

        var first = await Task.WhenAny(input, receive).ConfigureAwait(false);
        stop.Cancel();
        if (first == receive)
        {
            try
            {
                await receive.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is WebSocketException || ex is IOException)
            {
                throw new DaytonaApiException($"The terminal's connection to sandbox {_toolbox.SandboxId} was lost: {ex.Message}",
                    DaytonaFailureKind.ConnectionFailed, 0, "GET", DaytonaApiClient.Redact(http), innerException: ex);
            }
        }
        else
        {
            await input.ConfigureAwait(false); // a send failure surfaces here
        }
        try { await Task.WhenAll(input, receive).ConfigureAwait(false); }
        catch (Exception) when (stop.IsCancellationRequested) { }
        return new TerminalOutcome(detached ? null : exitCode, detached, firstOutput);
    }

    private static (int Columns, int Rows) Clamp((int Columns, int Rows) size) =>
        (Math.Min(1000, Math.Max(1, size.Columns)), Math.Min(1000, Math.Max(1, size.Rows)));

    private async Task ResizeQuietlyAsync(string sessionId, (int Columns, int Rows) size, CancellationToken ct)
    {
        try
        {
            using (await _toolbox.Api.SendAsync(HttpMethod.Post, _toolbox.Uri(SessionPath(sessionId) + "/resize"),
                () => DaytonaApiClient.JsonContent(new { cols = size.Columns, rows = size.Rows }), RetryMode.Idempotent, ct).ConfigureAwait(false))
            {
            }
        }
        catch (DaytonaApiException ex)
        {
            _toolbox.Api.Log.WriteVerbose($"Could not resize the terminal: {ex.Message}");
        }
    }

    /// <summary>Ends the session (a no-op for one that has exited), with its own deadline so it also runs after Ctrl+C.</summary>
    private async Task DeleteQuietlyAsync(string sessionId)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using (await _toolbox.Api.SendAsync(HttpMethod.Delete, _toolbox.Uri(SessionPath(sessionId)), null, RetryMode.Idempotent, cts.Token).ConfigureAwait(false))
            {
            }
        }
        catch (Exception ex) when (ex is DaytonaApiException || ex is OperationCanceledException)
        {
            // Gone already (it exited), or unreachable: nothing to clean up that the sandbox keeps.
        }
    }

    private struct ControlMessage
    {
        public string? Status;
        public int? ExitCode;
        public string? Error;
    }

    /// <summary>A {"type":"control",...} message, or null for any other text.</summary>
    private static ControlMessage? Control(string text)
    {
        if (!text.StartsWith("{", StringComparison.Ordinal)) return null;
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.GetString() != "control") return null;
            return new ControlMessage
            {
                Status = root.TryGetProperty("status", out var s) ? s.GetString() : null,
                ExitCode = root.TryGetProperty("exitCode", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : null,
                Error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The exit code in a close reason {"exitCode":N,...}.</summary>
    private static int? ExitCodeFrom(string? reason)
    {
        if (string.IsNullOrEmpty(reason) || !reason!.StartsWith("{", StringComparison.Ordinal)) return null;
        try
        {
            using var doc = JsonDocument.Parse(reason);
            return doc.RootElement.TryGetProperty("exitCode", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
