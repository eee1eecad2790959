using System.Collections.Generic;

namespace DaytonaPS.Api;

// Wire DTOs of /snapshots and /volumes (apps/api SnapshotDto, VolumeDto). Never exposed to users.

internal sealed class SnapshotDto
{
    public string Id { get; set; } = string.Empty;
    public string? OrganizationId { get; set; }
    public bool General { get; set; }
    public string Name { get; set; } = string.Empty;
    public string? ImageName { get; set; }
    public string? State { get; set; }
    public double? Size { get; set; }
    public List<string>? Entrypoint { get; set; }
    public double Cpu { get; set; }
    public double Gpu { get; set; }
    public double Mem { get; set; }
    public double Disk { get; set; }
    public string? ErrorReason { get; set; }
    public string? CreatedAt { get; set; }
    public string? UpdatedAt { get; set; }
    public string? LastUsedAt { get; set; }
    public SnapshotBuildInfoDto? BuildInfo { get; set; }
    public List<string>? RegionIds { get; set; }
    public string? SandboxClass { get; set; }
    /// <summary>One type here (the spec's GpuType), a preference list in the create body.</summary>
    public string? GpuType { get; set; }
    public string? SourceSandboxId { get; set; }
}

internal sealed class SnapshotBuildInfoDto
{
    public string? DockerfileContent { get; set; }
    public string? SnapshotRef { get; set; }
}

internal sealed class PaginatedSnapshotsDto
{
    public List<SnapshotDto> Items { get; set; } = new();
    public int Total { get; set; }
    public int Page { get; set; }
    public int TotalPages { get; set; }
}

internal sealed class CreateSnapshotDto
{
    public string Name { get; set; } = string.Empty;
    public string? ImageName { get; set; }
    public List<string>? Entrypoint { get; set; }
    public BuildInfoDto? BuildInfo { get; set; }
    public int? Cpu { get; set; }
    public int? Gpu { get; set; }
    public int? Memory { get; set; }
    public int? Disk { get; set; }
    public string? RegionId { get; set; }
    public string? SandboxClass { get; set; }
    public List<string>? GpuType { get; set; }
}

/// <summary>Body of POST /sandbox/{id}/snapshot.</summary>
internal sealed class CreateSandboxSnapshotDto
{
    public string Name { get; set; } = string.Empty;
    public bool? IncludeMemory { get; set; }
}

internal sealed class VolumeDto
{
    public string Id { get; set; } = string.Empty;
    public string Name { get; set; } = string.Empty;
    public string? OrganizationId { get; set; }
    public string? State { get; set; }
    public string? CreatedAt { get; set; }
    public string? UpdatedAt { get; set; }
    public string? LastUsedAt { get; set; }
    public string? ErrorReason { get; set; }
}

internal sealed class CreateVolumeDto
{
    public string Name { get; set; } = string.Empty;
}

internal sealed class UrlDto
{
    public string Url { get; set; } = string.Empty;
}
