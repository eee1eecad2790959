using System.Collections.Concurrent;
using DaytonaPS.Emulator.Toolbox;

namespace DaytonaPS.Emulator;

/// <summary>
/// All sandboxes of the emulator. CONTRACT used by the toolbox: TryGet (id first, then name,
/// live sandboxes only), SandboxRecord.Id/Name/State/User/Env/Runtime and Touch().
/// </summary>
public sealed class SandboxStore : IDisposable
{
    private readonly EmulatorContext _context;
    private readonly ConcurrentDictionary<string, SandboxRecord> _byId = new(StringComparer.Ordinal);

    public SandboxStore(EmulatorContext context) => _context = context;

    /// <summary>Finds a live (not destroyed) sandbox by id, then by name.</summary>
    public bool TryGet(string idOrName, out SandboxRecord sandbox)
    {
        if (_byId.TryGetValue(idOrName, out sandbox!) && sandbox.State != "destroyed") return true;
        sandbox = _byId.Values.FirstOrDefault(s => s.Name == idOrName && s.State != "destroyed")!;
        return sandbox is not null;
    }

    public IEnumerable<string> Startup() => SandboxRuntime.DescribeIsolation(_context.Options);

    public void Dispose()
    {
        foreach (var s in _byId.Values) s.Runtime.KillAll();
    }
}

/// <summary>One sandbox as the emulator stores it.</summary>
public sealed class SandboxRecord
{
    public SandboxRecord(string id, string name, SandboxRuntime runtime)
    {
        Id = id;
        Name = name;
        Runtime = runtime;
    }

    public string Id { get; }
    public string Name { get; set; }

    /// <summary>The reported state (Daytona's strings: started, stopped, ...).</summary>
    public volatile string State = "creating";

    public string User { get; set; } = "daytona";
    public Dictionary<string, string> Env { get; set; } = new();

    /// <summary>Processes and filesystem root of this sandbox (owned by the toolbox side).</summary>
    public SandboxRuntime Runtime { get; }

    public DateTime LastActivityAt { get; private set; } = DateTime.UtcNow;

    /// <summary>Records activity (resets the auto-stop timer), as toolbox calls do on Daytona.</summary>
    public void Touch() => LastActivityAt = DateTime.UtcNow;
}
