using System.Diagnostics;
using System.Globalization;
using DaytonaPS.Emulator.Runtime;

namespace DaytonaPS.Emulator.Build;

/// <summary>
/// Builds a snapshot's Dockerfile on the emulator's own runtime (there is no Docker engine): a build
/// sandbox, isolated like every sandbox, starts from the base (an emulator snapshot's built layer, else
/// the emulator's default sandbox filesystem: images are never pulled), runs each RUN in it as the
/// sandbox user, copies COPY/ADD sources from the uploaded build context (extracted where the build
/// sandbox sees it read-only, /run/daytona/context, and copied by a command inside it, so nothing is
/// written through a link the build made), and keeps ENV, WORKDIR, USER, ENTRYPOINT and CMD. Its root
/// becomes the snapshot's layer, which sandboxes from the snapshot start with a copy of. What it cannot
/// do (a multi-stage build, ADD from a URL, an unknown instruction) fails the build, as a failing RUN
/// does: state build_failed with the reason and the log.
/// </summary>
internal sealed class DockerfileBuilder
{
    private const string ContextInSandbox = "/run/daytona/context";
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(15);

    /// <summary>Copies COPY sources inside the build sandbox: DEST KIND(dir|file) SOURCES...</summary>
    private const string CopyScript = """
        set -e
        dest=$1 kind=$2 extract=$3
        shift 3
        for src in "$@"; do
          if [ "$extract" = yes ] && case $src in *.tar|*.tar.gz|*.tgz|*.tar.xz|*.tar.bz2) true;; *) false;; esac; then
            mkdir -p -- "$dest"; tar -xf "$src" -C "$dest"
          elif [ -d "$src" ]; then mkdir -p -- "$dest"; cp -a -- "$src/." "$dest/"
          elif [ "$kind" = dir ]; then mkdir -p -- "$dest"; cp -a -- "$src" "$dest/"
          else mkdir -p -- "$(dirname -- "$dest")"; cp -a -- "$src" "$dest"
          fi
        done
        """;

    private readonly EmulatorContext _context;
    private readonly SnapshotRecord _snapshot;
    private readonly Dictionary<string, string> _env = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _args = new(StringComparer.Ordinal);
    private List<string> _shell = ["/bin/sh", "-c"];
    private string _workDir = "/home/daytona";
    private string? _user;
    private List<string>? _entrypoint;
    private List<string>? _cmd;
    private int _step;
    private string _contextHost = "";

    private DockerfileBuilder(EmulatorContext context, SnapshotRecord snapshot)
    {
        _context = context;
        _snapshot = snapshot;
    }

    /// <summary>Where a snapshot's built layer lives (its root) and the build sandbox's control directory beside it.</summary>
    public static string LayerDirectory(EmulatorContext context, string snapshotId) => Path.Combine(context.DataDir, "snapshots", snapshotId, "rootfs");

    /// <summary>Builds; on success the snapshot has its layer, environment and entrypoint; on failure it is build_failed with the reason.</summary>
    public static Task BuildAsync(EmulatorContext context, SnapshotRecord snapshot, CancellationToken ct) =>
        new DockerfileBuilder(context, snapshot).RunAsync(ct);

    private async Task RunAsync(CancellationToken ct)
    {
        var instructions = Dockerfile.Parse(_snapshot.BuildInfo?.DockerfileContent ?? "");
        var root = LayerDirectory(_context, _snapshot.Id);
        var spec = new SandboxSpec("build-" + _snapshot.Id[..8], _snapshot.Name, "daytona", root, root + ".daytona");
        ISandboxContainer? container = null;
        try
        {
            var from = instructions.FindIndex(i => i.Keyword != "ARG");
            if (from < 0 || instructions[from].Keyword != "FROM") { Fail(null, "Dockerfile must begin with FROM (after ARG lines only)"); return; }
            foreach (var arg in instructions.Take(from)) foreach (var (k, v) in Dockerfile.Pairs(arg.Arguments, false)) _args[k] = v;
            if (instructions.Skip(from + 1).Any(i => i.Keyword == "FROM"))
            {
                Fail(instructions.First(i => i.Keyword == "FROM" && i != instructions[from]), "multi-stage builds (a second FROM) are not supported by the emulator's builder");
                return;
            }
            var work = instructions.Skip(from + 1).ToList();
            if (!_context.Runtime.RunsCommands && work.FirstOrDefault(i => i.Keyword is "RUN" or "COPY" or "ADD" or "WORKDIR") is { } needsRuntime)
            {
                Fail(needsRuntime, $"this emulator runs nothing (--runtime {_context.Runtime.Name}), so it cannot build {needsRuntime.Keyword}; start it with --runtime linux to build Dockerfiles");
                return;
            }

            container = _context.Runtime.Create(spec);
            if (!Base(instructions[from], container)) return;
            container.Prepare();
            if (!PrepareContext(spec, container)) return;

            foreach (var instruction in work)
            {
                ct.ThrowIfCancellationRequested();
                var step = ++_step;
                _snapshot.AppendLog($"#{step} {instruction.Display}");
                var watch = Stopwatch.StartNew();
                var ok = instruction.Keyword switch
                {
                    "RUN" => await RunStepAsync(container, instruction, step, ct).ConfigureAwait(false),
                    "COPY" or "ADD" => await CopyStepAsync(container, instruction, step, ct).ConfigureAwait(false),
                    "WORKDIR" => await WorkDirAsync(container, instruction, step, ct).ConfigureAwait(false),
                    _ => Record(instruction, step),
                };
                if (!ok) return;
                _snapshot.AppendLog(string.Create(CultureInfo.InvariantCulture, $"#{step} DONE {watch.Elapsed.TotalSeconds:0.0}s"));
            }

            container.Stop();
            HostFiles.DeleteTree(spec.ControlDirectory);
            _snapshot.LayerDirectory = root;
            _snapshot.Env = new Dictionary<string, string>(_env);
            _snapshot.WorkDir = _workDir;
            _snapshot.User = _user;
            var entrypoint = (_entrypoint ?? []).Concat(_cmd ?? []).ToList();
            if (entrypoint.Count > 0) _snapshot.Entrypoint = entrypoint;
            container = null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            Fail(null, "the build failed: " + e.Message.Replace(root, "/", StringComparison.Ordinal));
        }
        finally
        {
            if (container is not null)
            {
                try { container.Delete(); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
                try { HostFiles.DeleteTree(spec.ControlDirectory); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        }
    }

    /// <summary>FROM: an emulator snapshot with a built layer is the base; any other image is the default sandbox filesystem.</summary>
    private bool Base(DockerInstruction from, ISandboxContainer container)
    {
        var step = ++_step;
        _snapshot.AppendLog($"#{step} {from.Display}");
        var words = Dockerfile.Words(Dockerfile.Expand(from.Arguments, _args)).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
        if (words.Count == 0) return Fail(from, "FROM needs an image");
        var image = words[0];
        if (_context.Snapshots.Find(image) is { LayerDirectory: { } layer, State: "active" } base_)
        {
            container.CopyLayerFrom(layer);
            foreach (var (k, v) in base_.Env) _env[k] = v;
            _workDir = base_.WorkDir ?? _workDir;
            _snapshot.AppendLog($"#{step} using the layer of snapshot {base_.Name}");
        }
        else
        {
            _snapshot.AppendLog($"#{step} {image}: the emulator's default sandbox filesystem (the emulator pulls no images)");
        }
        _snapshot.AppendLog($"#{step} DONE 0.0s");
        return true;
    }

    /// <summary>Extracts each uploaded context archive (contextHashes) where the build sandbox reads it.</summary>
    private bool PrepareContext(SandboxSpec spec, ISandboxContainer container)
    {
        var target = _contextHost = Path.Combine(spec.ControlDirectory, "context");
        Directory.CreateDirectory(target);
        container.Adopt(target);
        foreach (var hash in _snapshot.BuildInfo?.ContextHashes ?? [])
        {
            var archive = _context.ObjectStorage.ContextArchive(_context.Options.EffectiveOrganizationId, hash);
            if (archive is null) return Fail(null, $"build context {hash} was not uploaded (GET /object-storage/push-access, then {{organizationId}}/{hash}/context.tar)");
            foreach (var skipped in ContextArchive.Extract(archive, target, container.Adopt))
                _snapshot.AppendLog($"#0 context {hash}: skipped {skipped} (only files and directories are taken from a context)");
        }
        return true;
    }

    private IEnumerable<KeyValuePair<string, string>> StepEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            ["HOME"] = "/home/daytona",
            ["USER"] = "daytona",
            ["LANG"] = "C.UTF-8",
        };
        foreach (var (k, v) in _args) env[k] = v;
        foreach (var (k, v) in _env) env[k] = v;
        return env;
    }

    private async Task<bool> RunStepAsync(ISandboxContainer container, DockerInstruction run, int step, CancellationToken ct)
    {
        var (flags, rest) = run.SplitFlags();
        if (flags.Count > 0) _snapshot.AppendLog($"#{step} ignored: {string.Join(" ", flags.Keys.Select(f => "--" + f))} (no effect in the emulator)");
        var exec = new DockerInstruction("RUN", rest, run.Line).ExecForm();
        var argv = exec is { Count: > 0 } ? exec.ToList() : [.. _shell, rest];
        var code = await ExecAsync(container, argv, step, ct).ConfigureAwait(false);
        if (code == 0) return true;
        var shown = exec is { Count: > 0 } ? string.Join(" ", exec) : string.Join(" ", _shell) + " " + rest;
        _snapshot.AppendLog($"#{step} ERROR: process \"{shown}\" did not complete successfully: exit code: {code}");
        _snapshot.ErrorReason = $"Failed to build snapshot: step {step} ({run.Display}) exited with code {code}";
        _snapshot.SetState("build_failed");
        return false;
    }

    private async Task<bool> CopyStepAsync(ISandboxContainer container, DockerInstruction copy, int step, CancellationToken ct)
    {
        var (flags, rest) = copy.SplitFlags();
        if (flags.ContainsKey("from")) return Fail(copy, "COPY --from (multi-stage) is not supported by the emulator's builder");
        if (flags.Count > 0) _snapshot.AppendLog($"#{step} ignored: {string.Join(" ", flags.Keys.Select(f => "--" + f))} (every file belongs to the sandbox user)");
        var words = (new DockerInstruction(copy.Keyword, rest, copy.Line).ExecForm()?.ToList() ?? Dockerfile.Words(rest))
            .Select(w => Dockerfile.Expand(w, Values())).ToList();
        if (words.Count < 2) return Fail(copy, $"{copy.Keyword} needs at least one source and a destination");
        var dest = words[^1];
        if (!dest.StartsWith('/')) dest = _workDir.TrimEnd('/') + "/" + dest;
        var contextRoot = _contextHost;
        var sources = new List<string>();
        foreach (var source in words.Take(words.Count - 1))
        {
            if (source.Contains("://", StringComparison.Ordinal))
                return Fail(copy, $"{copy.Keyword} from a URL ({source}) needs the network, which the emulator's builds do not have");
            var matches = ContextMatches(contextRoot, source);
            if (matches is null) return Fail(copy, $"{copy.Keyword} failed: forbidden path outside the build context: {source}");
            if (matches.Count == 0) return Fail(copy, $"{copy.Keyword} failed: file not found in build context: {source} (is it in the folder given as the context?)");
            sources.AddRange(matches.Select(m => ContextInSandbox + "/" + m));
        }
        var kind = dest.EndsWith('/') || sources.Count > 1 ? "dir" : "file";
        string[] argv = ["/bin/bash", "-c", CopyScript, "copy", dest, kind, copy.Keyword == "ADD" ? "yes" : "no", .. sources];
        var code = await ExecAsync(container, argv, step, ct).ConfigureAwait(false);
        return code == 0 || Fail(copy, $"{copy.Keyword} failed with exit code {code}");
    }

    private async Task<bool> WorkDirAsync(ISandboxContainer container, DockerInstruction workDir, int step, CancellationToken ct)
    {
        var path = Dockerfile.Expand(Dockerfile.Words(workDir.Arguments).FirstOrDefault() ?? "", Values());
        if (path.Length == 0) return Fail(workDir, "WORKDIR needs a path");
        _workDir = path.StartsWith('/') ? path : _workDir.TrimEnd('/') + "/" + path;
        var code = await ExecAsync(container, ["/bin/mkdir", "-p", "--", _workDir], step, ct, cwd: "/").ConfigureAwait(false);
        return code == 0 || Fail(workDir, $"WORKDIR {_workDir} could not be made (exit code {code})");
    }

    /// <summary>The instructions that only record something.</summary>
    private bool Record(DockerInstruction instruction, int step)
    {
        var text = Dockerfile.Expand(instruction.Arguments, Values());
        switch (instruction.Keyword)
        {
            case "ENV":
                foreach (var (k, v) in Dockerfile.Pairs(instruction.Arguments, legacyForm: true)) _env[k] = Dockerfile.Expand(v, Values());
                return true;
            case "ARG":
                foreach (var (k, v) in Dockerfile.Pairs(instruction.Arguments, false)) if (!_args.ContainsKey(k) || v.Length > 0) _args[k] = Dockerfile.Expand(v, Values());
                return true;
            case "USER":
                _user = text.Trim();
                if (_user is not ("daytona" or "1000" or "1000:1000"))
                    _snapshot.AppendLog($"#{step} recorded; the emulator runs every step and sandbox as daytona (uid 1000)");
                return true;
            case "ENTRYPOINT":
                _entrypoint = instruction.ExecForm()?.ToList() ?? [.. _shell, instruction.Arguments];
                return true;
            case "CMD":
                _cmd = instruction.ExecForm()?.ToList() ?? [.. _shell, instruction.Arguments];
                return true;
            case "SHELL":
                if (instruction.ExecForm() is not { Count: > 0 } shell) return Fail(instruction, "SHELL needs the JSON form, e.g. SHELL [\"/bin/bash\", \"-c\"]");
                _shell = shell.ToList();
                return true;
            case "LABEL" or "EXPOSE" or "VOLUME" or "STOPSIGNAL" or "HEALTHCHECK" or "MAINTAINER" or "ONBUILD":
                _snapshot.AppendLog($"#{step} recorded (no effect in the emulator)");
                return true;
            default:
                return Fail(instruction, $"unknown instruction: {instruction.Keyword}");
        }
    }

    private Dictionary<string, string> Values()
    {
        var values = new Dictionary<string, string>(_args, StringComparer.Ordinal);
        foreach (var (k, v) in _env) values[k] = v;
        return values;
    }

    /// <summary>Context-relative paths matching source ('*' and '?' in its last part); null when it leaves the context.</summary>
    private static List<string>? ContextMatches(string contextRoot, string source)
    {
        var relative = source.Replace('\\', '/').TrimStart('/');
        var parts = new List<string>();
        foreach (var part in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..") { if (parts.Count == 0) return null; parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(part);
        }
        if (parts.Count == 0) return Directory.Exists(contextRoot) ? ["."] : [];
        var last = parts[^1];
        var parent = string.Join('/', parts.Take(parts.Count - 1));
        var hostParent = Path.Combine(contextRoot, parent);
        if (!Directory.Exists(hostParent)) return [];
        if (last.IndexOfAny(['*', '?']) < 0)
            return Path.Exists(Path.Combine(hostParent, last)) ? [string.Join('/', parts)] : [];
        return Directory.EnumerateFileSystemEntries(hostParent, last).Select(p => (parent.Length == 0 ? "" : parent + "/") + Path.GetFileName(p)).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Runs argv in the build sandbox, every output line to the log as "#step line"; the exit code.</summary>
    private async Task<int> ExecAsync(ISandboxContainer container, IReadOnlyList<string> argv, int step, CancellationToken ct, string? cwd = null)
    {
        // The backend starts the process at the sandbox's root: the step moves to its directory first.
        var dir = cwd ?? _workDir;
        string[] inDir = ["/bin/sh", "-c", "cd -- \"$1\" || exit 1; shift; exec \"$@\"", "step", dir, .. argv];
        using var exec = container.Exec(new ExecSpec(dir, StepEnvironment().ToList(), inDir));
        exec.StandardInput.Close();
        var pumps = Task.WhenAll(Pump(exec.StandardOutput, step), Pump(exec.StandardError, step));
        try
        {
            await exec.Exited.WaitAsync(StepTimeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            exec.Kill();
            _snapshot.AppendLog($"#{step} ERROR: the step did not end within {StepTimeout.TotalMinutes:0} minutes");
            return 124;
        }
        catch (OperationCanceledException)
        {
            exec.Kill();
            throw;
        }
        // A background process the step left running may keep the pipes open: do not wait for it.
        await Task.WhenAny(pumps, Task.Delay(1000, CancellationToken.None)).ConfigureAwait(false);
        return exec.ExitCode;
    }

    private Task Pump(Stream stream, int step) => Task.Factory.StartNew(() =>
    {
        using var reader = new StreamReader(stream);
        try
        {
            while (reader.ReadLine() is { } line) _snapshot.AppendLog($"#{step} {line}");
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { }
    }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Ends the build as build_failed with <paramref name="reason"/> (Daytona's errorReason); always false.</summary>
    private bool Fail(DockerInstruction? at, string reason)
    {
        _snapshot.AppendLog(at is null ? "ERROR: " + reason : $"#{_step} ERROR: {reason}");
        _snapshot.ErrorReason = "Failed to build snapshot: " + (at is null ? reason : $"step {_step} ({at.Display}): {reason}");
        _snapshot.SetState("build_failed");
        return false;
    }
}
