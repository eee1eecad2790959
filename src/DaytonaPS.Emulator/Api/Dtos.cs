using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json.Serialization;

namespace DaytonaPS.Emulator.Api;

// Wire shapes of the main API. Property names follow the spec (camelCase via the web JSON
// defaults); optional fields are written as null rather than left out.

/// <summary>ISO 8601 UTC with milliseconds, as Daytona writes dates: 2026-09-01T10:00:00.000Z.</summary>
internal static class Iso
{
    public static string Format(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    public static string? Format(DateTime? utc) => utc is { } v ? Format(v) : null;
}

public sealed class SandboxVolumeDto
{
    public string VolumeId { get; set; } = "";
    public string MountPath { get; set; } = "";
    public string? Subpath { get; set; }
}

public sealed class BuildInfoDto
{
    public string? DockerfileContent { get; init; }
    public List<string>? ContextHashes { get; init; }
    public string CreatedAt { get; init; } = "";
    public string UpdatedAt { get; init; } = "";
    public string SnapshotRef { get; init; } = "";
}

/// <summary>The fields SandboxListItem and Sandbox share (the list item is a subset).</summary>
public record SandboxListItemDto
{
    public required string Id { get; init; }
    public required string OrganizationId { get; init; }
    public required string Name { get; init; }
    public string? Snapshot { get; init; }
    public required string User { get; init; }
    public required Dictionary<string, string> Labels { get; init; }
    public bool Public { get; init; }
    public bool NetworkBlockAll { get; init; }
    public string? NetworkAllowList { get; init; }
    public string? DomainAllowList { get; init; }
    public required string Target { get; init; }
    public int Cpu { get; init; }
    public int Gpu { get; init; }
    public int Memory { get; init; }
    public int Disk { get; init; }
    public string? GpuType { get; init; }
    public bool Spot { get; init; }
    public string? SpotEvictedAt { get; init; }
    public required string State { get; init; }
    public required string DesiredState { get; init; }
    public string? ErrorReason { get; init; }
    public bool Recoverable { get; init; }
    public string? WarmPoolId { get; init; }
    public string BackupState { get; init; } = "None";
    public int AutoStopInterval { get; init; }
    public int AutoPauseInterval { get; init; }
    public int AutoArchiveInterval { get; init; }
    public int AutoDeleteInterval { get; init; }
    public string? AutoDestroyAt { get; init; }
    public required string CreatedAt { get; init; }
    public required string UpdatedAt { get; init; }
    public required string LastActivityAt { get; init; }
    public string SandboxClass { get; init; } = "container";
    public string? DaemonVersion { get; init; }
    public string? RunnerId { get; init; }
    public required string ToolboxProxyUrl { get; init; }
}

/// <summary>The full Sandbox (get, create, lifecycle replies); its extra fields are written after the shared ones.</summary>
public sealed record SandboxDto : SandboxListItemDto
{
    public SandboxDto()
    {
    }

    /// <summary>The shared fields copied from <paramref name="shared"/>, plus the full Sandbox's required ones.</summary>
    [SetsRequiredMembers]
    internal SandboxDto(SandboxListItemDto shared, Dictionary<string, string> env, List<SandboxVolumeDto> volumes)
        : base(shared)
    {
        Env = env;
        Volumes = volumes;
    }

    [JsonPropertyOrder(1)]
    public required Dictionary<string, string> Env { get; init; }
    [JsonPropertyOrder(1)]
    public string? OutboundProxyUrl { get; init; }
    [JsonPropertyOrder(1)]
    public string? OtelEndpointOverride { get; init; }
    [JsonPropertyOrder(1)]
    public string? BackupCreatedAt { get; init; }
    [JsonPropertyOrder(1)]
    public required List<SandboxVolumeDto> Volumes { get; init; }
    [JsonPropertyOrder(1)]
    public BuildInfoDto? BuildInfo { get; init; }
    [JsonPropertyOrder(1)]
    public string? LinkedSandboxId { get; init; }
    [JsonPropertyOrder(1)]
    public bool Kvm { get; init; }
}

public sealed class ListSandboxesResponse
{
    public required List<SandboxListItemDto> Items { get; init; }
    public string? NextCursor { get; init; }
}

/// <summary>Body of POST /sandbox (every field optional).</summary>
public sealed class CreateSandboxRequest
{
    public string? Name { get; set; }
    public string? Snapshot { get; set; }
    public string? User { get; set; }
    public Dictionary<string, string>? Env { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public bool? Public { get; set; }
    public bool? NetworkBlockAll { get; set; }
    public string? NetworkAllowList { get; set; }
    public string? DomainAllowList { get; set; }
    public string? OutboundProxyUrl { get; set; }
    public string? OtelEndpointOverride { get; set; }
    public string? Target { get; set; }
    public int? Cpu { get; set; }
    public int? Gpu { get; set; }
    public List<string>? GpuType { get; set; }
    public bool? Spot { get; set; }
    public int? Memory { get; set; }
    public int? Disk { get; set; }
    public int? AutoStopInterval { get; set; }
    public int? AutoPauseInterval { get; set; }
    public int? AutoArchiveInterval { get; set; }
    public int? AutoDeleteInterval { get; set; }
    public int? TtlMinutes { get; set; }
    public List<SandboxVolumeDto>? Volumes { get; set; }
    public CreateBuildInfoRequest? BuildInfo { get; set; }
    public string? LinkedSandbox { get; set; }
    public List<Dictionary<string, string>>? Secrets { get; set; }
    public bool? Kvm { get; set; }
    public int? QueueTimeout { get; set; }
}

/// <summary>Body of POST /sandbox/{id}/snapshot.</summary>
public sealed class SandboxSnapshotRequest
{
    public string? Name { get; set; }
    public bool? IncludeMemory { get; set; }
}

/// <summary>Body of POST /sandbox/{id}/fork.</summary>
public sealed class ForkSandboxRequest
{
    public string? Name { get; set; }
}

public sealed class CreateBuildInfoRequest
{
    public string? DockerfileContent { get; set; }
    public List<string>? ContextHashes { get; set; }
}

public sealed class SandboxLabelsRequest
{
    public Dictionary<string, string>? Labels { get; set; }
}

public sealed class NetworkSettingsRequest
{
    public bool? NetworkBlockAll { get; set; }
    public string? NetworkAllowList { get; set; }
    public string? DomainAllowList { get; set; }
}

public sealed class ResizeSandboxRequest
{
    public int? Cpu { get; set; }
    public int? Memory { get; set; }
    public int? Disk { get; set; }
    public int? Gpu { get; set; }
}

public sealed class SshAccessDto
{
    public required string Id { get; init; }
    public required string SandboxId { get; init; }
    public required string Token { get; init; }
    public required string ExpiresAt { get; init; }
    public required string CreatedAt { get; init; }
    public required string UpdatedAt { get; init; }
    public required string SshCommand { get; init; }
}

public sealed class SnapshotDto
{
    public required string Id { get; init; }
    public string? OrganizationId { get; init; }
    public bool General { get; init; }
    public required string Name { get; init; }
    public string? ImageName { get; init; }
    public required string State { get; init; }
    public double? Size { get; init; }
    public List<string>? Entrypoint { get; init; }
    public int Cpu { get; init; }
    public int Gpu { get; init; }
    public string? GpuType { get; init; }
    public int Mem { get; init; }
    public int Disk { get; init; }
    public string? ErrorReason { get; init; }
    public required string CreatedAt { get; init; }
    public required string UpdatedAt { get; init; }
    public string? LastUsedAt { get; init; }
    public BuildInfoDto? BuildInfo { get; init; }
    public List<string>? RegionIds { get; init; }
    public string? InitialRunnerId { get; init; }
    public string? Ref { get; init; }
    public string? SourceSandboxId { get; init; }
    public string SandboxClass { get; init; } = "container";
}

public sealed class CreateSnapshotRequest
{
    public string? Name { get; set; }
    public string? ImageName { get; set; }
    public List<string>? Entrypoint { get; set; }
    public int? Cpu { get; set; }
    public int? Gpu { get; set; }
    public List<string>? GpuType { get; set; }
    public int? Memory { get; set; }
    public int? Disk { get; set; }
    public CreateBuildInfoRequest? BuildInfo { get; set; }
    public string? RegionId { get; set; }
    public string? SandboxClass { get; set; }
}

public sealed class VolumeDto
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string OrganizationId { get; init; }
    public required string State { get; init; }
    public required string CreatedAt { get; init; }
    public required string UpdatedAt { get; init; }
    public string? LastUsedAt { get; init; }
    public string? ErrorReason { get; init; }
}

public sealed class CreateVolumeRequest
{
    public string? Name { get; set; }
}

/// <summary>Query for the signed-preview and ssh routes that take a number.</summary>
internal static class Parse
{
    /// <summary>NestJS ParseIntPipe's message for a path segment that is not an integer.</summary>
    public static int PathInt(string value) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new Infrastructure.DaytonaHttpException(400, "Validation failed (numeric string is expected)");

    public static bool PathBool(string value) => value switch
    {
        "true" => true,
        "false" => false,
        _ => throw new Infrastructure.DaytonaHttpException(400, "Validation failed (boolean string is expected)"),
    };
}
