using DaytonaPS.Emulator.Runtime;
using System.Security.Cryptography;
using System.Text;
using DaytonaPS.Emulator.Infrastructure;
using DaytonaPS.Emulator.Toolbox;

namespace DaytonaPS.Emulator.Api;

/// <summary>POST /sandbox: Daytona's validation, then a record in 'creating' (or 'pending_build').</summary>
internal static class SandboxFactory
{
    public static SandboxRecord Create(EmulatorContext context, CreateSandboxRequest body)
    {
        // The DTO's validation comes first; then the checks in the order of server v0.190's
        // controller, then its service (the region first).
        SafeDisplayString.Check(body.Name, "name");
        SnapshotRecord? snapshot = null;
        if (body.BuildInfo is not null)
        {
            if (!string.IsNullOrEmpty(body.Snapshot))
                throw new DaytonaHttpException(400, "Cannot specify a snapshot when using a build info entry");
            if (string.IsNullOrWhiteSpace(body.BuildInfo.DockerfileContent))
                throw new DaytonaHttpException(400, "buildInfo.dockerfileContent should not be empty");
        }
        else
        {
            // Zero is falsy in the server's check, so an explicit 0 passes.
            if (body.Cpu is > 0 || body.Gpu is > 0 || body.Memory is > 0 || body.Disk is > 0 || body.GpuType is { Count: > 0 })
                throw new DaytonaHttpException(400, "Cannot specify Sandbox resources when using a snapshot");
        }

        var target = OrganizationLimits.Region(context, body.Target);
        if (body.BuildInfo is null)
        {
            var wanted = string.IsNullOrEmpty(body.Snapshot) ? SnapshotStore.DefaultSnapshotName : body.Snapshot;
            snapshot = context.Snapshots.Find(wanted)
                ?? throw new DaytonaHttpException(400, $"Snapshot {wanted} not found. Did you add it through the Daytona Dashboard?");
            if (snapshot.State != "active")
                throw new DaytonaHttpException(400, $"Snapshot {wanted} is {snapshot.State}");
        }

        CheckMin(body.AutoStopInterval, "autoStopInterval", 0);
        CheckMin(body.AutoPauseInterval, "autoPauseInterval", 0);
        CheckMin(body.AutoArchiveInterval, "autoArchiveInterval", 0);
        CheckMin(body.TtlMinutes, "ttlMinutes", 0);
        CheckMin(body.Cpu, "cpu", 1);
        CheckMin(body.Memory, "memory", 1);
        CheckMin(body.Disk, "disk", 1);
        CheckMin(body.Gpu, "gpu", 0);

        var cpu = snapshot?.Cpu ?? body.Cpu ?? 1;
        var memory = snapshot?.Mem ?? body.Memory ?? 1;
        var disk = snapshot?.Disk ?? body.Disk ?? 3;
        OrganizationLimits.CheckPerSandbox(context.Options, cpu, memory, disk);

        var volumes = new List<SandboxVolumeDto>();
        foreach (var mount in body.Volumes ?? [])
        {
            if (string.IsNullOrWhiteSpace(mount.MountPath)) throw new DaytonaHttpException(400, "volumes.mountPath should not be empty");
            var volume = context.Volumes.FindLive(mount.VolumeId)
                ?? throw new DaytonaHttpException(404, $"Volume '{mount.VolumeId}' not found");
            if (volume.State != "ready")
                throw new DaytonaHttpException(400, $"Volume '{volume.Name}' is not in a ready state. Current state: {volume.State}");
            volume.LastUsedAt = DateTime.UtcNow;
            volumes.Add(new SandboxVolumeDto { VolumeId = volume.Id, MountPath = mount.MountPath, Subpath = mount.Subpath });
        }
        VolumeMountRules.Check(volumes);

        string? linked = null;
        if (!string.IsNullOrEmpty(body.LinkedSandbox))
        {
            if (body.AutoDeleteInterval != 0)
                throw new DaytonaHttpException(400, "A linked sandbox must be ephemeral (autoDeleteInterval 0)");
            linked = context.Store.Get(body.LinkedSandbox).Id;
        }

        var id = Guid.NewGuid().ToString();
        var runtime = SandboxRuntime.Create(context, id, snapshot?.Name, body.User,
            volumes.Select(v => new VolumeMount(v.MountPath, context.Volumes.HostDirectory(v.VolumeId, v.Subpath))).ToList());
        // Laying out the sandbox's files takes a moment; it is not idle time. A built snapshot's
        // sandbox starts with a copy of its layer.
        try
        {
            if (snapshot?.LayerDirectory is { } layer) runtime.Container.CopyLayerFrom(layer);
            runtime.Prepare();
        }
        catch (InvalidOperationException e)
        {
            runtime.Destroy();
            throw new DaytonaHttpException(500, "Failed to create the sandbox from its snapshot: " + e.Message);
        }
        var now = DateTime.UtcNow;
        var sandbox = new SandboxRecord(id, string.IsNullOrEmpty(body.Name) ? id : body.Name, runtime)
        {
            OrganizationId = context.Options.EffectiveOrganizationId,
            Snapshot = snapshot?.Name,
            User = string.IsNullOrEmpty(body.User) ? "daytona" : body.User,
            Env = Merge(snapshot?.Env, body.Env),
            Labels = new Dictionary<string, string>(body.Labels ?? new()),
            Public = body.Public ?? false,
            NetworkBlockAll = body.NetworkBlockAll ?? false,
            NetworkAllowList = body.NetworkAllowList,
            DomainAllowList = body.DomainAllowList,
            OutboundProxyUrl = body.OutboundProxyUrl,
            OtelEndpointOverride = body.OtelEndpointOverride,
            Target = target,
            Cpu = cpu,
            Gpu = snapshot?.Gpu ?? body.Gpu ?? 0,
            Memory = memory,
            Disk = disk,
            GpuType = body.GpuType?.FirstOrDefault(),
            AutoStopInterval = body.AutoStopInterval ?? 15,
            AutoPauseInterval = body.AutoPauseInterval ?? 0,
            AutoArchiveInterval = ArchiveInterval(body.AutoArchiveInterval ?? 10080),
            AutoDeleteInterval = body.AutoDeleteInterval ?? -1,
            AutoDestroyAt = body.TtlMinutes is > 0 ? now + context.Store.MinuteLength * body.TtlMinutes.Value : null,
            Volumes = volumes,
            BuildInfo = body.BuildInfo is null ? null : BuildInfo(body.BuildInfo, now),
            SandboxClass = snapshot?.SandboxClass ?? "container",
            Kvm = body.Kvm ?? false,
            LinkedSandboxId = linked,
        };

        try { context.Store.Add(sandbox); }
        catch { runtime.Destroy(); throw; }
        if (snapshot is not null) snapshot.LastUsedAt = now;
        lock (context.Store.Sync)
        {
            if (body.BuildInfo is null)
                context.Store.BeginTransition(sandbox, "started", "started", "creating");
            else
                context.Store.BeginTransition(sandbox, "started", "started", "pending_build", "building_snapshot", "starting");
        }
        return sandbox;
    }

    /// <summary>
    /// POST /sandbox/{id}/fork: a new sandbox whose writable layer is a copy of the source's, made now (so
    /// what the source wrote before the fork is in it, and nothing either writes later reaches the other),
    /// with the source's settings; it shows 'forking', then 'started'. Rules (reference 2.1): a VM class
    /// and no GPU (422), the source started (400). Processes are not carried over (the emulator copies
    /// files, not memory; tests/contract/SDK-NOTES.md).
    /// </summary>
    public static SandboxRecord Fork(EmulatorContext context, SandboxRecord source, ForkSandboxRequest body)
    {
        SafeDisplayString.Check(body.Name, "name");
        if (source.SandboxClass is not ("linux-vm" or "windows"))
            throw new DaytonaHttpException(422, $"Forking is not supported for sandboxes of class {source.SandboxClass}; it needs a linux-vm or windows sandbox (from a snapshot with that sandboxClass)");
        if (source.Gpu > 0) throw new DaytonaHttpException(422, "Forking is not supported for GPU sandboxes");
        if (source.State != "started") throw new DaytonaHttpException(400, $"Sandbox must be started to fork it (it is {source.State})");
        if (!string.IsNullOrEmpty(body.Name) && context.Store.Live.Any(s => s.Name == body.Name))
            throw new DaytonaHttpException(409, $"Sandbox with name {body.Name} already exists");
        OrganizationLimits.CheckPerSandbox(context.Options, source.Cpu, source.Memory, source.Disk);

        var id = Guid.NewGuid().ToString();
        var volumes = source.Volumes.Select(v => new SandboxVolumeDto { VolumeId = v.VolumeId, MountPath = v.MountPath, Subpath = v.Subpath }).ToList();
        var runtime = SandboxRuntime.Create(context, id, source.Snapshot, source.User,
            volumes.Select(v => new VolumeMount(v.MountPath, context.Volumes.HostDirectory(v.VolumeId, v.Subpath))).ToList());
        try
        {
            runtime.Container.CopyLayerFrom(source.Runtime.RootDirectory);
            runtime.Prepare();
        }
        catch (InvalidOperationException e)
        {
            runtime.Destroy();
            throw new DaytonaHttpException(500, "Failed to fork the sandbox: " + e.Message);
        }
        var fork = new SandboxRecord(id, string.IsNullOrEmpty(body.Name) ? id : body.Name, runtime)
        {
            OrganizationId = source.OrganizationId,
            Snapshot = source.Snapshot,
            User = source.User,
            Env = new Dictionary<string, string>(source.Env),
            Labels = new Dictionary<string, string>(source.Labels),
            Public = source.Public,
            NetworkBlockAll = source.NetworkBlockAll,
            NetworkAllowList = source.NetworkAllowList,
            DomainAllowList = source.DomainAllowList,
            OutboundProxyUrl = source.OutboundProxyUrl,
            OtelEndpointOverride = source.OtelEndpointOverride,
            Target = source.Target,
            Cpu = source.Cpu,
            Gpu = source.Gpu,
            Memory = source.Memory,
            Disk = source.Disk,
            GpuType = source.GpuType,
            AutoStopInterval = source.AutoStopInterval,
            AutoPauseInterval = source.AutoPauseInterval,
            AutoArchiveInterval = source.AutoArchiveInterval,
            AutoDeleteInterval = source.AutoDeleteInterval,
            Volumes = volumes,
            SandboxClass = source.SandboxClass,
            Kvm = source.Kvm,
            ForkParentId = source.Id,
        };
        try { context.Store.Add(fork); }
        catch { runtime.Destroy(); throw; }
        lock (context.Store.Sync) context.Store.BeginTransition(fork, "started", "started", "forking");
        return fork;
    }

    /// <summary>A built snapshot's ENV under the create's own env (which wins).</summary>
    private static Dictionary<string, string> Merge(Dictionary<string, string>? fromSnapshot, Dictionary<string, string>? fromCreate)
    {
        var env = new Dictionary<string, string>(fromSnapshot ?? new());
        foreach (var (k, v) in fromCreate ?? new()) env[k] = v;
        return env;
    }

    /// <summary>autoArchiveInterval 0 means "the maximum" (config maxAutoArchiveInterval).</summary>
    /// <summary>resolveAutoArchiveInterval: 0 means the maximum, and anything above the maximum is capped to it.</summary>
    public static int ArchiveInterval(int minutes) => minutes == 0 ? EmulatorContext.MaxAutoArchiveInterval : Math.Min(minutes, EmulatorContext.MaxAutoArchiveInterval);

    public static void CheckMin(int? value, string name, int min)
    {
        if (value < min) throw new DaytonaHttpException(400, $"{name} must not be less than {min}");
    }

    public static BuildInfoDto BuildInfo(CreateBuildInfoRequest request, DateTime now)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            (request.DockerfileContent ?? "") + string.Join(",", request.ContextHashes ?? []))));
        return new BuildInfoDto
        {
            DockerfileContent = request.DockerfileContent,
            ContextHashes = request.ContextHashes ?? [],
            CreatedAt = Iso.Format(now),
            UpdatedAt = Iso.Format(now),
            SnapshotRef = $"daytona-{hash[..32]}:daytona",
        };
    }

    /// <summary>The full Sandbox: the list item's fields plus the heavy ones. Call with the store's lock held for a consistent picture.</summary>
    public static SandboxDto ToDto(EmulatorContext context, SandboxRecord s) => new(
        ToListItem(context, s),
        env: new Dictionary<string, string>(s.Env),
        volumes: s.Volumes.Select(v => new SandboxVolumeDto { VolumeId = v.VolumeId, MountPath = v.MountPath, Subpath = v.Subpath }).ToList())
    {
        OutboundProxyUrl = s.OutboundProxyUrl,
        OtelEndpointOverride = s.OtelEndpointOverride,
        BuildInfo = s.BuildInfo,
        LinkedSandboxId = s.LinkedSandboxId,
        Kvm = s.Kvm,
    };

    /// <summary>The list item: the Sandbox without env, volumes, buildInfo and the other heavy fields.</summary>
    public static SandboxListItemDto ToListItem(EmulatorContext context, SandboxRecord s) => new()
    {
        Id = s.Id,
        OrganizationId = s.OrganizationId,
        Name = s.Name,
        Snapshot = s.Snapshot,
        User = s.User,
        Labels = new Dictionary<string, string>(s.Labels),
        Public = s.Public,
        NetworkBlockAll = s.NetworkBlockAll,
        NetworkAllowList = s.NetworkAllowList,
        DomainAllowList = s.DomainAllowList,
        Target = s.Target,
        Cpu = s.Cpu,
        Gpu = s.Gpu,
        Memory = s.Memory,
        Disk = s.Disk,
        GpuType = s.GpuType,
        State = s.State,
        DesiredState = s.DesiredState,
        ErrorReason = s.ErrorReason,
        Recoverable = s.Recoverable,
        AutoStopInterval = s.AutoStopInterval,
        AutoPauseInterval = s.AutoPauseInterval,
        AutoArchiveInterval = s.AutoArchiveInterval,
        AutoDeleteInterval = s.AutoDeleteInterval,
        AutoDestroyAt = Iso.Format(s.AutoDestroyAt),
        CreatedAt = Iso.Format(s.CreatedAt),
        UpdatedAt = Iso.Format(s.UpdatedAt),
        LastActivityAt = Iso.Format(s.LastActivityAt),
        SandboxClass = s.SandboxClass,
        DaemonVersion = EmulatorContext.DaemonVersion,
        RunnerId = EmulatorContext.RunnerId,
        ToolboxProxyUrl = context.ToolboxProxyUrl,
    };
}
