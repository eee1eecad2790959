namespace DaytonaPS.Emulator.Runtime;

/// <summary>Resolves --runtime to a backend once per emulator and says what it gives.</summary>
public static class RuntimeSelector
{
    /// <summary>
    /// auto: linux where a test sandbox proves it works, else none (saying why); linux: that or an
    /// error; none (or --no-sandboxing): none. probeDir is where the test sandbox lives briefly.
    /// </summary>
    public static IRuntimeBackend Select(EmulatorOptions options, string probeDir)
    {
        var requested = options.NoSandboxing ? "none" : options.Runtime;
        if (requested == "none")
            return new NoneRuntime(requested, [options.NoSandboxing ? "--no-sandboxing: no sandbox processes (same as --runtime none)" : "--runtime none"]);

        var problems = new List<string>();
        var linux = OperatingSystem.IsLinux() ? LinuxRuntime.Detect(options, probeDir, problems) : null;
        if (!OperatingSystem.IsLinux()) problems.Add("it needs Linux (a docker runtime for Windows and macOS is planned)");
        if (linux is not null) return linux;
        var why = "the linux runtime is not possible here: " + string.Join("; ", problems);
        const string needs = "Commands need user namespaces (sysctl user.max_user_namespaces > 0, kernel.unprivileged_userns_clone=1 where it exists) and util-linux; bubblewrap is optional";
        // One line (Program prints it as "cannot start: ..."): what failed, what it needs, what to do instead.
        if (requested == "linux")
            throw new InvalidOperationException($"--runtime linux cannot work here ({string.Join("; ", problems)}). {needs}. Start with --runtime auto or --runtime none to run without sandbox processes.");
        return new NoneRuntime(requested, [why + ". " + needs]);
    }

    /// <summary>Start-up lines: which runtime, and what its sandboxes get.</summary>
    public static IEnumerable<string> Describe(IRuntimeBackend backend)
    {
        var i = backend.Info;
        if (backend.RunsCommands)
        {
            yield return $"runtime: {i.Runtime} via {i.Launcher} (--runtime {i.Requested}); sandbox user {i.SandboxUser} = host uid {i.HostUid}; " +
                         $"filesystem: {i.Filesystem}; network: {i.Network}; own PID, mount, UTS (hostname = sandbox id) and IPC namespaces (background jobs run until the sandbox stops).";
        }
        else
        {
            yield return $"runtime: none (--runtime {i.Requested}); sandboxes run no processes.";
        }
        foreach (var note in i.Notes) yield return "runtime note: " + note;
    }
}
