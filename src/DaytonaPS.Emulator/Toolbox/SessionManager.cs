using System.Collections.Concurrent;
using System.ComponentModel;
using System.Text;
using System.Threading.Channels;
using DaytonaPS.Emulator.Runtime;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>The sessions of one sandbox (they end when the sandbox stops).</summary>
public sealed class SessionManager(SandboxRuntime runtime)
{
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private Session? _entrypoint;

    /// <summary>The session running the snapshot's entrypoint since the sandbox last started (null: none).</summary>
    public Session? Entrypoint => Volatile.Read(ref _entrypoint);

    /// <summary>
    /// Runs the snapshot's entrypoint as the daemon does when the sandbox starts: one async command
    /// in the session "entrypoint" (not in the listing; clients cannot create or delete it), its
    /// output kept as that session's logs. Its stdin is /dev/null. GUESS: the daemon runs the
    /// entrypoint's arguments as one shell command line.
    /// </summary>
    public void StartEntrypoint(IReadOnlyList<string> entrypoint)
    {
        if (!runtime.Container.RunsCommands || entrypoint.Count == 0) return;
        try
        {
            var session = new Session(runtime, SessionEndpoints.EntrypointSessionId, []);
            session.Enqueue(string.Join(" ", entrypoint.Select(Quote)) + " < /dev/null", runAsync: true, suppressInputEcho: false);
            Interlocked.Exchange(ref _entrypoint, session)?.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ToolboxException)
        {
            // Best effort, as the start itself: the entrypoint session then has no command.
        }
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''") + "'";

    public IEnumerable<Session> All => _sessions.Values.OrderBy(s => s.CreatedAt);

    /// <param name="environment">The shell's environment (besides the sandbox's base variables), fixed for the session's life as the daemon's is.</param>
    public Session Create(string sessionId, IEnumerable<KeyValuePair<string, string>> environment)
    {
        if (!runtime.Container.RunsCommands) throw Runtime.NoneRuntime.Unavailable();
        if (_sessions.ContainsKey(sessionId)) throw new ToolboxException(409, "CONFLICT", $"session {sessionId} already exists");
        var session = new Session(runtime, sessionId, environment);
        if (!_sessions.TryAdd(sessionId, session))
        {
            session.Dispose();
            throw new ToolboxException(409, "CONFLICT", $"session {sessionId} already exists");
        }
        return session;
    }

    public Session Get(string sessionId) =>
        _sessions.TryGetValue(sessionId, out var s) ? s
        : sessionId == SessionEndpoints.EntrypointSessionId && Entrypoint is { } entrypoint ? entrypoint
        : throw new ToolboxException(404, "NOT_FOUND", $"session {sessionId} not found");

    public void Delete(string sessionId)
    {
        if (!_sessions.TryRemove(sessionId, out var s)) throw new ToolboxException(404, "NOT_FOUND", $"session {sessionId} not found");
        s.Dispose();
    }

    public void Clear()
    {
        Interlocked.Exchange(ref _entrypoint, null)?.Dispose();
        foreach (var id in _sessions.Keys)
        {
            if (_sessions.TryRemove(id, out var s)) s.Dispose();
        }
    }
}

/// <summary>
/// One session: one long-lived shell in the sandbox (<see cref="SessionShell"/>) that runs its
/// commands one after another (as in the daemon's single shell, a command waits while an earlier
/// async one still runs).
/// </summary>
public sealed class Session : IDisposable
{
    /// <summary>How long output is awaited after the shell ended without marking the command's end (an `exec`, a kill) while a job may hold its FIFOs.</summary>
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(2);

    private readonly SandboxRuntime _runtime;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _environment;
    private readonly string _dirName = Guid.NewGuid().ToString("N");
    private readonly List<SessionCommand> _commands = new();
    private readonly Channel<SessionCommand> _queue = Channel.CreateUnbounded<SessionCommand>();
    private readonly CancellationTokenSource _ended = new();
    private readonly object _shellLock = new();
    private SessionShell? _shell;

    internal Session(SandboxRuntime runtime, string id, IEnumerable<KeyValuePair<string, string>> environment)
    {
        _runtime = runtime;
        _environment = environment.ToList();
        Id = id;
        Directory.CreateDirectory(HostDir);
        File.WriteAllText(Path.Combine(HostDir, "boot.sh"), SessionShell.BootScript(SandboxPaths.WorkDir, StateDir + "/state.sh"), new UTF8Encoding(false));
        File.WriteAllText(Path.Combine(HostDir, "run.sh"), SessionShell.RunScript, new UTF8Encoding(false));
        // The shell starts now, as the daemon's does at create, so it is ready for the first command.
        try { EnsureShell(); }
        catch (Exception e) when (IsStartFailure(e)) { } // the first command retries and reports why
        _ = Task.Run(RunQueueAsync);
    }

    public string Id { get; }

    public DateTime CreatedAt { get; } = DateTime.UtcNow;

    public IReadOnlyList<SessionCommand> Commands
    {
        get { lock (_commands) return _commands.ToArray(); }
    }

    /// <summary>The session's own files (boot and run scripts, command files, FIFOs), read-only inside the sandbox.</summary>
    private string HostDir => Path.Combine(_runtime.ControlDirOnHost, "sessions", _dirName);
    private string SandboxDir => _runtime.ControlDirInSandbox + "/sessions/" + _dirName;

    /// <summary>Where the shell saves its state when it exits, and marks a command it ended in: the sandbox's own (writable) files.</summary>
    private string StateDir => "/run/daytona-sessions/" + _dirName;

    public SessionCommand Get(string commandId)
    {
        lock (_commands)
        {
            return _commands.FirstOrDefault(c => c.Id == commandId)
                ?? throw new ToolboxException(404, "PROCESS_NOT_FOUND", $"command {commandId} not found in session {Id}");
        }
    }

    public SessionCommand Enqueue(string command, bool runAsync, bool suppressInputEcho)
    {
        if (_ended.IsCancellationRequested) throw new ToolboxException(410, "SESSION_ENDED", $"session {Id} has ended");
        var cmd = new SessionCommand(command, runAsync, suppressInputEcho);
        lock (_commands) _commands.Add(cmd);
        _queue.Writer.TryWrite(cmd);
        return cmd;
    }

    private async Task RunQueueAsync()
    {
        try
        {
            await foreach (var cmd in _queue.Reader.ReadAllAsync(_ended.Token)) await RunAsync(cmd);
        }
        catch (OperationCanceledException) { }
        // Commands still queued when the session ends never run; end their logs so nobody waits.
        while (_queue.Reader.TryRead(out var left)) left.Finish(-1);
    }

    private async Task RunAsync(SessionCommand cmd)
    {
        if (_ended.IsCancellationRequested) { cmd.Finish(-1); return; }
        var hostPrefix = Path.Combine(HostDir, cmd.Id);
        var token = Guid.NewGuid().ToString("N");
        var line = $"__dtn_c={SandboxDir}/{cmd.Id} __dtn_t={token} __dtn_i={(cmd.RunAsync ? SandboxDir + "/" + cmd.Id + ".in" : "/dev/null")}; \\builtin source {SandboxDir}/run.sh\n";
        SessionCommandPipes? pipes = null;
        SessionShell shell;
        Task<int?> reported;
        try
        {
            await File.WriteAllTextAsync(hostPrefix + ".sh", cmd.Command, new UTF8Encoding(false));
            pipes = new SessionCommandPipes(hostPrefix, cmd.RunAsync, SessionShell.EndMarker(token), cmd.Log.Append, _runtime.Container.Adopt);
            (shell, reported) = Send(line);
        }
        catch (Exception e) when (IsStartFailure(e))
        {
            pipes?.Dispose();
            cmd.Log.Append(LogStream.Stderr, Encoding.UTF8.GetBytes(e.Message + "\n"));
            cmd.Finish(-1);
            DeleteQuietly(hostPrefix + ".sh");
            return;
        }

        using (pipes)
        {
            await cmd.AttachAsync(pipes.Input);
            var status = await reported;
            // The shell is done with the FIFOs (it reported, or it ended): end-of-file may come now.
            pipes.ReleaseWriters();
            if (status is null)
            {
                // The shell ended during the command (exit, set -e, exec, a kill, the session's end).
                // If its EXIT trap marked the end, the output is awaited however slowly it is read;
                // otherwise a job may hold the FIFOs open for ever, so only for a grace.
                await shell.Exited;
                status = shell.ExitCode;
                if (File.Exists(HostStatePath(token + ".end"))) await pipes.Output;
                else await Task.WhenAny(pipes.Output, Task.Delay(OutputGrace));
                DeleteQuietly(HostStatePath(token + ".end"));
            }
            else
            {
                await pipes.Output;
            }
            cmd.Finish(status.Value);
        }
        DeleteQuietly(hostPrefix + ".sh");
    }

    /// <summary>Writes a command's line to the session's shell, first starting one if the last has ended.</summary>
    private (SessionShell, Task<int?>) Send(string line)
    {
        for (var attempt = 0; ; attempt++)
        {
            var shell = EnsureShell();
            try
            {
                return (shell, shell.RunAsync(line));
            }
            catch (IOException) when (attempt == 0)
            {
                // It ended between the check and the write; the command never reached it.
            }
        }
    }

    private SessionShell EnsureShell()
    {
        lock (_shellLock)
        {
            if (_ended.IsCancellationRequested) throw new InvalidOperationException($"session {Id} has ended");
            if (_shell is { IsAlive: true } alive) return alive;
            _shell = SessionShell.Start(_runtime, _environment, SandboxDir + "/boot.sh");
            return _shell;
        }
    }

    private string HostStatePath(string name) => _runtime.Paths.Resolve(StateDir + "/" + name, followFinal: false).HostPath;

    private static bool IsStartFailure(Exception e) =>
        e is IOException or Win32Exception or InvalidOperationException or UnauthorizedAccessException or ToolboxException;

    private static void DeleteQuietly(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Ends the shell and its process group; a running command ends with the shell's exit code, queued ones never run.</summary>
    public void Dispose()
    {
        if (_ended.IsCancellationRequested) return;
        _ended.Cancel();
        _queue.Writer.TryComplete();
        lock (_shellLock) _shell?.Kill();
        foreach (var c in Commands) if (c.ExitCode is null && !c.Started) c.Finish(-1);
        try { Directory.Delete(HostDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        try { HostFiles.DeleteTree(_runtime.Paths.Resolve(StateDir, followFinal: false).HostPath); } catch (Exception e) when (e is IOException or UnauthorizedAccessException or ToolboxException) { }
    }
}

/// <summary>One command of a session: its log, exit code (null while running) and stdin.</summary>
public sealed class SessionCommand
{
    private readonly object _lock = new();
    private readonly List<string> _pendingInput = new();
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Stream? _stdin;

    internal SessionCommand(string command, bool runAsync, bool suppressInputEcho)
    {
        Command = command;
        RunAsync = runAsync;
        SuppressInputEcho = suppressInputEcho;
    }

    public string Id { get; } = Guid.NewGuid().ToString();
    public string Command { get; }

    /// <summary>Async commands read stdin from an input FIFO (SendInput); sync ones from /dev/null (EOF at once), as on Daytona.</summary>
    public bool RunAsync { get; }
    public bool SuppressInputEcho { get; }
    public CommandLog Log { get; } = new();
    public int? ExitCode { get; private set; }
    internal bool Started { get; private set; }

    /// <summary>Completes when the command has ended and its log is complete.</summary>
    public Task Finished => _finished.Task;

    /// <summary>
    /// Writes data to the command's stdin with a newline added if it has none, as the daemon does
    /// for `read`; input sent before the command started is queued. A sync command's stdin is
    /// /dev/null: its input is echoed to the log and dropped.
    /// </summary>
    public async Task SendInputAsync(string data)
    {
        if (!data.EndsWith('\n')) data += "\n";
        Stream? stdin;
        lock (_lock)
        {
            if (ExitCode is not null) throw new ToolboxException(410, "COMMAND_ALREADY_COMPLETED", $"command {Id} has already completed");
            if (!SuppressInputEcho) Log.Append(LogStream.Stdout, Encoding.UTF8.GetBytes(data));
            stdin = _stdin;
            if (!Started) { _pendingInput.Add(data); return; }
        }
        if (stdin is null) return;
        try
        {
            // Unbuffered (no flush to follow): once written, the command may read it, end, and
            // have its FIFO closed at once.
            await stdin.WriteAsync(Encoding.UTF8.GetBytes(data));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            throw new ToolboxException(410, "COMMAND_ALREADY_COMPLETED", $"command {Id} no longer reads input");
        }
    }

    /// <summary>The command has been handed to its shell; stdin is its input FIFO (null: /dev/null).</summary>
    internal async Task AttachAsync(Stream? stdin)
    {
        string[] pending;
        lock (_lock)
        {
            _stdin = stdin;
            Started = true;
            pending = _pendingInput.ToArray();
            _pendingInput.Clear();
        }
        if (stdin is null) return;
        try
        {
            foreach (var data in pending) await stdin.WriteAsync(Encoding.UTF8.GetBytes(data));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { }
    }

    internal void Finish(int exitCode)
    {
        lock (_lock)
        {
            if (ExitCode is not null) return;
            ExitCode = exitCode;
            _stdin = null; // its FIFO is closed with the command's pipes
        }
        Log.Complete();
        _finished.TrySetResult();
    }
}
