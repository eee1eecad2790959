using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator;

/// <summary>
/// Everything one emulator instance shares between its endpoints: options (fault, latency and
/// rate-limit settings may change while it runs), the sandbox store and the data directory.
/// </summary>
public sealed class EmulatorContext : IDisposable
{
    /// <summary>Config maxAutoArchiveInterval (minutes); autoArchive 0 means this.</summary>
    public const int MaxAutoArchiveInterval = 43200;
    public const string DaemonVersion = "0.218.0";
    public const string RunnerId = "emulator-runner";

    private readonly CancellationTokenSource _lifetime = new();

    public EmulatorContext(EmulatorOptions options, string dataDir)
    {
        Options = options;
        DataDir = dataDir;
        Faults = new FaultSettings(options);
        RateLimiter = new RateLimiter(Faults);
        Store = new SandboxStore(this);
        Snapshots = new SnapshotStore(this);
        Volumes = new VolumeStore(this);
        Secrets = new SecretStore();
        ObjectStorage = new Build.ObjectStorage(this);
        Runtime = DaytonaPS.Emulator.Runtime.RuntimeSelector.Select(options, Path.Combine(dataDir, "sandboxes"));
        DaytonaPS.Emulator.Runtime.HostFiles.EmptyTrash(Path.Combine(dataDir, "sandboxes"));
        Metrics = new Telemetry.SandboxMetrics(this);
        _ = Task.Run(() => Metrics.RunAsync(_lifetime.Token));
    }

    /// <summary>Resource samples of started sandboxes (GET /sandbox/{id}/telemetry/metrics).</summary>
    public Telemetry.SandboxMetrics Metrics { get; }

    /// <summary>Where sandboxes run (--runtime), chosen once at start-up.</summary>
    public DaytonaPS.Emulator.Runtime.IRuntimeBackend Runtime { get; }

    /// <summary>Cancelled when the emulator stops: ends pending transitions and timers.</summary>
    public CancellationToken Lifetime => _lifetime.Token;

    public EmulatorOptions Options { get; }

    /// <summary>Root of everything the emulator writes; nothing is written outside it.</summary>
    public string DataDir { get; }

    /// <summary>e.g. http://127.0.0.1:5123 (set once listening).</summary>
    public string BaseUrl { get; internal set; } = "http://127.0.0.1";

    public string ApiUrl => BaseUrl + "/api";

    /// <summary>What sandboxes get as toolboxProxyUrl.</summary>
    public string ToolboxProxyUrl => BaseUrl + "/toolbox";

    public SandboxStore Store { get; }
    public SnapshotStore Snapshots { get; }
    public VolumeStore Volumes { get; }
    public SecretStore Secrets { get; }

    /// <summary>Build contexts uploaded through /object-storage/push-access (S3 path-style at /daytona-emulator-builds).</summary>
    internal Build.ObjectStorage ObjectStorage { get; }

    /// <summary>Latency, fault and rate-limit settings; changeable at runtime through /_emulator/faults.</summary>
    public FaultSettings Faults { get; }

    public RateLimiter RateLimiter { get; }

    /// <summary>The SSH gateway sidecar, while it runs (null with --no-ssh or without Node.js/ssh2).</summary>
    public Ssh.SshGatewayProcess? SshGateway { get; internal set; }

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

    public void Dispose()
    {
        _lifetime.Cancel();
        Store.Dispose();
        _lifetime.Dispose();
    }
}
