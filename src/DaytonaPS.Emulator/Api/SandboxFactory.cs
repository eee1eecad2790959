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

        // DTO validation (class-validator) of the enum and URL fields.
        foreach (var type in body.GpuType ?? [])
        {
            if (!GpuTypes.Contains(type))
                throw new DaytonaHttpException(400, $"each value in gpuType must be one of the following values: {string.Join(", ", GpuTypes)}");
        }
        if (body.OutboundProxyUrl is { Length: > 0 } proxy
            && !(Uri.TryCreate(proxy, UriKind.Absolute, out var proxyUri) && proxyUri.Scheme is "http" or "https" && proxyUri.Host.Length > 0))
            throw new DaytonaHttpException(400, "outboundProxyUrl must be an http or https URL");

        CheckMin(body.AutoStopInterval, "autoStopInterval", 0);
        CheckMin(body.AutoPauseInterval, "autoPauseInterval", 0);
        CheckMin(body.AutoArchiveInterval, "autoArchiveInterval", 0);
        CheckMin(body.TtlMinutes, "ttlMinutes", 0);
        CheckMin(body.Cpu, "cpu", 1);
        CheckMin(body.Memory, "memory", 1);
        CheckMin(body.Disk, "disk", 1);
        CheckMin(body.Gpu, "gpu", 0);

        // Declarative builds (sandbox.service v0.190): a GPU sandbox is deleted when it first stops.
        var gpu = snapshot?.Gpu ?? body.Gpu ?? 0;
        var ephemeral = body.AutoDeleteInterval == 0;
        if (body.BuildInfo is not null && gpu > 0 && !ephemeral)
            throw new DaytonaHttpException(400, "GPU sandboxes must be ephemeral - set autoDeleteInterval to 0");
        if (body.Spot == true && gpu <= 0)
            throw new DaytonaHttpException(400, "spot is only supported for GPU sandboxes");

        // autoPauseInterval (spec 0.218): pausable classes only, never ephemeral, exclusive with a non-zero auto-stop.
        var sandboxClass = snapshot?.SandboxClass ?? "container";
        var pausable = sandboxClass is "linux-vm" or "windows";
        if (body.AutoPauseInterval is > 0)
        {
            if (body.AutoStopInterval is > 0)
                throw new DaytonaHttpException(400, "autoStopInterval and autoPauseInterval are mutually exclusive. Set at most one of them to a non-zero value");
            if (ephemeral) throw new DaytonaHttpException(400, "Ephemeral sandboxes cannot have auto-pause enabled. Set autoPauseInterval to 0");
            if (!pausable) throw new DaytonaHttpException(422, "Auto-pause is not supported for this sandbox");
        }
        // Neither given on a pausable class: auto-pause after an hour, auto-stop off.
        var defaultPause = pausable && !ephemeral && body.AutoPauseInterval is null && body.AutoStopInterval is null;

        if (body.NetworkAllowList is { } networks && networks.Trim().Length > 0) NetworkSettingsRules.ValidateNetworks(networks);
        if (body.DomainAllowList is { } domains && domains.Trim().Length > 0) NetworkSettingsRules.ValidateDomains(domains);

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

        // resolveLinkedSandbox (sandbox.service v0.190).
        string? linked = null;
        if (!string.IsNullOrEmpty(body.LinkedSandbox))
        {
            if (!ephemeral)
                throw new DaytonaHttpException(400, "Linked sandboxes must be ephemeral (set autoDeleteInterval to 0)");
            var target0 = context.Store.Get(body.LinkedSandbox);
            if (target0.LinkedSandboxId is not null)
                throw new DaytonaHttpException(400, $"Linked sandbox {target0.Id} is itself linked to another sandbox; chained links are not allowed");
            if (target0.State is not ("started" or "stopped"))
                throw new DaytonaHttpException(400, $"Linked sandbox must be in STARTED or STOPPED state with an assigned runner (current: {target0.State})");
            linked = target0.Id;
        }

        var secretEnv = context.Secrets.ResolveMounts(body.Secrets);

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
            Gpu = gpu,
            Memory = memory,
            Disk = disk,
            // The scheduler pins the sandbox to the first preferred type with capacity; the emulator has them all.
            GpuType = gpu > 0 ? body.GpuType?.FirstOrDefault() ?? GpuTypes[0] : null,
            Spot = body.Spot == true,
            // A non-zero auto-pause turns the default auto-stop off (at most one of them is non-zero).
            AutoStopInterval = defaultPause || body.AutoPauseInterval is > 0 ? body.AutoStopInterval ?? 0 : body.AutoStopInterval ?? 15,
            AutoPauseInterval = defaultPause ? 60 : body.AutoPauseInterval ?? 0,
            AutoArchiveInterval = ArchiveInterval(body.AutoArchiveInterval ?? 10080),
            AutoDeleteInterval = body.AutoDeleteInterval ?? -1,
            AutoDestroyAt = body.TtlMinutes is > 0 ? now + context.Store.MinuteLength * body.TtlMinutes.Value : null,
            Volumes = volumes,
            BuildInfo = body.BuildInfo is null ? null : BuildInfo(body.BuildInfo, now),
            SandboxClass = sandboxClass,
            Kvm = body.Kvm ?? false,
            LinkedSandboxId = linked,
            SecretEnv = secretEnv,
        };

        runtime.Container.SetLimits(cpu, memory);
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

    /// <summary>GpuType as the 0.218 API spec lists it.</summary>
    public static readonly string[] GpuTypes = ["H100", "H200", "B300", "RTX-PRO-6000", "RTX-4090", "RTX-5090", "MI355X"];

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
            SecretEnv = new Dictionary<string, string>(source.SecretEnv, StringComparer.Ordinal),
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
        runtime.Container.SetLimits(fork.Cpu, fork.Memory);
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
        Spot = s.Spot,
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
