using System.Diagnostics;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>One process started in a sandbox (the bwrap process, or bash in the fallback).</summary>
public sealed class SandboxProcess : IDisposable
{
    private readonly Process _process;

    internal SandboxProcess(Process process)
    {
        _process = process;
        Id = process.Id;
        Exited = process.WaitForExitAsync();
    }

    public int Id { get; }

    public Stream StandardInput => _process.StandardInput.BaseStream;
    public Stream StandardOutput => _process.StandardOutput.BaseStream;
    public Stream StandardError => _process.StandardError.BaseStream;

    /// <summary>Completes when the process has exited (not waiting for its output to drain).</summary>
    public Task Exited { get; }

    public int ExitCode => _process.ExitCode;

    /// <summary>Kills the process and its descendants; under bwrap that ends its whole PID namespace.</summary>
    public void Kill()
    {
        try { _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
    }

    public void Dispose() => _process.Dispose();
}
