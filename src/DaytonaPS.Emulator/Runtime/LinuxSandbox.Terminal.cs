namespace DaytonaPS.Emulator.Runtime;

internal sealed partial class LinuxSandbox : ITerminalContainer
{
    /// <summary>
    /// sh -c TerminalLauncher sh SLAVE PROGRAM ARGS...: opens the terminal's slave on the host as
    /// stdin/stdout/stderr, then `setsid -c` makes it the controlling terminal of a new session and
    /// runs the usual launcher (nsenter ...), whose descendants inside the sandbox inherit it. The
    /// path is opened before entering the sandbox because the sandbox's /dev has no /dev/pts.
    /// </summary>
    private const string TerminalLauncher = "exec 0<>\"$1\" 1>&0 2>&0; shift; exec setsid -w -c \"$@\"";

    public IExecHandle ExecOnTerminal(ExecSpec spec, PseudoTerminal terminal)
    {
        // The launcher runs as the sandbox's host uid when the emulator is root: it must be able to open the slave.
        if (_runtime.DropFromRoot) Posix.LChown(terminal.SlavePath, _runtime.HostUid, _runtime.HostGid);
        var (program, args, envFile) = PrepareLaunch(spec);
        var (file, launchArgs) = Launch("/bin/sh", ["-c", TerminalLauncher, "sh", terminal.SlavePath, program, .. args]);
        var exec = StartLaunch(file, launchArgs, envFile);
        exec.StandardInput.Close();
        return exec;
    }
}
