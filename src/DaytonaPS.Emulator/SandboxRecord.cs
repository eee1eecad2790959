using System.Security.Cryptography;
using DaytonaPS.Emulator.Toolbox;

namespace DaytonaPS.Emulator;

/// <summary>
/// One sandbox as the emulator stores it. Mutable fields change only under SandboxStore.Sync;
/// the toolbox reads State/User/Env/Runtime without locking (State is volatile).
/// </summary>
public sealed class SandboxRecord
{
    public SandboxRecord(string id, string name, SandboxRuntime runtime)
    {
        Id = id;
        Name = name;
        Runtime = runtime;
        var now = DateTime.UtcNow;
        CreatedAt = UpdatedAt = StateChangedAt = LastActivityAt = now;
    }

    public string Id { get; }

    /// <summary>Becomes DESTROYED_name_ms on delete, which frees the name.</summary>
    public string Name { get; set; }

    /// <summary>The reported state (Daytona's strings: started, stopped, ...).</summary>
    public volatile string State = "creating";

    public string User { get; set; } = "daytona";

    /// <summary>The create body's env: what the Sandbox object shows as <c>env</c>.</summary>
    public Dictionary<string, string> Env { get; set; } = new();

    /// <summary>Mounted secrets: env name -> the secret's placeholder (never its value).</summary>
    public Dictionary<string, string> SecretEnv { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The daemon's process environment, which new commands, sessions and terminals inherit: the create env and the
    /// secret placeholders, then what POST /env and PUT /secrets changed. A (re)start from stopped or archived builds
    /// it again from the first two (the daemon is a new process). Read and changed under <see cref="DaemonEnvSync"/>.
    /// </summary>
    private Dictionary<string, string>? _daemonEnv;
    internal readonly object DaemonEnvSync = new();

    internal Dictionary<string, string> DaemonEnvSnapshot()
    {
        lock (DaemonEnvSync) return new Dictionary<string, string>(_daemonEnv ??= FreshDaemonEnv(), StringComparer.Ordinal);
    }

    /// <summary>Changes the daemon env under its lock and returns the result.</summary>
    internal Dictionary<string, string> ChangeDaemonEnv(Action<Dictionary<string, string>> change)
    {
        lock (DaemonEnvSync)
        {
            change(_daemonEnv ??= FreshDaemonEnv());
            return new Dictionary<string, string>(_daemonEnv, StringComparer.Ordinal);
        }
    }

    /// <summary>The daemon starts again: its env is the create env plus the secret placeholders.</summary>
    internal void ResetDaemonEnv()
    {
        lock (DaemonEnvSync) _daemonEnv = FreshDaemonEnv();
    }

    private Dictionary<string, string> FreshDaemonEnv()
    {
        var env = new Dictionary<string, string>(Env, StringComparer.Ordinal);
        // outboundProxyUrl is applied as the standard proxy variables (spec 0.218: "injecting the standard
        // HTTP(S)_PROXY environment variables at creation").
        if (!string.IsNullOrEmpty(OutboundProxyUrl))
        {
            foreach (var name in new[] { "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy" }) env[name] = OutboundProxyUrl;
        }
        foreach (var (name, placeholder) in SecretEnv) env[name] = placeholder;
        return env;
    }

    /// <summary>Processes and filesystem root of this sandbox (owned by the toolbox side).</summary>
    public SandboxRuntime Runtime { get; }

    public DateTime LastActivityAt { get; private set; }

    /// <summary>Records activity (resets the auto-stop timer), as toolbox calls do on Daytona.</summary>
    public void Touch() => LastActivityAt = DateTime.UtcNow;

    /// <summary>Tests move the clock back to make a sandbox look idle.</summary>
    internal void SetLastActivity(DateTime at) => LastActivityAt = at;

    /// <summary>Key for signed toolbox file URLs (GET /sandbox/{id}/signing-key); the SDK HMACs with its UTF-8 bytes.</summary>
    public string SigningKey { get; internal set; } = NewToken(32);

    public string DesiredState { get; internal set; } = "started";

    /// <summary>A state change was asked for and has not landed yet (Daytona's "pending").</summary>
    public bool Pending { get; internal set; }

    /// <summary>Bumped by every transition so a superseded one does not land.</summary>
    internal int Generation;

    public string OrganizationId { get; init; } = "";
    public string? Snapshot { get; init; }
    public Dictionary<string, string> Labels { get; set; } = new();
    public bool Public { get; set; }
    public bool NetworkBlockAll { get; set; }
    public string? NetworkAllowList { get; set; }
    public string? DomainAllowList { get; set; }
    public string? OutboundProxyUrl { get; init; }
    public string? OtelEndpointOverride { get; init; }
    public string Target { get; init; } = "us";
    public int Cpu { get; set; } = 1;
    public int Gpu { get; set; }
    public int Memory { get; set; } = 1;
    public int Disk { get; set; } = 3;
    public string? GpuType { get; init; }
    public string? ErrorReason { get; set; }
    public bool Recoverable { get; set; }
    public int AutoStopInterval { get; set; } = 15;
    public int AutoPauseInterval { get; set; }
    public int AutoArchiveInterval { get; set; } = 10080;
    public int AutoDeleteInterval { get; set; } = -1;
    public DateTime? AutoDestroyAt { get; set; }
    public List<Api.SandboxVolumeDto> Volumes { get; init; } = new();
    public Api.BuildInfoDto? BuildInfo { get; init; }
    /// <summary>Set only by the emulator's own /_emulator/sandboxes/{id}/timestamps route (tests and benchmarks).</summary>
    public DateTime CreatedAt { get; internal set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>When the current state was reached (auto-archive and auto-delete count from it).</summary>
    public DateTime StateChangedAt { get; private set; }

    public string SandboxClass { get; init; } = "container";
    public bool Kvm { get; init; }
    public bool Spot { get; init; }
    public string? LinkedSandboxId { get; init; }

    /// <summary>The sandbox this one was forked from (GET /sandbox/{id}/parent); not a field of Daytona's Sandbox.</summary>
    public string? ForkParentId { get; init; }

    /// <summary>The standard preview token; it changes when the sandbox (re)starts.</summary>
    public string PreviewToken { get; internal set; } = NewToken(16);

    /// <summary>Live SSH tokens of this sandbox (creating one revokes the rest).</summary>
    internal List<SshAccess> SshAccesses { get; } = new();

    /// <summary>Signed preview tokens: token -> (port, expiry).</summary>
    internal Dictionary<string, (int Port, DateTime ExpiresAt)> SignedPreviewTokens { get; } = new(StringComparer.Ordinal);

    internal void SetState(string state)
    {
        State = state;
        UpdatedAt = StateChangedAt = DateTime.UtcNow;
    }

    /// <summary>A lower-case alphanumeric random token.</summary>
    internal static string NewToken(int length)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        return RandomNumberGenerator.GetString(alphabet, length);
    }
}

internal sealed record SshAccess(string Id, string Token, DateTime CreatedAt, DateTime ExpiresAt);
