namespace DaytonaPS.Emulator.Runtime;

/// <summary>A sandbox container that can run a process on a pseudo-terminal (the linux backend).</summary>
public interface ITerminalContainer
{
    /// <summary>
    /// Starts spec inside the sandbox with the slave of terminal as its stdin, stdout, stderr and
    /// controlling terminal (a new session). The handle's own pipes carry nothing.
    /// </summary>
    IExecHandle ExecOnTerminal(ExecSpec spec, PseudoTerminal terminal);
}
