using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DaytonaPS.Api;

// Wire DTOs: Daytona's JSON as the API sends it. Never exposed to users; mapped to Models/.
// Every optional field is nullable because Daytona may omit it or send null.

/// <summary>How a sandbox created from an image or a Dockerfile was built (Daytona's buildInfo).</summary>
internal sealed class SandboxBuildInfoDto
{
    public string? DockerfileContent { get; set; }
    public string? SnapshotRef { get; set; }
}

internal sealed class SandboxDto
{
    public string Id { get; set; } = string.Empty;
    public string? OrganizationId { get; set; }
    public string? Name { get; set; }
    public string? Snapshot { get; set; }
    public string? User { get; set; }
    public Dictionary<string, string>? Env { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public bool Public { get; set; }
    public bool NetworkBlockAll { get; set; }
    public string? NetworkAllowList { get; set; }
    public string? DomainAllowList { get; set; }
    public string? Target { get; set; }
    public double Cpu { get; set; }
    public double Gpu { get; set; }
    public double Memory { get; set; }
    public double Disk { get; set; }
    public string? GpuType { get; set; }
    public string? State { get; set; }
    public string? DesiredState { get; set; }
    public string? ErrorReason { get; set; }
    public bool? Recoverable { get; set; }
    public int? AutoStopInterval { get; set; }
    public int? AutoPauseInterval { get; set; }
    public int? AutoArchiveInterval { get; set; }
    public int? AutoDeleteInterval { get; set; }
    public string? AutoDestroyAt { get; set; }
    public List<SandboxVolumeDto>? Volumes { get; set; }
    public SandboxBuildInfoDto? BuildInfo { get; set; }
    public string? CreatedAt { get; set; }
    public string? UpdatedAt { get; set; }
    public string? LastActivityAt { get; set; }
    public string? SandboxClass { get; set; }
    public string? RunnerId { get; set; }
    public string? ToolboxProxyUrl { get; set; }
    public string? DaemonVersion { get; set; }
    public bool? Spot { get; set; }
    public bool? Kvm { get; set; }
    public string? LinkedSandboxId { get; set; }
    public string? OutboundProxyUrl { get; set; }

    /// <summary>Fields this client does not know yet (Daytona adds fields often).</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class SandboxVolumeDto
{
    public string VolumeId { get; set; } = string.Empty;
    public string MountPath { get; set; } = string.Empty;
    public string? Subpath { get; set; }
}

internal sealed class ListSandboxesResponseDto
{
    public List<SandboxDto> Items { get; set; } = new();
    public string? NextCursor { get; set; }
}

internal sealed class BuildInfoDto
{
    public string DockerfileContent { get; set; } = string.Empty;
    public List<string>? ContextHashes { get; set; }
}

internal sealed class CreateSandboxDto
{
    public string? Name { get; set; }
    public string? Snapshot { get; set; }
    public BuildInfoDto? BuildInfo { get; set; }
    public string? User { get; set; }
    public Dictionary<string, string> Env { get; set; } = new();
    public Dictionary<string, string> Labels { get; set; } = new();
    public bool? Public { get; set; }
    public string? Target { get; set; }
    public int? Cpu { get; set; }
    public int? Gpu { get; set; }
    public int? Memory { get; set; }
    public int? Disk { get; set; }
    public int? AutoStopInterval { get; set; }
    public int? AutoArchiveInterval { get; set; }
    public int? AutoDeleteInterval { get; set; }
    public List<SandboxVolumeDto>? Volumes { get; set; }
    public bool? NetworkBlockAll { get; set; }
    public string? NetworkAllowList { get; set; }
    public string? DomainAllowList { get; set; }
    public int? AutoPauseInterval { get; set; }
    public int? TtlMinutes { get; set; }
    public List<string>? GpuType { get; set; }
    public bool? Spot { get; set; }
    public bool? Kvm { get; set; }
    public string? LinkedSandbox { get; set; }
    public string? OutboundProxyUrl { get; set; }
    /// <summary>One {ENV_NAME: secretName} object per mounted Daytona secret.</summary>
    public List<Dictionary<string, string>>? Secrets { get; set; }
}

internal sealed class LabelsDto
{
    public Dictionary<string, string> Labels { get; set; } = new();
}

/// <summary>Daytona's error body: {statusCode, error, message, path, timestamp, code?, source?}.</summary>
internal sealed class ErrorBodyDto
{
    public int? StatusCode { get; set; }
    public string? Error { get; set; }
    public JsonElement Message { get; set; }
    public string? Code { get; set; }
    [JsonPropertyName("error_code")]
    public string? ErrorCodeAlt { get; set; }
    public string? Source { get; set; }
}

/// <summary>A region (target) as GET /regions lists it.</summary>
internal sealed class RegionDto
{
    public string? Id { get; set; }
    public string? Name { get; set; }
    public string? RegionType { get; set; }
}
