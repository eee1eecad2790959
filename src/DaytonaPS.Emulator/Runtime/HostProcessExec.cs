using System.Diagnostics;

namespace DaytonaPS.Emulator.Runtime;

/// <summary>An <see cref="IExecHandle"/> over a host process (the launcher that enters the sandbox).</summary>
internal sealed class HostProcessExec : IExecHandle
{
    private readonly Process _process;

    private HostProcessExec(Process process)
    {
        _process = process;
        Id = process.Id;
        Exited = process.WaitForExitAsync();
    }

    /// <summary>Starts fileName with args and exactly environment, its three pipes redirected.</summary>
    public static HostProcessExec Start(string fileName, IEnumerable<string> args, IEnumerable<KeyValuePair<string, string>> environment, SandboxSeccomp? seccomp = null) =>
        new(Launch(fileName, args, environment, seccomp));

    /// <summary>
    /// The one way the emulator starts a launcher on the host: exactly <paramref name="environment"/>
    /// (nothing of the emulator's own, e.g. LD_PRELOAD, reaches it) and stdin/stdout/stderr redirected;
    /// started on the seccomp launcher thread when there is a filter, so it runs under it.
    /// </summary>
    internal static Process Launch(string fileName, IEnumerable<string> args, IEnumerable<KeyValuePair<string, string>> environment, SandboxSeccomp? seccomp = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment.Clear();
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (seccomp is not null && OperatingSystem.IsLinux()) return seccomp.Start(psi);
        return Process.Start(psi) ?? throw new InvalidOperationException($"{fileName} did not start");
    }

    public int Id { get; }
    public Stream StandardInput => _process.StandardInput.BaseStream;
    public Stream StandardOutput => _process.StandardOutput.BaseStream;
    public Stream StandardError => _process.StandardError.BaseStream;
    public Task Exited { get; }
    public int ExitCode => _process.ExitCode;

    /// <summary>Kills the launcher and its descendants (not jobs already handed to the sandbox's init).</summary>
    public void Kill()
    {
        try { _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
    }

    public void Dispose() => _process.Dispose();
}
