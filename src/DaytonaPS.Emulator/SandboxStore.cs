namespace DaytonaPS.Emulator;

/// <summary>All sandboxes of the emulator (placeholder until the main API lands).</summary>
public sealed class SandboxStore : IDisposable
{
    private readonly EmulatorContext _context;

    public SandboxStore(EmulatorContext context) => _context = context;

    public IEnumerable<string> Startup() => [];

    public void Dispose() { }
}
