using System.Collections.Concurrent;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// The interpreter contexts of one sandbox: those users create (random UUIDs) and the "default"
/// one, made on first use by an execute without a context id. All end when the sandbox stops
/// (the daemon that held them is gone).
/// </summary>
public sealed class InterpreterManager(SandboxRuntime runtime)
{
    public const string DefaultId = "default";

    private readonly ConcurrentDictionary<string, InterpreterContext> _contexts = new(StringComparer.Ordinal);
    private readonly object _createLock = new();

    /// <summary>Creates a context and starts its worker (a worker that cannot start is not kept).</summary>
    public InterpreterContext Create(string cwd, IReadOnlyList<KeyValuePair<string, string>> environment) =>
        Add(Guid.NewGuid().ToString(), cwd, environment);

    public InterpreterContext GetOrCreateDefault(string cwd, IReadOnlyList<KeyValuePair<string, string>> environment)
    {
        lock (_createLock)
        {
            return _contexts.TryGetValue(DefaultId, out var existing) ? existing : Add(DefaultId, cwd, environment);
        }
    }

    public bool TryGet(string id, out InterpreterContext context) => _contexts.TryGetValue(id, out context!);

    /// <summary>Every context, the default one included (the route leaves it out).</summary>
    public IReadOnlyList<InterpreterContext> List() => _contexts.Values.OrderBy(c => c.CreatedAt).ToList();

    public bool Delete(string id)
    {
        if (!_contexts.TryRemove(id, out var context)) return false;
        context.Close();
        return true;
    }

    /// <summary>Ends every context (the sandbox stops).</summary>
    public void Clear()
    {
        foreach (var id in _contexts.Keys.ToList()) Delete(id);
    }

    private InterpreterContext Add(string id, string cwd, IReadOnlyList<KeyValuePair<string, string>> environment)
    {
        var context = new InterpreterContext(runtime, id, cwd, environment);
        context.EnsureStarted();
        _contexts[id] = context;
        return context;
    }
}
