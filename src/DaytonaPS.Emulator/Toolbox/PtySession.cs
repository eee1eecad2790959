using System.Threading.Channels;
using DaytonaPS.Emulator.Runtime;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// One PTY session of a sandbox (the daemon's pkg/toolbox/process/pty): a process on a
/// pseudo-terminal whose output goes to every attached client as it arrives, and whose input
/// comes from any of them. Once the process has ended the session is gone (it never restarts).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PtySession
{
    /// <summary>After the process has exited, how long output still in the terminal is read before the clients are told the exit.</summary>
    private static readonly TimeSpan DrainAfterExit = TimeSpan.FromMilliseconds(300);

    private readonly object _lock = new();
    private readonly List<PtyClient> _clients = [];
    private readonly TaskCompletionSource<int> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PseudoTerminal? _terminal;
    private IExecHandle? _process;
    private bool _started;
    private bool _killed;

    public PtySession(string id, string cwd, IReadOnlyDictionary<string, string> envs, ushort cols, ushort rows, bool lazyStart)
    {
        Id = id;
        Cwd = cwd;
        Envs = envs;
        Cols = cols;
        Rows = rows;
        LazyStart = lazyStart;
        CreatedAt = DateTime.UtcNow;
    }

    public string Id { get; }
    public string Cwd { get; }
    public IReadOnlyDictionary<string, string> Envs { get; }
    public ushort Cols { get; private set; }
    public ushort Rows { get; private set; }
    public bool LazyStart { get; }
    public DateTime CreatedAt { get; }

    /// <summary>True while the process runs.</summary>
    public bool Active { get; private set; }

    /// <summary>The process's exit code, once it has ended and its output was handed to the clients.</summary>
    public Task<int> Exit => _exit.Task;

    /// <summary>True once started (a session that has ended cannot start again).</summary>
    public bool Started { get { lock (_lock) return _started; } }

    /// <summary>Starts argv on a new terminal of the sandbox (idempotent while it runs).</summary>
    /// <param name="argv">The program, e.g. a login shell.</param>
    public void Start(ITerminalContainer container, IReadOnlyList<KeyValuePair<string, string>> environment, IReadOnlyList<string> argv)
    {
        lock (_lock)
        {
            if (_started)
            {
                if (Active) return;
                throw new InvalidOperationException("PTY session has already been used and cannot be restarted");
            }
            _started = true;
            var terminal = PseudoTerminal.Open(Cols, Rows);
            try
            {
                _process = container.ExecOnTerminal(new ExecSpec(Cwd, environment, argv), terminal);
            }
            catch
            {
                terminal.Dispose();
                throw;
            }
            _terminal = terminal;
            Active = true;
        }
        var reader = new Thread(ReadLoop) { IsBackground = true, Name = "pty " + Id };
        reader.Start();
    }

    /// <summary>Attaches a client: it gets every chunk of output from now on, then the exit.</summary>
    public PtyClient Attach()
    {
        var client = new PtyClient();
        lock (_lock)
        {
            if (_exit.Task.IsCompleted) client.End(_exit.Task.Result);
            else _clients.Add(client);
        }
        return client;
    }

    public void Detach(PtyClient client)
    {
        lock (_lock) _clients.Remove(client);
    }

    /// <summary>Types input into the terminal.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        PseudoTerminal? terminal;
        lock (_lock) terminal = Active ? _terminal : null;
        if (terminal is null) throw new InvalidOperationException("PTY session is not running");
        terminal.Write(data);
    }

    public void Resize(ushort cols, ushort rows)
    {
        lock (_lock)
        {
            if (_started && !Active) throw new InvalidOperationException("cannot resize inactive PTY session");
            _terminal?.Resize(cols, rows);
            Cols = cols;
            Rows = rows;
        }
    }

    /// <summary>Kills the process and everything it started; clients see exit code 137 (SIGKILL), as the daemon reports.</summary>
    public void Kill()
    {
        IExecHandle? process;
        lock (_lock)
        {
            _killed = true;
            process = _process;
        }
        if (process is null) Finish(137);
        else process.Kill();
    }

    private void ReadLoop()
    {
        var terminal = _terminal!;
        var process = _process!;
        // The launcher has its own copy of the slave once it has started; ours only kept the
        // master from reading EIO before that.
        _ = process.Exited.ContinueWith(_ => terminal.ReleaseSlave(), TaskScheduler.Default);
        // After the exit, output still buffered in the terminal is read for a short while; a job
        // that keeps the slave open must not keep the session alive.
        _ = process.Exited.ContinueWith(async _ => { await Task.Delay(DrainAfterExit); terminal.Dispose(); }, TaskScheduler.Default);
        var buffer = new byte[32 * 1024];
        int n;
        while ((n = terminal.Read(buffer)) > 0)
        {
            var chunk = buffer.AsSpan(0, n).ToArray();
            lock (_lock)
            {
                foreach (var client in _clients) client.Send(chunk);
            }
        }
        process.Exited.Wait();
        terminal.Dispose();
        int code;
        lock (_lock) code = _killed ? 137 : process.ExitCode;
        process.Dispose();
        Finish(code);
    }

    private void Finish(int code)
    {
        List<PtyClient> clients;
        lock (_lock)
        {
            Active = false;
            clients = [.. _clients];
            _clients.Clear();
            _exit.TrySetResult(code);
        }
        foreach (var client in clients) client.End(code);
    }
}

/// <summary>One attached client's queue of output chunks, then the exit code.</summary>
public sealed class PtyClient
{
    private readonly Channel<byte[]> _output = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>The output in order; completes after the process ended.</summary>
    public ChannelReader<byte[]> Output => _output.Reader;

    /// <summary>The exit code once <see cref="Output"/> has completed.</summary>
    public int? ExitCode { get; private set; }

    internal void Send(byte[] chunk) => _output.Writer.TryWrite(chunk);

    internal void End(int code)
    {
        ExitCode = code;
        _output.Writer.TryComplete();
    }
}
