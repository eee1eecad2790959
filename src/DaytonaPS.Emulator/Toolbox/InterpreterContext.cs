using System.Text;
using System.Text.Json;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>One streamed piece of an execution, as the daemon sends it (every field always present).</summary>
public sealed record InterpreterChunk(string Type, string Text = "", string Name = "", string Value = "", string Traceback = "");

/// <summary>How an execution ended.</summary>
public enum InterpreterOutcome
{
    /// <summary>The code ran to its end (an exception in it included).</summary>
    Completed,
    /// <summary>Interrupted at its timeout (or by SIGINT): the worker and its state live on.</summary>
    Interrupted,
    /// <summary>Still running after its timeout and the grace period: the worker was killed.</summary>
    Killed,
    /// <summary>The worker process ended during the execution (exit(), a crash, the sandbox stopping).</summary>
    WorkerEnded,
}

/// <summary>
/// A stateful Python interpreter context: one worker process in the sandbox
/// (<see cref="InterpreterWorkerScript"/>) that runs submitted code one job at a time, in the
/// order the jobs arrived, in the same globals. A worker that has ended is started again (with
/// fresh state) on the next use, as the daemon does.
/// </summary>
public sealed class InterpreterContext
{
    /// <summary>How long a job may overrun its timeout (the worker's own SIGALRM) before the worker is killed.</summary>
    internal static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a job's end waits, after its control chunk, for the stderr marker (a job whose code
    /// closed fd 2 never sends one).
    /// </summary>
    internal static readonly TimeSpan StderrSyncGrace = TimeSpan.FromSeconds(2);

    private readonly SandboxRuntime _runtime;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _environment;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly object _gate = new();
    private SandboxProcess? _worker;
    private string _token = "";
    private Action<InterpreterChunk>? _sink;
    private TaskCompletionSource<InterpreterOutcome>? _ending;
    private bool _stderrSynced;
    private InterpreterOutcome? _pendingOutcome;
    private bool _closed;

    internal InterpreterContext(SandboxRuntime runtime, string id, string cwd, IReadOnlyList<KeyValuePair<string, string>> environment)
    {
        _runtime = runtime;
        _environment = environment;
        Id = id;
        Cwd = cwd;
    }

    public string Id { get; }
    public string Cwd { get; }
    public string Language => "python";
    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>True while the worker process runs.</summary>
    public bool Active
    {
        get { lock (_gate) return _worker is { } w && !w.Exited.IsCompleted; }
    }

    /// <summary>Starts the worker if it is not running. Throws when it cannot start (e.g. the cwd is missing).</summary>
    public void EnsureStarted()
    {
        lock (_gate)
        {
            if (_closed) throw new InvalidOperationException("context is closed");
            if (_worker is { } w && !w.Exited.IsCompleted) return;
            _worker?.Dispose();
            var script = Path.Combine(_runtime.ControlDirOnHost, InterpreterWorkerScript.FileName);
            if (!File.Exists(script)) File.WriteAllText(script, InterpreterWorkerScript.Source);
            _token = Guid.NewGuid().ToString("N");
            var scriptInSandbox = _runtime.ControlDirInSandbox + "/" + InterpreterWorkerScript.FileName;
            var worker = _runtime.Start(Cwd, _environment, ["-c", $"exec python3 -u {scriptInSandbox} {_token}"]);
            _worker = worker;
            var reader = new WorkerReader(this, _token);
            worker.PumpOutputAsync(reader.Feed);
            _ = worker.Exited.ContinueWith(_ => End(worker, InterpreterOutcome.WorkerEnded), TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Runs <paramref name="code"/> after the jobs before it, handing every chunk to
    /// <paramref name="sink"/> (from a reader thread) until the job ends; returns how it ended.
    /// <paramref name="waitTurn"/> only bounds the wait for the turn: a job once sent runs to its
    /// end, whoever listens (as in the daemon, where output without a client is dropped).
    /// </summary>
    public async Task<InterpreterOutcome> ExecuteAsync(string code, IDictionary<string, string>? envs, TimeSpan timeout, Action<InterpreterChunk> sink, CancellationToken waitTurn)
    {
        await _turn.WaitAsync(waitTurn);
        try
        {
            EnsureStarted();
            var ending = new TaskCompletionSource<InterpreterOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            SandboxProcess worker;
            lock (_gate)
            {
                worker = _worker!;
                _sink = sink;
                _ending = ending;
                _stderrSynced = false;
                _pendingOutcome = null;
            }
            var job = JsonSerializer.Serialize(new { code, envs, timeout = timeout.TotalSeconds }, JsonDefaults.Options) + "\n";
            try
            {
                await worker.StandardInput.WriteAsync(Encoding.UTF8.GetBytes(job));
                await worker.StandardInput.FlushAsync();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                return InterpreterOutcome.WorkerEnded;
            }

            if (timeout <= TimeSpan.Zero) return await ending.Task;
            var finished = await Task.WhenAny(ending.Task, Task.Delay(timeout + KillGrace));
            if (finished == ending.Task) return ending.Task.Result;
            worker.Kill();
            End(worker, InterpreterOutcome.Killed);
            return await ending.Task;
        }
        finally
        {
            lock (_gate)
            {
                _sink = null;
                _ending = null;
            }
            _turn.Release();
        }
    }

    /// <summary>Ends the worker; the context cannot be used again.</summary>
    public void Close()
    {
        SandboxProcess? worker;
        lock (_gate)
        {
            _closed = true;
            worker = _worker;
        }
        if (worker is null) return;
        worker.Kill();
        End(worker, InterpreterOutcome.WorkerEnded);
        worker.Dispose();
    }

    private void Emit(InterpreterChunk chunk)
    {
        Action<InterpreterChunk>? sink;
        lock (_gate) sink = _sink;
        sink?.Invoke(chunk);
        if (chunk.Type != "control") return;
        var outcome = chunk.Text == "interrupted" ? InterpreterOutcome.Interrupted : InterpreterOutcome.Completed;
        TaskCompletionSource<InterpreterOutcome>? ending;
        lock (_gate)
        {
            ending = _ending;
            if (!_stderrSynced)
            {
                // The job's stderr is not all read yet: end it when the marker arrives (or after the grace).
                _pendingOutcome = outcome;
                if (ending is not null)
                    _ = Task.Delay(StderrSyncGrace).ContinueWith(_ => ending.TrySetResult(outcome), TaskScheduler.Default);
                return;
            }
        }
        ending?.TrySetResult(outcome);
    }

    /// <summary>The worker's stderr marker: everything a subprocess of the job wrote to fd 2 has been emitted.</summary>
    private void StderrSynced()
    {
        TaskCompletionSource<InterpreterOutcome>? ending;
        InterpreterOutcome? outcome;
        lock (_gate)
        {
            _stderrSynced = true;
            ending = _ending;
            outcome = _pendingOutcome;
        }
        if (outcome is { } o) ending?.TrySetResult(o);
    }

    private void End(SandboxProcess worker, InterpreterOutcome outcome)
    {
        TaskCompletionSource<InterpreterOutcome>? ending;
        lock (_gate)
        {
            if (!ReferenceEquals(worker, _worker)) return;
            ending = _ending;
        }
        ending?.TrySetResult(outcome);
    }

    /// <summary>
    /// Splits the worker's stdout into protocol lines and plain output; its stderr is plain stderr
    /// apart from the job-end marker.
    /// </summary>
    private sealed class WorkerReader(InterpreterContext context, string token)
    {
        private readonly string _marker = "\u001e" + token;
        private readonly Decoder _stdout = new UTF8Encoding(false).GetDecoder();
        private readonly Decoder _stderr = new UTF8Encoding(false).GetDecoder();
        private readonly StringBuilder _line = new();
        private string _stderrCarry = "";

        public void Feed(LogStream stream, byte[] data)
        {
            var decoder = stream == LogStream.Stdout ? _stdout : _stderr;
            var chars = new char[decoder.GetCharCount(data, 0, data.Length)];
            decoder.GetChars(data, 0, data.Length, chars, 0);
            if (stream == LogStream.Stderr)
            {
                Stderr(_stderrCarry + new string(chars));
                return;
            }
            foreach (var c in chars)
            {
                _line.Append(c);
                if (c == '\n') Line();
            }
        }

        /// <summary>Emits stderr text, taking out the marker lines (which may arrive split across reads).</summary>
        private void Stderr(string text)
        {
            var endMarker = _marker + "\n";
            int at;
            while ((at = text.IndexOf(endMarker, StringComparison.Ordinal)) >= 0)
            {
                if (at > 0) context.Emit(new InterpreterChunk("stderr", text[..at]));
                context.StderrSynced();
                text = text[(at + endMarker.Length)..];
            }
            // Keep back a tail that may be the start of a marker split by the pipe.
            var keep = 0;
            for (var n = Math.Min(endMarker.Length - 1, text.Length); n > 0; n--)
                if (endMarker.StartsWith(text[^n..], StringComparison.Ordinal)) { keep = n; break; }
            _stderrCarry = text[^keep..];
            if (text.Length > keep) context.Emit(new InterpreterChunk("stderr", text[..^keep]));
        }

        private void Line()
        {
            var line = _line.ToString();
            _line.Clear();
            var at = line.IndexOf(_marker, StringComparison.Ordinal);
            if (at < 0)
            {
                context.Emit(new InterpreterChunk("stdout", line));
                return;
            }
            if (at > 0) context.Emit(new InterpreterChunk("stdout", line[..at]));
            InterpreterChunk? chunk;
            try
            {
                chunk = JsonSerializer.Deserialize<InterpreterChunk>(line[(at + _marker.Length)..], JsonDefaults.Options);
            }
            catch (JsonException)
            {
                return; // as the daemon does with a line it cannot parse
            }
            if (chunk is not null) context.Emit(chunk with { Text = chunk.Text ?? "", Name = chunk.Name ?? "", Value = chunk.Value ?? "", Traceback = chunk.Traceback ?? "" });
        }
    }
}
