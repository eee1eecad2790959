using System.Collections.Concurrent;
using DaytonaPS.Emulator.Api;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator;

/// <summary>Snapshots: the general default one plus those created through POST /snapshots.</summary>
public sealed class SnapshotStore
{
    /// <summary>The snapshot a sandbox gets when the create names none (Daytona's own compose default).</summary>
    public const string DefaultSnapshotName = "daytonaio/sandbox:0.5.0-slim";

    private readonly EmulatorContext _context;
    private readonly ConcurrentDictionary<string, SnapshotRecord> _byId = new(StringComparer.Ordinal);

    public SnapshotStore(EmulatorContext context)
    {
        _context = context;
        var now = DateTime.UtcNow;
        var defaultSnapshot = new SnapshotRecord(Guid.NewGuid().ToString(), DefaultSnapshotName)
        {
            General = true,
            ImageName = DefaultSnapshotName,
            State = "active",
            Size = 1.2,
            RegionIds = [.. context.Options.Targets],
            CreatedAt = now,
            UpdatedAt = now,
        };
        _byId[defaultSnapshot.Id] = defaultSnapshot;
    }

    internal object Sync { get; } = new();

    internal IEnumerable<SnapshotRecord> All => _byId.Values.Where(s => s.State != "removing");

    /// <summary>By id first, then by name.</summary>
    internal SnapshotRecord? Find(string idOrName)
    {
        if (_byId.TryGetValue(idOrName, out var s) && s.State != "removing") return s;
        return All.FirstOrDefault(x => x.Name == idOrName);
    }

    internal SnapshotRecord Get(string idOrName) =>
        Find(idOrName) ?? throw new DaytonaHttpException(404, $"Snapshot {idOrName} not found");

    internal SnapshotRecord Create(CreateSnapshotRequest body)
    {
        if (string.IsNullOrWhiteSpace(body.Name)) throw new DaytonaHttpException(400, "name should not be empty");
        if (body.BuildInfo is null && string.IsNullOrWhiteSpace(body.ImageName))
            throw new DaytonaHttpException(400, "Must specify either imageName or buildInfo");
        if (body.BuildInfo is not null && !string.IsNullOrWhiteSpace(body.ImageName))
            throw new DaytonaHttpException(400, "Cannot specify both imageName and buildInfo");
        if (body.ImageName is { } image && image.EndsWith(":latest", StringComparison.Ordinal))
            throw new DaytonaHttpException(400, "Images with tag latest are not allowed");
        foreach (var (value, field) in new[] { (body.Cpu, "cpu"), (body.Memory, "memory"), (body.Disk, "disk") })
        {
            if (value is < 1) throw new DaytonaHttpException(400, $"{field} must not be less than 1");
        }
        // snapshot.service: the region, then the per-sandbox limits of what it declares.
        var region = OrganizationLimits.Region(_context, body.RegionId);
        OrganizationLimits.CheckPerSandbox(_context.Options, body.Cpu ?? 0, body.Memory ?? 0, body.Disk ?? 0);

        var now = DateTime.UtcNow;
        var snapshot = new SnapshotRecord(Guid.NewGuid().ToString(), body.Name)
        {
            OrganizationId = _context.Options.EffectiveOrganizationId,
            ImageName = body.ImageName,
            Entrypoint = body.Entrypoint,
            Cpu = body.Cpu ?? 1,
            Gpu = body.Gpu ?? 0,
            Mem = body.Memory ?? 1,
            Disk = body.Disk ?? 3,
            SandboxClass = body.SandboxClass ?? "container",
            RegionIds = [region],
            BuildInfo = body.BuildInfo is null ? null : SandboxFactory.BuildInfo(body.BuildInfo, now),
            CreatedAt = now,
            UpdatedAt = now,
        };
        lock (Sync)
        {
            if (All.Any(s => s.Name == snapshot.Name))
                throw new DaytonaHttpException(409, $"Snapshot with name \"{snapshot.Name}\" already exists");
            _byId[snapshot.Id] = snapshot;
        }
        _ = ActivateAsync(snapshot, body.BuildInfo is null ? ["pending", "pulling"] : ["pending", "building"]);
        return snapshot;
    }

    private async Task ActivateAsync(SnapshotRecord snapshot, string[] states)
    {
        try
        {
            foreach (var state in states)
            {
                snapshot.SetState(state);
                await Task.Delay(_context.Options.TransitionMs, _context.Lifetime).ConfigureAwait(false);
            }
            snapshot.Size = 0.5;
            snapshot.SetState("active");
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal void Remove(SnapshotRecord snapshot) => _byId.TryRemove(snapshot.Id, out _);

    internal SnapshotDto ToDto(SnapshotRecord s) => new()
    {
        Id = s.Id,
        OrganizationId = s.General ? null : s.OrganizationId,
        General = s.General,
        Name = s.Name,
        ImageName = s.ImageName,
        State = s.State,
        Size = s.Size,
        Entrypoint = s.Entrypoint,
        Cpu = s.Cpu,
        Gpu = s.Gpu,
        Mem = s.Mem,
        Disk = s.Disk,
        ErrorReason = s.ErrorReason,
        CreatedAt = Iso.Format(s.CreatedAt),
        UpdatedAt = Iso.Format(s.UpdatedAt),
        LastUsedAt = Iso.Format(s.LastUsedAt),
        BuildInfo = s.BuildInfo,
        RegionIds = s.RegionIds,
        Ref = s.ImageName ?? s.BuildInfo?.SnapshotRef,
        SourceSandboxId = null,
        SandboxClass = s.SandboxClass,
    };
}

internal sealed class SnapshotRecord(string id, string name)
{
    public string Id { get; } = id;
    public string Name { get; } = name;
    public string? OrganizationId { get; init; }
    public bool General { get; init; }
    public string? ImageName { get; init; }
    public volatile string State = "pending";
    public double? Size { get; set; }
    public List<string>? Entrypoint { get; init; }
    public int Cpu { get; init; } = 1;
    public int Gpu { get; init; }
    public int Mem { get; init; } = 1;
    public int Disk { get; init; } = 3;
    public string? ErrorReason { get; set; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public BuildInfoDto? BuildInfo { get; init; }
    public List<string> RegionIds { get; init; } = ["us"];
    public string SandboxClass { get; init; } = "container";

    public void SetState(string state)
    {
        State = state;
        UpdatedAt = DateTime.UtcNow;
    }
}
