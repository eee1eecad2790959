using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Api;

/// <summary>
/// The command-run protocol, whole: Invoke-DaytonaCommand, Start-DaytonaCommand and
/// Receive-DaytonaCommandLog only bind parameters, call this and write what it returns.
/// <list type="bullet">
/// <item>A run rents a session of DaytonaPS's own from <see cref="ExecSessionPool"/> (or creates one),
/// uploads stdin and an over-long script when needed, and sends the command once: by one synchronous
/// exec, or (with -Stream or -OutFile) by an asynchronous exec that is then followed over the log
/// WebSocket with <see cref="FollowAsync"/>, the same follow-and-collect that Receive-DaytonaCommandLog
/// -Follow uses.</item>
/// <item>Afterwards the session is returned for reuse when it is known to be fine, or ended
/// (<see cref="ToolboxClient.DiscardSessionAsync"/>, which also stops the command) when the command
/// may still be running: never left open and forgotten.</item>
/// <item>A send is repeated only when the answer proves the command did not run: 429, 503 and a
/// connection never made are retried by the pipeline (<see cref="RetryMode.RejectedOnly"/>, honouring
/// Retry-After); a pooled session that is not found (the sandbox restarted) empties the sandbox's pool
/// and the command goes to a new session; "not started" starts the sandbox first with -AutoStart.
/// Anything else (a 500, 502 or 504 from the exec, a reset after the request was sent, a timeout) may
/// come after the command started, so it is reported, not re-sent.</item>
/// <item>Output is kept up to <see cref="CommandRequest.OutputLimit"/> per stream, with a warning that
/// names the sandbox when something was dropped.</item>
/// </list>
/// Failures are <see cref="DaytonaApiException"/> or <see cref="DaytonaException"/>, for one sandbox.
/// </summary>
internal sealed class CommandRunner
{
    /// <summary>Default of -MaximumOutputSize: bytes of stdout and of stderr kept in memory.</summary>
    public const long DefaultOutputLimit = 10 * 1024 * 1024;

    /// <summary>How long -AutoStart waits for the sandbox to be started.</summary>
    internal static readonly TimeSpan AutoStartTimeout = TimeSpan.FromSeconds(120);

    /// <summary>The HTTP wait beyond -TimeoutSec: coreutils timeout stops the command in the sandbox first.</summary>
    private static readonly TimeSpan DeadlineGrace = TimeSpan.FromSeconds(10);

    private readonly DaytonaApiClient _api;
    private readonly ExecSessionPool _pool;

    public CommandRunner(DaytonaApiClient api, ExecSessionPool? pool = null)
    {
        _api = api;
        _pool = pool ?? ExecSessionPool.Shared;
    }

    private IDaytonaLog Log => _api.Log;

    // ------------------------------------------------------------------ Invoke-DaytonaCommand

    /// <summary>Runs a command and waits for it. Throws DaytonaException CommandTimeout / SandboxNotStarted, or DaytonaApiException.</summary>
    public async Task<CommandResult> RunAsync(ToolboxClient toolbox, CommandRequest request, CancellationToken ct)
    {
        var startedAt = DateTimeOffset.Now;
        var watch = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (request.TimeoutSec > 0) deadline.CancelAfter(TimeSpan.FromSeconds(request.TimeoutSec) + DeadlineGrace);
        CommandResult result;
        try
        {
            result = await WithAutoStartAsync(toolbox, request.AutoStart, () => RunOnceAsync(toolbox, request, startedAt, watch, deadline.Token), ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw TimedOut(toolbox, request, watch.Elapsed, ex, null);
        }
        if (request.TimeoutSec > 0 && (result.ExitCode == 124 || result.ExitCode == 137) && watch.Elapsed.TotalSeconds >= request.TimeoutSec - 0.25)
        {
            // coreutils timeout stopped it in the sandbox.
            throw TimedOut(toolbox, request, watch.Elapsed, null, result);
        }
        return result;
    }

    private async Task<CommandResult> RunOnceAsync(ToolboxClient toolbox, CommandRequest request, DateTimeOffset startedAt, Stopwatch watch, CancellationToken ct)
    {
        var files = new UploadedFiles(toolbox);
        try
        {
            var line = await PrepareLineAsync(toolbox, request, files, stdin: true, ct).ConfigureAwait(false);
            var result = request.Follows
                ? await RunFollowingAsync(toolbox, request, line, startedAt, watch, ct).ConfigureAwait(false)
                : await RunSyncAsync(toolbox, request, line, startedAt, watch, ct).ConfigureAwait(false);
            // The command's wrapper removed its files once it had opened them.
            files.HandedOver();
            return result;
        }
        finally
        {
            await files.RemoveLeftoversAsync().ConfigureAwait(false);
        }
    }

    private async Task<CommandResult> RunSyncAsync(ToolboxClient toolbox, CommandRequest request, string line, DateTimeOffset startedAt, Stopwatch watch, CancellationToken ct)
    {
        var (session, reply) = await SendAsync(toolbox, id => toolbox.ExecSyncAsync(id, line, request.OutputLimit, ct), ct).ConfigureAwait(false);
        _pool.Return(toolbox.BaseUrl, session);
        watch.Stop();
        var output = reply.HasOutput ? reply.Output.ToString() : reply.Stdout.ToString() + reply.Stderr;
        WarnIfTruncated(toolbox, request, reply.Stdout, reply.Stderr, reply.Output);
        return new CommandResult(toolbox.SandboxId, request.Command, reply.ExitCode ?? -1, output,
            reply.Stdout.ToString(), reply.Stderr.ToString(), startedAt, watch.Elapsed, reply.Truncated);
    }

    private async Task<CommandResult> RunFollowingAsync(ToolboxClient toolbox, CommandRequest request, string line, DateTimeOffset startedAt, Stopwatch watch, CancellationToken ct)
    {
        using var file = OpenOutFile(request.OutFile);
        var (session, commandId) = await SendAsync(toolbox, id => toolbox.ExecAsyncCommand(id, line, ct), ct).ConfigureAwait(false);
        var collector = new LogCollector(request.OutputLimit, request.OnLine, file);
        int? exitCode;
        try
        {
            exitCode = await FollowAsync(toolbox, session.Id, commandId, collector, ct).ConfigureAwait(false);
        }
        catch
        {
            // The command may still run: ending its session stops it.
            collector.Complete();
            await toolbox.DiscardSessionAsync(session.Id).ConfigureAwait(false);
            throw;
        }
        _pool.Return(toolbox.BaseUrl, session);
        watch.Stop();
        if (file is not null) Log.WriteVerbose($"Wrote {collector.StdoutSinkBytes} bytes of stdout to {request.OutFile}.");
        WarnIfTruncated(toolbox, request, collector.StdoutText, collector.StderrText, null);
        return new CommandResult(toolbox.SandboxId, request.Command, exitCode ?? -1, collector.Output, collector.Stdout, collector.Stderr,
            startedAt, watch.Elapsed, collector.Truncated);
    }

    /// <summary>
    /// Sends the command in a pooled session: rents one (or creates one), calls <paramref name="send"/>
    /// and hands back the session it succeeded in (the caller returns or discards it). On failure the
    /// session is returned when nothing ran, ended when the command may run, and a stale one makes
    /// the pool forget the sandbox's sessions and the command go to a new session.
    /// </summary>
    private async Task<(ExecSession Session, T Reply)> SendAsync<T>(ToolboxClient toolbox, Func<string, Task<T>> send, CancellationToken ct)
    {
        var key = toolbox.BaseUrl;
        for (var stale = 0; ; stale++)
        {
            ExecSession? rented = null;
            try
            {
                rented = await RentAsync(toolbox, ct).ConfigureAwait(false);
                var reply = await send(rented.Value.Id).ConfigureAwait(false);
                return (rented.Value, reply);
            }
            catch (DaytonaApiException ex) when (rented is { Fresh: false } s && IsNotFound(ex) && stale < 2)
            {
                // A session kept from an earlier call is gone: nothing ran. Its sandbox restarted (or
                // was stopped and started), which ended every session of that time, so forget them all.
                var dropped = _pool.Forget(key, s);
                Log.WriteVerbose($"Session {s.Id} of sandbox {toolbox.SandboxId} no longer exists (the sandbox restarted); forgot it and {dropped} other idle session(s), using a new one.");
            }
            catch (DaytonaApiException ex) when (IsNotStarted(ex))
            {
                // Stopped or archived: its sessions ended with it. Nothing ran (see WithAutoStartAsync).
                _pool.ForgetAll(key);
                throw;
            }
            catch (Exception ex) when (rented is { } s)
            {
                if (NothingRan(ex) && !IsNotFound(ex)) _pool.Return(key, s);
                else if (!IsNotFound(ex)) await toolbox.DiscardSessionAsync(s.Id).ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>A pooled session of the sandbox, or a new one (POST /process/session, which is safe to retry).</summary>
    private async Task<ExecSession> RentAsync(ToolboxClient toolbox, CancellationToken ct)
    {
        if (_pool.TryRent(toolbox.BaseUrl, out var session)) return session;
        session = _pool.NewSession(toolbox.BaseUrl);
        await toolbox.CreateSessionAsync(session.Id, existingIsFine: true, ct).ConfigureAwait(false);
        return session;
    }

    // ------------------------------------------------------------------ Start-DaytonaCommand

    /// <summary>Starts a command in the given session (created when missing) and returns its id at once.</summary>
    public Task<string> StartAsync(ToolboxClient toolbox, string sessionId, CommandRequest request, CancellationToken ct) =>
        WithAutoStartAsync(toolbox, request.AutoStart, async () =>
        {
            var files = new UploadedFiles(toolbox);
            try
            {
                var line = await PrepareLineAsync(toolbox, request, files, stdin: false, ct).ConfigureAwait(false);
                await toolbox.CreateSessionAsync(sessionId, existingIsFine: true, ct).ConfigureAwait(false);
                // The user's session: never ended here, whatever happens (it may run other commands).
                var commandId = await toolbox.ExecAsyncCommand(sessionId, line, ct, request.SuppressInputEcho).ConfigureAwait(false);
                files.HandedOver();
                return commandId;
            }
            finally
            {
                await files.RemoveLeftoversAsync().ConfigureAwait(false);
            }
        }, ct);

    // ------------------------------------------------------------------ Receive-DaytonaCommandLog

    /// <summary>
    /// The log of a session command: what it wrote so far, or with <paramref name="follow"/> everything until it ends.
    /// A null <paramref name="commandId"/> means the entrypoint session's log (the snapshot's entrypoint, run at start).
    /// </summary>
    public async Task<CommandLog> ReceiveAsync(ToolboxClient toolbox, string sessionId, string? commandId, bool follow, int timeoutSec,
        long limit, Action<LogStreamKind, string>? onLine, CancellationToken ct)
    {
        var what = commandId is null ? "the entrypoint" : "command " + commandId;
        if (!follow)
        {
            var logs = await toolbox.GetCommandLogsAsync(sessionId, commandId, limit, ct).ConfigureAwait(false);
            var info = await CommandInfoAsync(toolbox, sessionId, commandId, ct).ConfigureAwait(false);
            WarnIfTruncated(toolbox, what, limit, logs.Stdout, logs.Stderr, logs.Output);
            var output = logs.HasOutput ? logs.Output.ToString() : logs.Stdout.ToString() + logs.Stderr;
            return new CommandLog(toolbox.SandboxId, sessionId, commandId ?? info.Id, info.ExitCode, output, logs.Stdout.ToString(), logs.Stderr.ToString(), logs.Truncated);
        }
        var collector = new LogCollector(limit, onLine);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeoutSec > 0) deadline.CancelAfter(TimeSpan.FromSeconds(timeoutSec));
        SessionCommandDto followed;
        try
        {
            await toolbox.FollowLogsAsync(sessionId, commandId, collector.Add, deadline.Token).ConfigureAwait(false);
            collector.Complete();
            followed = await CommandInfoAsync(toolbox, sessionId, commandId, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            collector.Complete();
            throw new DaytonaException(ErrorIds.CommandTimeout, ErrorCategory.OperationTimeout,
                commandId is null
                    ? $"The entrypoint was still running after -TimeoutSec {timeoutSec}; it keeps running (Receive-DaytonaCommandLog -Entrypoint without -Follow shows its output so far)."
                    : $"Command {commandId} was still running after -TimeoutSec {timeoutSec}; it keeps running (Receive-DaytonaCommandLog again, or Remove-DaytonaSession to stop it).",
                toolbox.SandboxId);
        }
        WarnIfTruncated(toolbox, what, limit, collector.StdoutText, collector.StderrText, null);
        return new CommandLog(toolbox.SandboxId, sessionId, commandId ?? followed.Id, followed.ExitCode, collector.Output, collector.Stdout, collector.Stderr, collector.Truncated);
    }

    /// <summary>The command's id and exit code; for the entrypoint, those of the entrypoint session's (first) command, if it has one.</summary>
    private static async Task<SessionCommandDto> CommandInfoAsync(ToolboxClient toolbox, string sessionId, string? commandId, CancellationToken ct)
    {
        if (commandId is not null) return await toolbox.GetCommandAsync(sessionId, commandId, ct).ConfigureAwait(false);
        var session = await toolbox.GetSessionAsync(ToolboxClient.EntrypointSessionId, ct).ConfigureAwait(false);
        return session.Commands?.FirstOrDefault() ?? new SessionCommandDto { Id = string.Empty };
    }

    /// <summary>
    /// Follow and collect, shared by -Stream, -OutFile and Receive-DaytonaCommandLog -Follow: the log
    /// WebSocket until the command ends (reconnecting without loss or repeats), then its exit code.
    /// </summary>
    public static async Task<int?> FollowAsync(ToolboxClient toolbox, string sessionId, string commandId, LogCollector collector, CancellationToken ct)
    {
        await toolbox.FollowLogsAsync(sessionId, commandId, collector.Add, ct).ConfigureAwait(false);
        collector.Complete();
        var command = await toolbox.GetCommandAsync(sessionId, commandId, ct).ConfigureAwait(false);
        return command.ExitCode;
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>
    /// Runs <paramref name="attempt"/>. A "not started" answer to any of its calls (uploads, session,
    /// exec: all before the command runs) is DaytonaSandboxNotStarted; with -AutoStart it first starts
    /// the sandbox, waits until it is started and runs the attempt once more.
    /// </summary>
    private async Task<T> WithAutoStartAsync<T>(ToolboxClient toolbox, bool autoStart, Func<Task<T>> attempt, CancellationToken ct)
    {
        try
        {
            return await attempt().ConfigureAwait(false);
        }
        catch (DaytonaApiException ex) when (IsNotStarted(ex))
        {
            _pool.ForgetAll(toolbox.BaseUrl);
            if (!autoStart) throw NotStarted(toolbox, ex);
        }
        var dto = await _api.GetSandboxAsync(toolbox.SandboxId, ct).ConfigureAwait(false)
            ?? throw DaytonaApiException.NotFound($"Daytona returned no sandbox for '{toolbox.SandboxId}'.", "GET", "/sandbox/" + toolbox.SandboxId);
        var display = DaytonaPS.Sandbox.Describe(dto);
        Log.WriteVerbose($"{display} is {dto.State ?? "not started"}; starting it and waiting (-AutoStart).");
        await new SandboxOperations(_api).StartAsync(dto, display, wait: true, AutoStartTimeout, ct).ConfigureAwait(false);
        _pool.ForgetAll(toolbox.BaseUrl);
        try
        {
            return await attempt().ConfigureAwait(false);
        }
        catch (DaytonaApiException ex) when (IsNotStarted(ex))
        {
            _pool.ForgetAll(toolbox.BaseUrl);
            throw NotStarted(toolbox, ex);
        }
    }

    /// <summary>Uploads stdin and an over-long script, as needed, and builds the session line.</summary>
    private static async Task<string> PrepareLineAsync(ToolboxClient toolbox, CommandRequest request, UploadedFiles files, bool stdin, CancellationToken ct)
    {
        var utf8 = new UTF8Encoding(false);
        string? stdinPath = null;
        if (stdin && request.InputText is not null)
        {
            stdinPath = "/tmp/daytonaps-stdin-" + Guid.NewGuid().ToString("N");
            await files.UploadAsync(stdinPath, utf8.GetBytes(request.InputText), ct).ConfigureAwait(false);
        }
        var script = CommandScript.Script(request.Command, request.WorkingDirectory, request.Environment);
        string? scriptPath = null;
        if (CommandScript.NeedsFile(script))
        {
            scriptPath = "/tmp/daytonaps-script-" + Guid.NewGuid().ToString("N") + ".sh";
            toolbox.Api.Log.WriteVerbose($"The command is {utf8.GetByteCount(script)} bytes, over the {CommandScript.MaxInlineBytes} an argument may have; uploading it to {scriptPath}.");
            await files.UploadAsync(scriptPath, utf8.GetBytes(CommandScript.ScriptFile(script, scriptPath)), ct).ConfigureAwait(false);
        }
        return CommandScript.Line(script, request.Command, request.LoginShell, stdinPath, request.TimeoutSec, scriptPath, keepInput: !stdin && request.AcceptInput);
    }

    private static FileStream? OpenOutFile(string? path)
    {
        if (path is null) return null;
        try
        {
            return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024);
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is NotSupportedException)
        {
            throw new DaytonaException(ErrorIds.InvalidArgument, ErrorCategory.WriteError, $"Cannot write -OutFile '{path}': {ex.Message}",
                path, innerException: ex);
        }
    }

    private void WarnIfTruncated(ToolboxClient toolbox, CommandRequest request, CappedText stdout, CappedText stderr, CappedText? output) =>
        WarnIfTruncated(toolbox, "'" + Shorten(request.Command) + "'", request.OutputLimit, stdout, stderr, output);

    private void WarnIfTruncated(ToolboxClient toolbox, string what, long limit, CappedText stdout, CappedText stderr, CappedText? output)
    {
        if (!stdout.Truncated && !stderr.Truncated && output is not { Truncated: true }) return;
        var parts = new StringBuilder();
        void Part(string name, CappedText text)
        {
            if (!text.Truncated) return;
            if (parts.Length > 0) parts.Append(", ");
            parts.Append(string.Format(CultureInfo.InvariantCulture, "{0} {1:N0} of {2:N0} bytes", name, text.KeptBytes, text.TotalBytes));
        }
        Part("stdout", stdout);
        Part("stderr", stderr);
        if (output is not null && parts.Length == 0) Part("combined output", output);
        Log.WriteWarning(string.Format(CultureInfo.InvariantCulture,
            "The output of {0} in sandbox {1} was larger than -MaximumOutputSize ({2}); kept {3}. Raise -MaximumOutputSize, or send stdout to a file with -OutFile.",
            what, toolbox.SandboxId, FormatSize(limit), parts));
    }

    internal static string FormatSize(long bytes) =>
        bytes % (1024 * 1024) == 0 ? (bytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture) + " MB"
        : bytes % 1024 == 0 ? (bytes / 1024).ToString(CultureInfo.InvariantCulture) + " KB"
        : bytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes";

    private static DaytonaException TimedOut(ToolboxClient toolbox, CommandRequest request, TimeSpan elapsed, Exception? inner, CommandResult? partial) =>
        new(ErrorIds.CommandTimeout, ErrorCategory.OperationTimeout,
            string.Format(CultureInfo.InvariantCulture, "'{0}' did not finish within -TimeoutSec {1} in sandbox {2} (stopped after {3:0.#} s).",
                Shorten(request.Command), request.TimeoutSec, toolbox.SandboxId, elapsed.TotalSeconds),
            (object?)partial ?? toolbox.SandboxId, recommendedAction: "Raise -TimeoutSec, or run it in the background with Start-DaytonaCommand.", innerException: inner);

    private static DaytonaException NotStarted(ToolboxClient toolbox, DaytonaApiException ex) =>
        new(ErrorIds.SandboxNotStarted, ErrorCategory.InvalidOperation,
            $"Sandbox {toolbox.SandboxId} is not started, so the command did not run ({ex.ServerMessage ?? ex.Message}).",
            toolbox.SandboxId,
            recommendedAction: "Start it first (Start-DaytonaSandbox), or add -AutoStart to start it, wait and run the command.",
            innerException: ex);

    /// <summary>The toolbox (Daytona's proxy) refused because the sandbox does not run.</summary>
    internal static bool IsNotStarted(DaytonaApiException ex) => ex.Kind == DaytonaFailureKind.NotStarted;

    private static bool IsNotFound(Exception ex) => ex is DaytonaApiException { Kind: DaytonaFailureKind.NotFound };

    /// <summary>
    /// True when the failure proves the command did not run, so its session is still fine: a refusal
    /// (4xx other than 408, and 503) or a connection that was never made. A 500, 502, 504 or 408, a reset
    /// after sending, a timeout or a cancellation may all come while or after the command runs.
    /// </summary>
    internal static bool NothingRan(Exception ex) => ex is DaytonaApiException api && api.Kind switch
    {
        DaytonaFailureKind.InvalidRequest or DaytonaFailureKind.Unauthorized or DaytonaFailureKind.Forbidden or DaytonaFailureKind.NotFound
            or DaytonaFailureKind.NameTaken or DaytonaFailureKind.Busy or DaytonaFailureKind.Throttled or DaytonaFailureKind.NotStarted => true,
        // 503: refused before any handler ran (see RetryMode.RejectedOnly); 500 and 502 may come after.
        DaytonaFailureKind.ServerError => api.StatusCode == 503,
        // Another 4xx is a refusal too; a status that is not an error (a 2xx reply we could not use) means it ran.
        DaytonaFailureKind.HttpError => api.StatusCode >= 400 && api.StatusCode < 500,
        DaytonaFailureKind.ConnectionFailed => api.InnerException is { } inner && NetworkFailure.NeverConnected(inner),
        _ => false, // Timeout (408, 504, no answer in time), UnexpectedReply
    };

    internal static string Shorten(string command)
    {
        var oneLine = command.Replace("\r", string.Empty).Replace('\n', ' ').Trim();
        return oneLine.Length <= 60 ? oneLine : oneLine.Substring(0, 57) + "...";
    }

    /// <summary>Files uploaded for one command; removed afterwards unless the command's wrapper took them over.</summary>
    private sealed class UploadedFiles
    {
        private readonly ToolboxClient _toolbox;
        private readonly System.Collections.Generic.List<string> _paths = new();

        public UploadedFiles(ToolboxClient toolbox) => _toolbox = toolbox;

        public async Task UploadAsync(string path, byte[] content, CancellationToken ct)
        {
            _paths.Add(path);
            await _toolbox.UploadAsync(path, content, ct).ConfigureAwait(false);
        }

        /// <summary>The command started: its wrapper removes the files (stdin once opened, the script once read).</summary>
        public void HandedOver() => _paths.Clear();

        /// <summary>The command did not start (or it is unknown): remove them, ignoring failures (a second removal is harmless).</summary>
        public async Task RemoveLeftoversAsync()
        {
            foreach (var path in _paths)
            {
                try
                {
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                    await _toolbox.DeleteFileAsync(path, cts.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is DaytonaApiException || ex is OperationCanceledException)
                {
                }
            }
            _paths.Clear();
        }
    }
}
