using System;
using System.Collections.Generic;
using System.Globalization;
using DaytonaPS.Api;

namespace DaytonaPS;

/// <summary>
/// A Daytona organization secret (Get-/New-/Set-DaytonaSecret): its name, description and the hosts its value may be
/// sent to. The value is write-only and never on this object; a sandbox that mounts the secret sees only
/// <see cref="Placeholder"/>, which Daytona's egress proxy swaps for the value on requests to <see cref="Hosts"/>.
/// Not to be confused with SecretManagement's secrets (Get-Secret), where DaytonaPS may read its own API key.
/// </summary>
public sealed class DaytonaSecret
{
    internal DaytonaSecret(SecretDto dto)
    {
        Id = dto.Id;
        Name = dto.Name;
        Description = string.IsNullOrEmpty(dto.Description) ? null : dto.Description;
        Placeholder = dto.Placeholder;
        Hosts = (dto.Hosts ?? new List<string>()).AsReadOnly();
        CreatedAt = ParseDate(dto.CreatedAt);
        UpdatedAt = ParseDate(dto.UpdatedAt);
    }

    /// <summary>The secret id (a UUID).</summary>
    public string Id { get; }
    /// <summary>Unique in the organization; what New-DaytonaSandbox -Secret @{ENV_NAME = 'name'} refers to.</summary>
    public string Name { get; }
    public string? Description { get; }
    /// <summary>The opaque token (dtn_secret_...) a sandbox's environment variable holds instead of the value.</summary>
    public string? Placeholder { get; }
    /// <summary>Hosts the value may be sent to (exact names or *.wildcards); empty = any host.</summary>
    public IReadOnlyList<string> Hosts { get; }
    public DateTimeOffset? CreatedAt { get; }
    public DateTimeOffset? UpdatedAt { get; }

    public override string ToString() => Name;

    internal string Describe() => Describe(Id, Name);

    internal static string Describe(string id, string? name) =>
        string.IsNullOrEmpty(name) || name == id ? $"Daytona secret '{id}'" : $"Daytona secret '{name}' ({id})";

    private static DateTimeOffset? ParseDate(string? value) =>
        !string.IsNullOrEmpty(value) && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : null;
}
