using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator;

/// <summary>
/// Everything one emulator instance shares between its endpoints: options (fault, latency and
/// rate-limit settings may change while it runs), the sandbox store and the data directory.
/// </summary>
public sealed class EmulatorContext : IDisposable
{
    public EmulatorContext(EmulatorOptions options, string dataDir)
    {
        Options = options;
        DataDir = dataDir;
        Store = new SandboxStore(this);
    }

    public EmulatorOptions Options { get; }

    /// <summary>Root of everything the emulator writes; nothing is written outside it.</summary>
    public string DataDir { get; }

    /// <summary>e.g. http://127.0.0.1:5123 (set once listening).</summary>
    public string BaseUrl { get; internal set; } = "http://127.0.0.1";

    public string ApiUrl => BaseUrl + "/api";

    /// <summary>What sandboxes get as toolboxProxyUrl.</summary>
    public string ToolboxProxyUrl => BaseUrl + "/toolbox";

    public SandboxStore Store { get; }

    public AuthOutcome Authenticate(string? token, string? organizationHeader)
    {
        if (string.IsNullOrEmpty(token)) return AuthOutcome.Unauthorized;
        foreach (var key in Options.ApiKeys)
        {
            if (AuthMiddleware.SecretEquals(token, key)) return AuthOutcome.Ok;
        }
        if (Options.Jwt is not null && AuthMiddleware.SecretEquals(token, Options.Jwt))
        {
            if (string.IsNullOrEmpty(organizationHeader)) return AuthOutcome.MissingOrganization;
            return organizationHeader == Options.OrganizationId ? AuthOutcome.Ok : AuthOutcome.WrongOrganization;
        }
        return AuthOutcome.Unauthorized;
    }

    /// <summary>Runs once listening; returns notes to print on start-up.</summary>
    public IEnumerable<string> Startup() => Store.Startup();

    public void Dispose() => Store.Dispose();
}
