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
    public Dictionary<string, string> Env { get; set; } = new();

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
    public DateTime CreatedAt { get; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>When the current state was reached (auto-archive and auto-delete count from it).</summary>
    public DateTime StateChangedAt { get; private set; }

    public string SandboxClass { get; init; } = "container";
    public bool Kvm { get; init; }
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
