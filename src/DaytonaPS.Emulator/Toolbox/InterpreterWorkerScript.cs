namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// The Python program behind one interpreter context (run in the sandbox as
/// <c>python3 -u worker.py TOKEN</c>). It keeps one globals dictionary across jobs, which is what
/// makes a context stateful.
/// </summary>
/// <remarks>
/// Protocol: one JSON job per stdin line, {"code", "envs", "timeout"}. Replies go to stdout as
/// lines "\x1e" TOKEN JSON, JSON being a chunk as the daemon streams it: {"type":"stdout"|"stderr",
/// "text"}, {"type":"error","name","value","traceback"}, then {"type":"control","text":
/// "completed"|"interrupted"} to end the job, just after the line "\x1e" TOKEN on the raw stderr
/// (so the emulator knows a subprocess's stderr of the job has been read). print() and sys.stderr writes of the code become
/// chunks (buffered until a newline or 1 KiB, as the daemon's worker does); anything else on the process's stdout or stderr (a subprocess, os.write) is relayed
/// by the emulator as plain stdout or stderr. A job's timeout is enforced here with SIGALRM
/// (the emulator kills the worker if that does not end it); SIGINT interrupts a job too.
/// Tracebacks keep only the frames of the submitted code, named "&lt;stdin&gt;", as Daytona's do.
/// </remarks>
internal static class InterpreterWorkerScript
{
    public const string FileName = "interpreter-worker.py";

    public const string Source = """
import json, os, signal, sys, traceback

_token = sys.argv[1]
sys.argv = [""]
_out = sys.__stdout__


class _Interrupted(BaseException):
    pass


def _send(chunk):
    _out.write("\x1e" + _token + json.dumps(chunk) + "\n")
    _out.flush()


def _end(text):
    # The marker on the raw stderr tells the emulator that everything a subprocess wrote to fd 2
    # during the job has been read (stdout and stderr are separate pipes): it ends the job only
    # after both this marker and the control chunk.
    try:
        os.write(2, ("\x1e" + _token + "\n").encode())
    except OSError:
        pass
    _send({"type": "control", "text": text})


class _Stream:
    encoding = "utf-8"
    errors = "strict"

    def __init__(self, kind):
        self.kind = kind
        self.pending = []
        self.size = 0

    def write(self, text):
        if not isinstance(text, str):
            text = str(text)
        if text:
            self.pending.append(text)
            self.size += len(text)
            if "\n" in text or self.size >= 1024:
                self.flush()
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        if self.pending:
            text = "".join(self.pending)
            self.pending, self.size = [], 0
            _send({"type": self.kind, "text": text})

    def isatty(self):
        return False

    def writable(self):
        return True

    def fileno(self):
        return 1 if self.kind == "stdout" else 2


def _interrupt(_signum, _frame):
    raise _Interrupted()


signal.signal(signal.SIGALRM, _interrupt)
signal.signal(signal.SIGINT, _interrupt)

_globals = {"__name__": "__main__", "__doc__": None, "__package__": None, "__builtins__": __builtins__}
_code_file = "<string>"


def _traceback(error):
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == _code_file]
    text = "".join('  File "<stdin>", line %d\n' % f.lineno + ("    %s\n" % f.line if f.line else "") for f in frames)
    head = "Traceback (most recent call last):\n" if frames else ""
    return head + text + "%s: %s\n" % (type(error).__name__, error)


def _run(job):
    saved = {}
    for name, value in (job.get("envs") or {}).items():
        saved[name] = os.environ.get(name)
        os.environ[name] = str(value)
    stdout, stderr = sys.stdout, sys.stderr
    out, err = _Stream("stdout"), _Stream("stderr")
    sys.stdout, sys.stderr = out, err
    ending, error = "completed", None
    timeout = job.get("timeout") or 0
    try:
        if timeout > 0:
            signal.setitimer(signal.ITIMER_REAL, timeout)
        exec(compile(job.get("code", ""), _code_file, "exec"), _globals)
    except _Interrupted:
        ending = "interrupted"
    except KeyboardInterrupt:
        ending = "interrupted"
    except SystemExit:
        pass
    except BaseException as e:
        error = {"type": "error", "name": type(e).__name__, "value": str(e), "traceback": _traceback(e)}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        out.flush()
        err.flush()
        sys.stdout, sys.stderr = stdout, stderr
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    if error:
        _send(error)
    _end(ending)


while True:
    try:
        line = sys.stdin.readline()
        if not line:
            break
        if line.strip():
            _run(json.loads(line))
    except _Interrupted:
        _end("interrupted")
""";
}
