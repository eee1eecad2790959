using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using DaytonaPS.Emulator.Runtime;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// The one long-lived bash of a session, running in the sandbox (its namespaces, user and files),
/// as the daemon keeps one shell per session and writes each command to its stdin. So `cd`,
/// variables, `set -o`/`shopt` options, aliases, functions and background jobs persist from one
/// command to the next.
/// </summary>
/// <remarks>
/// Per command the session (<see cref="Session"/>) creates FIFOs in the session's directory and
/// writes one line to the shell's stdin; the shell sources <see cref="RunScript"/>, which runs the
/// command's file in the shell itself with stdin from /dev/null (or, for an async command, its
/// input FIFO), stdout and stderr into the command's FIFOs, then writes an end marker into each
/// FIFO and "TOKEN STATUS" on the shell's own stdout (read by this class). A pipe keeps order, so
/// whatever the command wrote precedes the marker; what its background jobs write later is not its
/// output (see <see cref="SessionCommandPipes"/>).
///
/// Unlike the daemon's shell, which an `exit` in a command ends for good (its next commands fail),
/// a session survives `exit`, `exec` and `set -e`: the shell's EXIT trap (<see cref="BootScript"/>)
/// marks the running command's end and saves cwd, variables, functions, aliases and options
/// (errexit excepted) to a state file, and the session's next command starts a new shell that
/// restores them. An `exec` runs no trap; its shell's successor restores the state saved by the
/// last shell that did exit (if any). Background jobs of an ended shell keep running.
/// </remarks>
internal sealed class SessionShell
{
    private const int SigKill = 9;

    private readonly IExecHandle _process;
    private readonly Stream _stdin;
    private readonly object _lock = new();
    private TaskCompletionSource<int?>? _current;

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int kill(int pid, int sig);

    private SessionShell(IExecHandle process, string bootFile)
    {
        _process = process;
        _stdin = process.StandardInput;
        Exited = process.Exited.ContinueWith(_ =>
        {
            try { ExitCode = process.ExitCode; } catch (InvalidOperationException) { }
            EndCurrent(null);
        }, TaskScheduler.Default);
        new Thread(ReadReports) { IsBackground = true, Name = "session-shell-reports" }.Start();
        Write("\\builtin source " + bootFile + "\n");
    }

    /// <summary>Starts a session's shell, which first sources bootFile (a sandbox path; see <see cref="BootScript"/>).</summary>
    public static SessionShell Start(SandboxRuntime runtime, IEnumerable<KeyValuePair<string, string>> env, string bootFile) =>
        new(runtime.StartShell(env), bootFile);

    public bool IsAlive => !_process.Exited.IsCompleted;

    /// <summary>Completes once the shell has ended and <see cref="ExitCode"/> is known.</summary>
    public Task Exited { get; }

    public int ExitCode { get; private set; } = -1;

    /// <summary>
    /// Writes a command's line; completes with the status the shell reported for it, or null if the
    /// shell ended first (then its exit code is the command's). Throws <see cref="IOException"/>
    /// when the line could not be written: the shell had ended and the command never ran.
    /// </summary>
    public Task<int?> RunAsync(string line)
    {
        var done = new TaskCompletionSource<int?>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock) _current = done;
        if (!IsAlive) throw new IOException("the session's shell has ended");
        Write(line);
        return done.Task;
    }

    /// <summary>Ends the shell and every process of its process group (its jobs, as the daemon's delete does).</summary>
    public void Kill()
    {
        if (ShellPid() is { } pid) kill(-pid, SigKill);
        _process.Kill();
    }

    private void Write(string text)
    {
        // A few hundred bytes into an empty pipe: a plain write, no thread hop.
        _stdin.Write(Encoding.UTF8.GetBytes(text));
        _stdin.Flush();
    }

    /// <summary>The shell's reports, one "TOKEN STATUS" line per finished command, on a thread of its own (a blocking read).</summary>
    private void ReadReports()
    {
        try
        {
            using var reader = new StreamReader(_process.StandardOutput, new UTF8Encoding(false));
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                // Only one command runs at a time, so any report is the current command's.
                var status = line[(line.LastIndexOf(' ') + 1)..];
                EndCurrent(int.TryParse(status, NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) ? code : 1);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { }
        // End-of-file: the shell has ended (or soon will; a job may have held the pipe longer).
        Exited.ContinueWith(_ => _process.Dispose(), TaskScheduler.Default);
    }

    private void EndCurrent(int? status)
    {
        TaskCompletionSource<int?>? current;
        lock (_lock)
        {
            current = _current;
            _current = null;
        }
        current?.TrySetResult(status);
    }

    /// <summary>Host pid of the shell: the launcher's child (the launcher forks into the sandbox's PID namespace), a process group leader (setsid).</summary>
    private int? ShellPid()
    {
        try
        {
            var children = File.ReadAllText($"/proc/{_process.Id}/task/{_process.Id}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return children.Length > 0 && int.TryParse(children[0], out var pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>How the shell starts: in a session of its own (so a kill of its process group takes its jobs), reading commands from stdin.</summary>
    public const string Launcher = "command -v setsid >/dev/null 2>&1 && exec setsid -w /bin/bash -s; exec /bin/bash -s";

    /// <summary>The end marker of a command's output (both streams).</summary>
    public static byte[] EndMarker(string token) => Encoding.ASCII.GetBytes("\u001edaytona-end-" + token + "\u001e");

    /// <summary>
    /// Sourced once by a new shell: moves to cwd, restores the state an earlier shell of the session
    /// saved, defines the EXIT trap and sends the shell's own stderr to /dev/null (commands have
    /// their own). Our words are written `\builtin ...` so that no alias or function of the
    /// session's can stand in for them.
    /// </summary>
    public static string BootScript(string cwd, string stateFile) => $$"""
        __dtn_state={{Quote(stateFile)}}
        \builtin cd -- {{Quote(cwd)}} 2>/dev/null
        if \builtin test -f "$__dtn_state"; then \builtin source "$__dtn_state" >/dev/null 2>&1; else \command mkdir -p -- "${__dtn_state%/*}" 2>/dev/null; fi
        __dtn_save() {
          \builtin local __dtn_n __dtn_o IFS=$' \t\n'
          {
            \builtin printf 'builtin cd -- %q\n' "$PWD"
            for __dtn_n in $(\builtin compgen -v); do
              case $__dtn_n in
                __dtn_*|BASH|BASH_*|BASHOPTS|BASHPID|COLUMNS|COMP_*|DIRSTACK|EPOCHREALTIME|EPOCHSECONDS|EUID|FUNCNAME|GROUPS|HISTCMD|HOSTNAME|HOSTTYPE|IFS|LINENO|LINES|MACHTYPE|OLDPWD|OPTARG|OPTERR|OPTIND|OSTYPE|PIPESTATUS|PPID|PS1|PS2|PS4|PWD|RANDOM|SECONDS|SHELLOPTS|SHLVL|SRANDOM|UID|_) continue ;;
              esac
              \builtin declare -p "$__dtn_n"
            done
            \builtin declare -f
            \builtin alias -p
            \builtin umask -p
            \builtin shopt -p
            __dtn_o=$(\builtin set +o)
            \builtin printf '%s\n' "${__dtn_o//set -o errexit/set +o errexit}"
          } >|"$__dtn_state" 2>/dev/null
        }
        __dtn_exit() {
          if \builtin test -n "${__dtn_t-}"; then
            \builtin printf '\036daytona-end-%s\036' "$__dtn_t" >"$__dtn_c.out"
            \builtin printf '\036daytona-end-%s\036' "$__dtn_t" >"$__dtn_c.err"
          fi
          __dtn_save
          if \builtin test -n "${__dtn_t-}"; then : >|"${__dtn_state%/*}/$__dtn_t.end"; fi
        } 2>/dev/null
        \builtin trap __dtn_exit EXIT
        \builtin exec 2>/dev/null
        """ + "\n";

    /// <summary>
    /// Sourced for each command with __dtn_c (the command's files, without extension), __dtn_t (its
    /// token) and __dtn_i (its stdin) set: runs the command in this shell, marks the end of both
    /// streams and reports "TOKEN STATUS" on the shell's stdout.
    /// </summary>
    public const string RunScript = """
        { \builtin source "$__dtn_c.sh"; } <"$__dtn_i" >"$__dtn_c.out" 2>"$__dtn_c.err"
        __dtn_rc=$?
        \builtin printf '\036daytona-end-%s\036' "$__dtn_t" >"$__dtn_c.out"
        \builtin printf '\036daytona-end-%s\036' "$__dtn_t" >"$__dtn_c.err"
        \builtin printf '%s %s\n' "$__dtn_t" "$__dtn_rc"
        \builtin unset __dtn_c __dtn_t __dtn_i __dtn_rc

        """;

    /// <summary>bash single-quoting.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";
}
