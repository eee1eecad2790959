using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Linq;
using DaytonaPS.Api;

namespace DaytonaPS;

/// <summary>
/// A Daytona sandbox as the service last reported it. Immutable: run Get-DaytonaSandbox (or a
/// cmdlet with -PassThru) for a fresh copy. States are open strings: Daytona adds new ones, so
/// compare with the values you know and treat anything else as transitional.
/// </summary>
public sealed class Sandbox
{
    private static readonly IReadOnlyDictionary<string, string> Empty = new ReadOnlyDictionary<string, string>(new Dictionary<string, string>());

    internal Sandbox(SandboxDto dto)
    {
        Id = dto.Id;
        Name = string.IsNullOrEmpty(dto.Name) ? dto.Id : dto.Name!;
        State = dto.State ?? "unknown";
        DesiredState = dto.DesiredState;
        Target = dto.Target;
        Cpu = dto.Cpu;
        Gpu = dto.Gpu;
        Memory = dto.Memory;
        Disk = dto.Disk;
        GpuType = dto.GpuType;
        Snapshot = dto.Snapshot;
        Image = BaseImage(dto.BuildInfo?.DockerfileContent);
        User = dto.User;
        Labels = dto.Labels is null ? Empty : new ReadOnlyDictionary<string, string>(new Dictionary<string, string>(dto.Labels, StringComparer.Ordinal));
        // List items carry no env: null there means "not returned", not "empty".
        Env = dto.Env is null ? null : new ReadOnlyDictionary<string, string>(new Dictionary<string, string>(dto.Env, StringComparer.Ordinal));
        Public = dto.Public;
        NetworkBlockAll = dto.NetworkBlockAll;
        NetworkAllowList = dto.NetworkAllowList;
        DomainAllowList = dto.DomainAllowList;
        AutoStopMinutes = dto.AutoStopInterval;
        AutoPauseMinutes = dto.AutoPauseInterval;
        AutoArchiveMinutes = dto.AutoArchiveInterval;
        AutoDeleteMinutes = dto.AutoDeleteInterval;
        AutoDestroyAt = ParseDate(dto.AutoDestroyAt);
        CreatedAt = ParseDate(dto.CreatedAt);
        UpdatedAt = ParseDate(dto.UpdatedAt);
        LastActivityAt = ParseDate(dto.LastActivityAt);
        ErrorReason = dto.ErrorReason;
        Recoverable = dto.Recoverable ?? false;
        OrganizationId = dto.OrganizationId;
        SandboxClass = dto.SandboxClass;
        RunnerId = dto.RunnerId;
        ToolboxProxyUrl = dto.ToolboxProxyUrl;
        DaemonVersion = dto.DaemonVersion;
        Language = dto.Labels is not null && dto.Labels.TryGetValue(SandboxOperations.LanguageLabel, out var language) ? language : null;
        Spot = dto.Spot ?? false;
        Kvm = dto.Kvm ?? false;
        LinkedSandboxId = dto.LinkedSandboxId;
        OutboundProxyUrl = WithoutUserInfo(dto.OutboundProxyUrl);
        Volumes = dto.Volumes is null
            ? Array.Empty<SandboxVolume>()
            : dto.Volumes.Select(v => new SandboxVolume(v.VolumeId, v.MountPath, v.Subpath)).ToArray();
    }

    /// <summary>The sandbox id (a UUID).</summary>
    public string Id { get; }
    /// <summary>The sandbox name (the id when none was given).</summary>
    public string Name { get; }
    /// <summary>started, stopped, archived, creating, error, ... (an open set of strings).</summary>
    public string State { get; }
    public string? DesiredState { get; }
    /// <summary>The region, e.g. us or eu.</summary>
    public string? Target { get; }
    /// <summary>vCPUs.</summary>
    public double Cpu { get; }
    public double Gpu { get; }
    /// <summary>Memory in GB.</summary>
    public double Memory { get; }
    /// <summary>Disk in GB.</summary>
    public double Disk { get; }
    public string? GpuType { get; }
    /// <summary>The snapshot the sandbox was created from.</summary>
    public string? Snapshot { get; }
    /// <summary>For a sandbox built from an image (New-DaytonaSandbox -Image) or a Dockerfile: its base image (the first FROM).</summary>
    public string? Image { get; }
    /// <summary>The OS user, usually daytona.</summary>
    public string? User { get; }
    public IReadOnlyDictionary<string, string> Labels { get; }
    /// <summary>Environment variables; $null when the listing did not include them (Get-DaytonaSandbox -Id returns them).</summary>
    public IReadOnlyDictionary<string, string>? Env { get; }
    /// <summary>Whether preview links are public.</summary>
    public bool Public { get; }
    public bool NetworkBlockAll { get; }
    public string? NetworkAllowList { get; }
    public string? DomainAllowList { get; }
    /// <summary>Minutes of inactivity before it stops; 0 = never.</summary>
    public int? AutoStopMinutes { get; }
    public int? AutoPauseMinutes { get; }
    /// <summary>Minutes stopped before it is archived; 0 = the maximum.</summary>
    public int? AutoArchiveMinutes { get; }
    /// <summary>Minutes stopped before it is deleted; -1 = never, 0 = as soon as it stops (ephemeral).</summary>
    public int? AutoDeleteMinutes { get; }
    /// <summary>True when the sandbox is deleted as soon as it stops.</summary>
    public bool Ephemeral => AutoDeleteMinutes == 0;
    public DateTimeOffset? AutoDestroyAt { get; }
    public DateTimeOffset? CreatedAt { get; }
    public DateTimeOffset? UpdatedAt { get; }
    public DateTimeOffset? LastActivityAt { get; }
    /// <summary>Why the sandbox is in error, if it is.</summary>
    public string? ErrorReason { get; }
    /// <summary>Whether an errored sandbox can be recovered (Start-DaytonaSandbox does that).</summary>
    public bool Recoverable { get; }
    public string? OrganizationId { get; }
    public string? SandboxClass { get; }
    public string? RunnerId { get; }
    /// <summary>Base URL of the toolbox (process, files, git) for this sandbox's region.</summary>
    public string? ToolboxProxyUrl { get; }
    public string? DaemonVersion { get; }
    public IReadOnlyList<SandboxVolume> Volumes { get; }

    /// <summary>The code toolbox language (label code-toolbox-language): python, typescript or javascript.</summary>
    public string? Language { get; }
    /// <summary>A spot GPU sandbox, which Daytona may end without notice.</summary>
    public bool Spot { get; }
    /// <summary>Nested virtualisation (KVM) inside the sandbox.</summary>
    public bool Kvm { get; }
    /// <summary>The sandbox this one was linked to at create (same runner, local network between them).</summary>
    public string? LinkedSandboxId { get; }
    /// <summary>The HTTP(S) proxy its egress goes through, without any user name or password in the URL.</summary>
    public string? OutboundProxyUrl { get; }

    /// <summary>True for started, stopped, archived and paused.</summary>
    public bool IsStable => SandboxStates.IsStable(State);

    /// <summary>True for error and build_failed.</summary>
    public bool IsFailed => SandboxStates.IsFailed(State);

    public override string ToString() => Name;

    private static DateTimeOffset? ParseDate(string? value) =>
        !string.IsNullOrEmpty(value) && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : null;

    /// <summary>"sandbox 'web-1' (3c1e...)" for ShouldProcess and messages.</summary>
    internal string Describe() => Describe(Id, Name);

    /// <summary>The same for a wire DTO, without building the model.</summary>
    internal static string Describe(SandboxDto dto) => Describe(dto.Id, dto.Name);

    /// <summary>"sandbox 'web-1' (3c1e...)", or "sandbox 'x'" when the name is unknown or is the id.</summary>
    internal static string Describe(string id, string? name) =>
        string.IsNullOrEmpty(name) || name == id ? $"sandbox '{id}'" : $"sandbox '{name}' ({id})";

    /// <summary>A proxy URL may carry credentials (http://user:pass@host): they are never kept on the object.</summary>
    private static string? WithoutUserInfo(string? url)
    {
        if (string.IsNullOrEmpty(url)) return null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) return "(not a URL)";
        return string.IsNullOrEmpty(uri.UserInfo) ? url : new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri.ToString();
    }

    private static string? BaseImage(string? dockerfile)
    {
        if (string.IsNullOrEmpty(dockerfile)) return null;
        foreach (var raw in dockerfile!.Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase)) continue;
            var parts = line.Substring(5).Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            // FROM [--platform=...] image [AS name]
            foreach (var part in parts)
                if (!part.StartsWith("--", StringComparison.Ordinal)) return part;
        }
        return null;
    }
}

/// <summary>A volume mounted into a sandbox.</summary>
public sealed class SandboxVolume
{
    public SandboxVolume(string volumeId, string mountPath, string? subpath = null)
    {
        if (string.IsNullOrWhiteSpace(volumeId)) throw new ArgumentException("A volume id or name is required.", nameof(volumeId));
        if (string.IsNullOrWhiteSpace(mountPath)) throw new ArgumentException("A mount path is required.", nameof(mountPath));
        VolumeId = volumeId;
        MountPath = mountPath;
        Subpath = string.IsNullOrEmpty(subpath) ? null : subpath;
    }

    /// <summary>The volume id or name.</summary>
    public string VolumeId { get; }
    /// <summary>Where it appears inside the sandbox.</summary>
    public string MountPath { get; }
    /// <summary>Only this folder of the volume, if set.</summary>
    public string? Subpath { get; }

    public override string ToString() => Subpath is null ? $"{VolumeId}:{MountPath}" : $"{VolumeId}:{MountPath}:{Subpath}";
}

/// <summary>Daytona's sandbox states that this module knows. Others may appear and are treated as transitional.</summary>
public static class SandboxStates
{
    public const string Started = "started";
    public const string Stopped = "stopped";
    public const string Archived = "archived";
    public const string Paused = "paused";
    public const string Destroyed = "destroyed";
    public const string Error = "error";
    public const string BuildFailed = "build_failed";

    /// <summary>All 22 states Daytona documents (for completion; not a closed set).</summary>
    public static readonly IReadOnlyList<string> Known = new[]
    {
        "started", "stopped", "archived", "paused", "destroyed", "error", "build_failed",
        "creating", "starting", "stopping", "destroying", "restoring", "archiving", "pending_build",
        "building_snapshot", "pulling_snapshot", "resizing", "snapshotting", "forking", "pausing", "resuming", "unknown",
    };

    public static bool IsStable(string? state) =>
        state is Started or Stopped or Archived or Paused;

    public static bool IsFailed(string? state) => state is Error or BuildFailed;
}
