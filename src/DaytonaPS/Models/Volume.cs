using System;
using System.Globalization;
using DaytonaPS.Api;

namespace DaytonaPS;

/// <summary>
/// A Daytona volume: shared storage that sandboxes mount (New-DaytonaSandbox -Volume 'name:/path').
/// States are open strings: pending_create, creating, ready, pending_delete, deleting, deleted, error.
/// </summary>
public sealed class Volume
{
    internal Volume(VolumeDto dto)
    {
        Id = dto.Id;
        Name = dto.Name;
        State = dto.State ?? "unknown";
        ErrorReason = dto.ErrorReason;
        OrganizationId = dto.OrganizationId;
        CreatedAt = ParseDate(dto.CreatedAt);
        UpdatedAt = ParseDate(dto.UpdatedAt);
        LastUsedAt = ParseDate(dto.LastUsedAt);
    }

    /// <summary>The volume id (a UUID).</summary>
    public string Id { get; }
    public string Name { get; }
    /// <summary>pending_create, creating, ready, pending_delete, deleting, deleted, error.</summary>
    public string State { get; }
    public string? ErrorReason { get; }
    public string? OrganizationId { get; }
    public DateTimeOffset? CreatedAt { get; }
    public DateTimeOffset? UpdatedAt { get; }
    public DateTimeOffset? LastUsedAt { get; }

    public override string ToString() => Name;

    private static DateTimeOffset? ParseDate(string? value) =>
        !string.IsNullOrEmpty(value) && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : null;

    internal string Describe() => Describe(Id, Name);

    internal static string Describe(string id, string? name) =>
        string.IsNullOrEmpty(name) || name == id ? $"volume '{id}'" : $"volume '{name}' ({id})";
}
