using System.Collections.Concurrent;
using System.ComponentModel;
using System.Text;
using System.Threading.Channels;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>The sessions of one sandbox (they end when the sandbox stops).</summary>
public sealed class SessionManager(SandboxRuntime runtime)
{
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    public IEnumerable<Session> All => _sessions.Values.OrderBy(s => s.CreatedAt);

    public Session Create(string sessionId)
    {
        if (!runtime.Container.RunsCommands) throw Runtime.NoneRuntime.Unavailable();
        var session = new Session(runtime, sessionId);
        if (!_sessions.TryAdd(sessionId, session))
        {
            session.Dispose();
            throw new ToolboxException(409, "CONFLICT", $"session {sessionId} already exists");
        }
        return session;
    }

    public Session Get(string sessionId) =>
        _sessions.TryGetValue(sessionId, out var s) ? s : throw new ToolboxException(404, "NOT_FOUND", $"session {sessionId} not found");

    public void Delete(string sessionId)
    {
        if (!_sessions.TryRemove(sessionId, out var s)) throw new ToolboxException(404, "NOT_FOUND", $"session {sessionId} not found");
        s.Dispose();
    }

    public void Clear()
    {
        foreach (var id in _sessions.Keys)
        {
            if (_sessions.TryRemove(id, out var s)) s.Dispose();
        }
    }
}

/// <summary>
/// One session: its commands run one after another (as in the daemon's single shell, a command
/// waits while an earlier async one still runs), sharing the state SessionShell saves.
/// </summary>
public sealed class Session : IDisposable
{
    /// <summary>How long output is awaited after a command's shell was killed before it could mark the end (see SandboxProcess.WaitForOutputAsync).</summary>
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(2);

    private readonly SandboxRuntime _runtime;
    private readonly string _dirName = Guid.NewGuid().ToString("N");
    private readonly List<SessionCommand> _commands = new();
    private readonly Channel<SessionCommand> _queue = Channel.CreateUnbounded<SessionCommand>();
    private readonly CancellationTokenSource _ended = new();

    internal Session(SandboxRuntime runtime, string id)
    {
        _runtime = runtime;
        Id = id;
        Directory.CreateDirectory(HostDir);
        _ = Task.Run(RunQueueAsync);
    }

    public string Id { get; }

    public DateTime CreatedAt { get; } = DateTime.UtcNow;

    public IReadOnlyList<SessionCommand> Commands
    {
        get { lock (_commands) return _commands.ToArray(); }
    }

    private string HostDir => Path.Combine(_runtime.ControlDirOnHost, "sessions", _dirName);
    private string SandboxDir => _runtime.ControlDirInSandbox + "/sessions/" + _dirName;

    /// <summary>Where the session's shell keeps its state: the sandbox's own (writable) files, as /run/daytona is read-only inside.</summary>
    private string StateFile => "/run/daytona-sessions/" + _dirName + "/state.sh";

    public SessionCommand Get(string commandId)
    {
        lock (_commands)
        {
            return _commands.FirstOrDefault(c => c.Id == commandId)
                ?? throw new ToolboxException(404, "PROCESS_NOT_FOUND", $"command {commandId} not found in session {Id}");
        }
    }

    public SessionCommand Enqueue(string command, bool suppressInputEcho, IEnumerable<KeyValuePair<string, string>> env)
    {
        if (_ended.IsCancellationRequested) throw new ToolboxException(410, "SESSION_ENDED", $"session {Id} has ended");
        var cmd = new SessionCommand(command, suppressInputEcho, env.ToList());
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
        var cmdFile = Path.Combine(HostDir, cmd.Id + ".sh");
        SandboxProcess process;
        try
        {
            await File.WriteAllTextAsync(cmdFile, cmd.Command, new UTF8Encoding(false));
            process = _runtime.Start(SandboxPaths.WorkDir, cmd.Environment,
                ["-c", SessionShell.Script, "bash", StateFile, SandboxDir + "/" + cmd.Id + ".sh"]);
        }
        catch (Exception e) when (e is IOException or Win32Exception or InvalidOperationException or UnauthorizedAccessException)
        {
            cmd.Log.Append(LogStream.Stderr, Encoding.UTF8.GetBytes(e.Message + "\n"));
            cmd.Finish(-1);
            return;
        }

        using (process)
        using (_ended.Token.Register(process.Kill))
        {
            _ = process.PumpOutputAsync(cmd.Log.Append);
            await cmd.AttachAsync(process.StandardInput);
            await process.WaitForOutputAsync(OutputGrace);
            cmd.Finish(process.ExitCode);
        }
        try { File.Delete(cmdFile); } catch (IOException) { }
    }

    public void Dispose()
    {
        if (_ended.IsCancellationRequested) return;
        _ended.Cancel();
        _queue.Writer.TryComplete();
        foreach (var c in Commands) if (c.ExitCode is null && !c.Started) c.Finish(-1);
        try { Directory.Delete(HostDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>One command of a session: its log, exit code (null while running) and stdin.</summary>
public sealed class SessionCommand
{
    private readonly object _lock = new();
    private readonly List<string> _pendingInput = new();
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Stream? _stdin;

    internal SessionCommand(string command, bool suppressInputEcho, IReadOnlyList<KeyValuePair<string, string>> environment)
    {
        Command = command;
        SuppressInputEcho = suppressInputEcho;
        Environment = environment;
    }

    public string Id { get; } = Guid.NewGuid().ToString();
    public string Command { get; }
    public bool SuppressInputEcho { get; }
    internal IReadOnlyList<KeyValuePair<string, string>> Environment { get; }
    public CommandLog Log { get; } = new();
    public int? ExitCode { get; private set; }
    internal bool Started { get; private set; }

    /// <summary>Completes when the command has ended and its log is complete.</summary>
    public Task Finished => _finished.Task;

    /// <summary>Writes to the command's stdin (input sent before it started is queued).</summary>
    public async Task SendInputAsync(string data)
    {
        Stream? stdin;
        lock (_lock)
        {
            if (ExitCode is not null) throw new ToolboxException(410, "COMMAND_ALREADY_COMPLETED", $"command {Id} has already completed");
            if (!SuppressInputEcho) Log.Append(LogStream.Stdout, Encoding.UTF8.GetBytes(data));
            stdin = _stdin;
            if (stdin is null) { _pendingInput.Add(data); return; }
        }
        try
        {
            await stdin.WriteAsync(Encoding.UTF8.GetBytes(data));
            await stdin.FlushAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            throw new ToolboxException(410, "COMMAND_ALREADY_COMPLETED", $"command {Id} no longer reads input");
        }
    }

    internal async Task AttachAsync(Stream stdin)
    {
        string[] pending;
        lock (_lock)
        {
            _stdin = stdin;
            Started = true;
            pending = _pendingInput.ToArray();
            _pendingInput.Clear();
        }
        try
        {
            foreach (var data in pending) await stdin.WriteAsync(Encoding.UTF8.GetBytes(data));
            await stdin.FlushAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { }
    }

    internal void Finish(int exitCode)
    {
        lock (_lock)
        {
            if (ExitCode is not null) return;
            ExitCode = exitCode;
            try { _stdin?.Dispose(); } catch (IOException) { }
            _stdin = null;
        }
        Log.Complete();
        _finished.TrySetResult();
    }
}
