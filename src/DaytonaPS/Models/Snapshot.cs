using System;
using System.Collections.Generic;
using System.Globalization;
using DaytonaPS.Api;

namespace DaytonaPS;

/// <summary>
/// A Daytona snapshot (the image a sandbox starts from) as the service last reported it. States
/// are open strings: pending, pulling, building, active, inactive, error, build_failed, removing, ...
/// </summary>
public sealed class Snapshot
{
    internal Snapshot(SnapshotDto dto)
    {
        Id = dto.Id;
        Name = dto.Name;
        State = dto.State ?? "unknown";
        ImageName = dto.ImageName;
        General = dto.General;
        Cpu = dto.Cpu;
        Gpu = dto.Gpu;
        Memory = dto.Mem;
        Disk = dto.Disk;
        Size = dto.Size;
        Entrypoint = dto.Entrypoint is null ? Array.Empty<string>() : dto.Entrypoint.ToArray();
        ErrorReason = dto.ErrorReason;
        Regions = dto.RegionIds is null ? Array.Empty<string>() : dto.RegionIds.ToArray();
        SandboxClass = dto.SandboxClass;
        GpuType = dto.GpuType;
        SourceSandboxId = dto.SourceSandboxId;
        Dockerfile = dto.BuildInfo?.DockerfileContent;
        OrganizationId = dto.OrganizationId;
        CreatedAt = ParseDate(dto.CreatedAt);
        UpdatedAt = ParseDate(dto.UpdatedAt);
        LastUsedAt = ParseDate(dto.LastUsedAt);
    }

    /// <summary>The snapshot id (a UUID): what delete, activate and deactivate take.</summary>
    public string Id { get; }
    /// <summary>The name New-DaytonaSandbox -Snapshot takes.</summary>
    public string Name { get; }
    /// <summary>pending, pulling, building, active, inactive, error, build_failed, ...</summary>
    public string State { get; }
    /// <summary>The image it was pulled from; null for one built from a Dockerfile.</summary>
    public string? ImageName { get; }
    /// <summary>True for Daytona's shared snapshots, which cannot be removed.</summary>
    public bool General { get; }
    /// <summary>vCPUs of a sandbox made from it.</summary>
    public double Cpu { get; }
    public double Gpu { get; }
    /// <summary>Memory in GB.</summary>
    public double Memory { get; }
    /// <summary>Disk in GB.</summary>
    public double Disk { get; }
    /// <summary>Image size in GB, once known.</summary>
    public double? Size { get; }
    public IReadOnlyList<string> Entrypoint { get; }
    /// <summary>Why it failed (error, build_failed).</summary>
    public string? ErrorReason { get; }
    public IReadOnlyList<string> Regions { get; }
    /// <summary>container (the default), linux-vm, windows or android: the class of sandboxes made from it.</summary>
    public string? SandboxClass { get; }
    /// <summary>The GPU type of its sandboxes (H100, ...), where it has GPUs.</summary>
    public string? GpuType { get; }
    /// <summary>The sandbox it was made from, for a snapshot of a sandbox (Get-DaytonaSnapshot -SourceSandbox).</summary>
    public string? SourceSandboxId { get; }
    /// <summary>The Dockerfile it was built from, when it was built.</summary>
    public string? Dockerfile { get; }
    public string? OrganizationId { get; }
    public DateTimeOffset? CreatedAt { get; }
    public DateTimeOffset? UpdatedAt { get; }
    public DateTimeOffset? LastUsedAt { get; }

    public override string ToString() => Name;

    private static DateTimeOffset? ParseDate(string? value) =>
        !string.IsNullOrEmpty(value) && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : null;

    internal string Describe() => Describe(Id, Name);

    /// <summary>"snapshot 'py' (3c1e...)" for ShouldProcess and messages.</summary>
    internal static string Describe(string id, string? name) =>
        string.IsNullOrEmpty(name) || name == id ? $"snapshot '{id}'" : $"snapshot '{name}' ({id})";
}
