using System.Collections.Concurrent;
using DaytonaPS.Emulator.Api;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator;

/// <summary>Snapshots: the general default one plus those created through POST /snapshots.</summary>
public sealed class SnapshotStore
{
    /// <summary>The snapshot a sandbox gets when the create names none (Daytona's own compose default).</summary>
    public const string DefaultSnapshotName = "daytonaio/sandbox:0.5.0-slim";

    /// <summary>The spec's SandboxClass and GpuType enums (0.218).</summary>
    internal static readonly string[] SandboxClasses = ["linux-vm", "container", "android", "windows"];
    internal static readonly string[] GpuTypes = ["H100", "H200", "B300", "RTX-PRO-6000", "RTX-4090", "RTX-5090", "MI355X"];

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

    internal SnapshotRecord GetById(string id) =>
        _byId.TryGetValue(id, out var s) && s.State != "removing" ? s : throw new DaytonaHttpException(404, $"Snapshot {id} not found");

    /// <summary>activate: back to pending, then active again (no pull: the image is still there).</summary>
    internal void Reactivate(SnapshotRecord snapshot) => _ = ActivateAsync(snapshot, ["pending"], build: false);

    internal SnapshotRecord Get(string idOrName) =>
        Find(idOrName) ?? throw new DaytonaHttpException(404, $"Snapshot {idOrName} not found");

    internal SnapshotRecord Create(CreateSnapshotRequest body)
    {
        if (string.IsNullOrWhiteSpace(body.Name)) throw new DaytonaHttpException(400, "name should not be empty");
        // snapshot.controller createSnapshot: buildInfo excludes imageName and entrypoint.
        if (body.BuildInfo is not null)
        {
            if (!string.IsNullOrEmpty(body.ImageName)) throw new DaytonaHttpException(400, "Cannot specify an image name when using a build info entry");
            if (body.Entrypoint is not null) throw new DaytonaHttpException(400, "Cannot specify an entrypoint when using a build info entry");
        }
        else if (string.IsNullOrEmpty(body.ImageName))
        {
            throw new DaytonaHttpException(400, "Must specify an image name when not using a build info entry");
        }
        if (body.SandboxClass is { } cls && !SandboxClasses.Contains(cls))
            throw new DaytonaHttpException(400, $"sandboxClass must be one of the following values: {string.Join(", ", SandboxClasses)}");
        if (body.GpuType?.FirstOrDefault(g => !GpuTypes.Contains(g)) is { } badGpu)
            throw new DaytonaHttpException(400, $"each value in gpuType must be one of the following values: {string.Join(", ", GpuTypes)}");
        if (SnapshotNames.ValidateName(body.Name) is { } nameError) throw new DaytonaHttpException(400, nameError);
        if (body.ImageName is { } image && SnapshotNames.ValidateImage(image) is { } imageError) throw new DaytonaHttpException(400, imageError);
        foreach (var (value, field) in new[] { (body.Cpu, "cpu"), (body.Memory, "memory"), (body.Disk, "disk") })
        {
            if (value is < 1) throw new DaytonaHttpException(400, $"{field} must not be less than 1");
        }
        // snapshot.service: the region, then the per-sandbox limits of what it declares.
        var region = OrganizationLimits.Region(_context, body.RegionId);
        OrganizationLimits.CheckPerSandbox(_context.Options, body.Cpu ?? 0, body.Memory ?? 0, body.Disk ?? 0);

        var now = DateTime.UtcNow;
        // processEntrypoint: blank entries dropped, an empty list is no entrypoint.
        var entrypoint = body.Entrypoint?.Where(e => !string.IsNullOrWhiteSpace(e)).ToList();
        var snapshot = new SnapshotRecord(Guid.NewGuid().ToString(), body.Name)
        {
            OrganizationId = _context.Options.EffectiveOrganizationId,
            ImageName = body.ImageName,
            Entrypoint = entrypoint is { Count: > 0 } ? entrypoint : null,
            Cpu = body.Cpu ?? 1,
            Gpu = body.Gpu ?? 0,
            Mem = body.Memory ?? 1,
            Disk = body.Disk ?? 3,
            SandboxClass = body.SandboxClass ?? "container",
            GpuType = body.GpuType?.FirstOrDefault(),
            RegionIds = [region],
            BuildInfo = body.BuildInfo is null ? null : SandboxFactory.BuildInfo(body.BuildInfo, now),
            CreatedAt = now,
            UpdatedAt = now,
        };
        lock (Sync)
        {
            if (All.Any(s => s.Name == snapshot.Name))
                throw new DaytonaHttpException(409, $"Snapshot with name \"{snapshot.Name}\" already exists for this organization");
            _byId[snapshot.Id] = snapshot;
        }
        _ = ActivateAsync(snapshot, body.BuildInfo is null ? ["pending", "pulling"] : ["pending", "building"]);
        return snapshot;
    }

    /// <summary>
    /// Moves through <paramref name="states"/> to active, writing the build log as it goes. A Dockerfile is
    /// built for real on the emulator's runtime (<see cref="Build.DockerfileBuilder"/>); images are never
    /// pulled, and an image from a registry under the reserved .invalid domain cannot be (state error;
    /// tests/contract/SDK-NOTES.md).
    /// </summary>
    private async Task ActivateAsync(SnapshotRecord snapshot, string[] states, bool build = true)
    {
        try
        {
            var buildingSince = System.Diagnostics.Stopwatch.StartNew();
            foreach (var state in states)
            {
                if (state == "building") buildingSince.Restart();
                snapshot.SetState(state);
                if (state == "pulling") snapshot.AppendLog($"Pulling image {snapshot.ImageName}");
                await Task.Delay(_context.Options.TransitionMs, _context.Lifetime).ConfigureAwait(false);
            }
            if (build && snapshot.BuildInfo is not null)
            {
                await Build.DockerfileBuilder.BuildAsync(_context, snapshot, _context.Lifetime).ConfigureAwait(false);
                if (snapshot.State == "build_failed") return;
                var rest = _context.Options.BuildMinMs - (int)buildingSince.ElapsedMilliseconds;
                if (rest > 0) await Task.Delay(rest, _context.Lifetime).ConfigureAwait(false);
            }
            else if (build && snapshot.ImageName is { } image && SnapshotNames.IsUnpullable(image))
            {
                var reason = $"Failed to pull image {image}: dial tcp: lookup {image.Split('/')[0]}: no such host";
                snapshot.AppendLog(reason);
                snapshot.ErrorReason = reason;
                snapshot.SetState("error");
                return;
            }
            snapshot.Size = 0.5;
            snapshot.AppendLog("Snapshot is active");
            snapshot.SetState("active");
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// POST /sandbox/{id}/snapshot: a snapshot of the sandbox's files (a copy of its writable layer, made
    /// now), with its class and resources and sourceSandboxId set; pending, then active. Call without the
    /// store's lock; the caller shows the sandbox 'snapshotting'.
    /// </summary>
    internal SnapshotRecord CreateFromSandbox(SandboxRecord sandbox, string? name, bool includeMemory)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new DaytonaHttpException(400, "name should not be empty");
        if (SnapshotNames.ValidateName(name) is { } nameError) throw new DaytonaHttpException(400, nameError);
        if (sandbox.State is not ("started" or "stopped")) throw new DaytonaHttpException(400, $"Sandbox must be started or stopped to create a snapshot (it is {sandbox.State})");
        if (sandbox.Pending) throw new DaytonaHttpException(409, "Sandbox state change in progress");
        if (includeMemory && sandbox.SandboxClass is not ("linux-vm" or "windows"))
            throw new DaytonaHttpException(400, "includeMemory is supported for linux-vm and windows sandboxes only");
        var now = DateTime.UtcNow;
        var snapshot = new SnapshotRecord(Guid.NewGuid().ToString(), name)
        {
            OrganizationId = _context.Options.EffectiveOrganizationId,
            Cpu = sandbox.Cpu,
            Gpu = sandbox.Gpu,
            Mem = sandbox.Memory,
            Disk = sandbox.Disk,
            SandboxClass = sandbox.SandboxClass,
            GpuType = sandbox.GpuType,
            RegionIds = [sandbox.Target],
            SourceSandboxId = sandbox.Id,
            CreatedAt = now,
            UpdatedAt = now,
        };
        lock (Sync)
        {
            if (All.Any(x => x.Name == name)) throw new DaytonaHttpException(409, $"Snapshot with name \"{name}\" already exists for this organization");
            _byId[snapshot.Id] = snapshot;
        }
        var layer = Build.DockerfileBuilder.LayerDirectory(_context, snapshot.Id);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(layer)!);
            _context.Runtime.Create(new Runtime.SandboxSpec("snap-" + snapshot.Id[..8], name, "daytona", layer, layer + ".daytona")).CopyLayerFrom(sandbox.Runtime.RootDirectory);
            snapshot.LayerDirectory = layer;
            snapshot.Env = new Dictionary<string, string>(StringComparer.Ordinal);
        }
        catch (InvalidOperationException e)
        {
            snapshot.ErrorReason = "Failed to create the snapshot: " + e.Message;
            snapshot.SetState("error");
            return snapshot;
        }
        _ = ActivateAsync(snapshot, ["pending"], build: false);
        return snapshot;
    }

    internal void Remove(SnapshotRecord snapshot)
    {
        _byId.TryRemove(snapshot.Id, out _);
        // Its built layer goes too (sandboxes made from it have their own copies).
        try { Runtime.HostFiles.DeleteTree(Path.GetDirectoryName(Build.DockerfileBuilder.LayerDirectory(_context, snapshot.Id))!); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

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
        SourceSandboxId = s.SourceSandboxId,
        GpuType = s.GpuType,
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
    public List<string>? Entrypoint { get; set; }
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
    public string? GpuType { get; init; }

    /// <summary>A built (or sandbox-made) snapshot's root: sandboxes from it start with a copy. Null for the default filesystem.</summary>
    public string? LayerDirectory { get; set; }

    /// <summary>ENV of a build: the environment its sandboxes start with (under the create's own env).</summary>
    public Dictionary<string, string> Env { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The build's last WORKDIR and USER (recorded; the emulator's work dir and user stay Daytona's).</summary>
    public string? WorkDir { get; set; }
    public string? User { get; set; }

    /// <summary>The sandbox it was made from (POST /sandbox/{id}/snapshot), for GET /snapshots?sourceSandboxId=.</summary>
    public string? SourceSandboxId { get; init; }

    private readonly List<string> _log = [];

    public void SetState(string state)
    {
        State = state;
        UpdatedAt = DateTime.UtcNow;
    }

    /// <summary>A line of the build log (what GET /snapshots/{id}/build-logs shows).</summary>
    public void AppendLog(string line)
    {
        lock (_log) _log.Add(line);
    }

    public IReadOnlyList<string> LogLines(int from)
    {
        lock (_log) return _log.Skip(from).ToList();
    }
}
