using DaytonaPS.Emulator.Toolbox;

namespace DaytonaPS.Emulator.Runtime;

/// <summary>
/// --runtime none: sandboxes have a lifecycle, labels, volumes and a file tree (a directory the
/// file API works on) but run nothing. Toolbox routes that would run a process answer
/// 400 SANDBOX_RUNTIME_UNAVAILABLE: sandbox commands never run on the host.
/// </summary>
public sealed class NoneRuntime(string requested, IReadOnlyList<string> why) : IRuntimeBackend
{
    public const string UnavailableCode = "SANDBOX_RUNTIME_UNAVAILABLE";

    public string Name => "none";
    public bool RunsCommands => false;

    public RuntimeInfo Info { get; } = new(
        "none", requested, null, false, false, null, null,
        "a plain directory per sandbox (the file API works on it); nothing runs",
        "none (nothing runs)",
        [.. why, "sandbox commands, sessions and other process routes answer 400 " + UnavailableCode + "; start the emulator with --runtime linux (Linux with user namespaces; docker is planned) to run them"]);

    public ISandboxContainer Create(SandboxSpec spec) => new NoneSandbox(spec);

    /// <summary>The error every process route answers on this backend.</summary>
    public static ToolboxException Unavailable() => new(400, UnavailableCode,
        "this emulator runs no sandbox processes (--runtime none); start it with --runtime linux on Linux with user namespaces (a docker runtime is planned) to run commands");

    private sealed class NoneSandbox(SandboxSpec spec) : ISandboxContainer
    {
        public SandboxPaths Paths { get; } = new(spec.RootDirectory, volumes: spec.VolumeMap);
        public bool RunsCommands => false;
        public string ControlDirInSandbox => "/run/daytona";
        public int? InitProcessId => null;
        public IdMap Ids => IdMap.Identity;

        public void Prepare()
        {
            Directory.CreateDirectory(Path.Combine(spec.RootDirectory, "home", "daytona"));
            Directory.CreateDirectory(Path.Combine(spec.RootDirectory, "workspace"));
            var tmp = Path.Combine(spec.RootDirectory, "tmp");
            Directory.CreateDirectory(tmp);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tmp, (UnixFileMode)Convert.ToInt32("1777", 8));
            foreach (var v in spec.Volumes ?? []) Directory.CreateDirectory(v.HostDirectory);
        }

        public void CopyLayerFrom(string sourceRoot) => HostFiles.CopyTree(sourceRoot, spec.RootDirectory);

        public void Start() { }
        public void Stop() { }
        public void Delete() => HostFiles.Discard(spec.RootDirectory);
        public IExecHandle Exec(ExecSpec exec) => throw Unavailable();
        public void Adopt(string hostPath) { }
    }
}
