using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator;

/// <summary>
/// Organization secrets (/secret): a name, a write-only value, an optional description and the hosts the value may
/// be sent to. A sandbox that mounts one sees only its placeholder (dtn_secret_...) in its environment; Daytona's
/// egress proxy swaps the placeholder for the value on requests to the allowed hosts. The emulator has no egress
/// proxy (its sandboxes reach nothing outside), so the value is kept in memory and never leaves the store.
/// Rules from the 0.218 SDK's documentation and the API spec; what they do not say is in SDK-NOTES.md.
/// </summary>
public sealed partial class SecretStore
{
    public const string PlaceholderPrefix = "dtn_secret_";

    /// <summary>The SDK documents names as ^[a-zA-Z_][a-zA-Z0-9_-]*$; the 1-256 length is from Daytona's secrets guide.</summary>
    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_-]*$")]
    private static partial Regex NamePattern();

    /// <summary>A hostname, or a *. wildcard over one; no scheme, port or path.</summary>
    [GeneratedRegex(@"^(\*\.)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")]
    private static partial Regex HostPattern();

    /// <summary>An environment variable name a secret can be mounted under.</summary>
    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex EnvNamePattern();

    internal const int MaxNameLength = 256;
    internal const int MaxValueBytes = 64 * 1024;
    internal const int MaxDescriptionLength = 1024;
    internal const int MaxHosts = 50;

    private readonly ConcurrentDictionary<string, SecretRecord> _byId = new(StringComparer.Ordinal);
    private readonly object _sync = new();

    internal IEnumerable<SecretRecord> All => _byId.Values;

    internal SecretRecord Get(string id) =>
        _byId.TryGetValue(id, out var s) ? s : throw new DaytonaHttpException(404, $"Secret with ID {id} not found");

    internal SecretRecord? FindByName(string name) => _byId.Values.FirstOrDefault(s => s.Name == name);

    internal SecretRecord Create(Api.CreateSecretRequest body)
    {
        var name = body.Name;
        if (string.IsNullOrEmpty(name)) throw new DaytonaHttpException(400, "name should not be empty");
        if (name.Length > MaxNameLength) throw new DaytonaHttpException(400, $"name must be shorter than or equal to {MaxNameLength} characters");
        if (!NamePattern().IsMatch(name))
            throw new DaytonaHttpException(400, "name must start with a letter or underscore and contain only letters, digits, hyphens and underscores");
        CheckValue(body.Value, required: true);
        CheckDescription(body.Description);
        var hosts = CheckHosts(body.Hosts);
        var now = DateTime.UtcNow;
        var secret = new SecretRecord(Guid.NewGuid().ToString(), name, PlaceholderPrefix + SandboxRecord.NewToken(24), now)
        {
            Value = body.Value!,
            Description = body.Description,
            Hosts = hosts,
        };
        lock (_sync)
        {
            if (_byId.Values.Any(s => s.Name == name)) throw new DaytonaHttpException(409, $"Secret with name {name} already exists");
            _byId[secret.Id] = secret;
        }
        return secret;
    }

    /// <summary>PATCH: a field that is missing stays as it is.</summary>
    internal SecretRecord Update(string id, Api.UpdateSecretRequest body)
    {
        var secret = Get(id);
        if (body.Value is not null) CheckValue(body.Value, required: true);
        CheckDescription(body.Description);
        var hosts = body.Hosts is null ? null : CheckHosts(body.Hosts);
        lock (_sync)
        {
            if (body.Value is not null) secret.Value = body.Value;
            if (body.Description is not null) secret.Description = body.Description;
            if (hosts is not null) secret.Hosts = hosts;
            secret.UpdatedAt = DateTime.UtcNow;
        }
        return secret;
    }

    /// <summary>Sandboxes that mount the secret keep its placeholder in their environment; it just stops being swapped.</summary>
    internal void Delete(string id)
    {
        if (!_byId.TryRemove(id, out _)) throw new DaytonaHttpException(404, $"Secret with ID {id} not found");
    }

    /// <summary>
    /// The create body's and PUT /sandbox/{id}/secrets' list of {ENV_NAME: secretName} objects, resolved to
    /// ENV_NAME -> placeholder. A later entry for the same name wins.
    /// </summary>
    internal Dictionary<string, string> ResolveMounts(List<Dictionary<string, string>>? entries)
    {
        var mounts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries ?? [])
        {
            if (entry is null || entry.Count == 0) throw new DaytonaHttpException(400, "each value in secrets must be an object mapping an environment variable name to a secret name");
            foreach (var (envName, secretName) in entry)
            {
                if (!EnvNamePattern().IsMatch(envName))
                    throw new DaytonaHttpException(400, $"Invalid environment variable name \"{envName}\" in secrets");
                if (string.IsNullOrEmpty(secretName))
                    throw new DaytonaHttpException(400, $"secrets.{envName} must name a secret");
                var secret = FindByName(secretName) ?? throw new DaytonaHttpException(404, $"Secret with name {secretName} not found");
                mounts[envName] = secret.Placeholder;
            }
        }
        return mounts;
    }

    internal Api.SecretDto ToDto(SecretRecord s) => new()
    {
        Id = s.Id,
        Name = s.Name,
        Description = s.Description,
        Placeholder = s.Placeholder,
        Hosts = [.. s.Hosts],
        CreatedAt = Api.Iso.Format(s.CreatedAt),
        UpdatedAt = Api.Iso.Format(s.UpdatedAt),
    };

    private static void CheckValue(string? value, bool required)
    {
        if (required && string.IsNullOrEmpty(value)) throw new DaytonaHttpException(400, "value should not be empty");
        if (value is not null && Encoding.UTF8.GetByteCount(value) > MaxValueBytes)
            throw new DaytonaHttpException(400, $"value must not be larger than {MaxValueBytes / 1024} KiB");
    }

    private static void CheckDescription(string? description)
    {
        if (description is { Length: > MaxDescriptionLength })
            throw new DaytonaHttpException(400, $"description must be shorter than or equal to {MaxDescriptionLength} characters");
    }

    private static List<string> CheckHosts(List<string>? hosts)
    {
        var result = new List<string>();
        foreach (var raw in hosts ?? [])
        {
            var host = raw?.Trim() ?? "";
            if (host.Length == 0 || host.Length > 253 || !HostPattern().IsMatch(host))
                throw new DaytonaHttpException(400, $"Invalid host \"{raw}\". Use a hostname (api.example.com) or a wildcard (*.example.com), without a scheme or port");
            if (!result.Contains(host, StringComparer.OrdinalIgnoreCase)) result.Add(host.ToLowerInvariant());
        }
        if (result.Count > MaxHosts) throw new DaytonaHttpException(400, $"hosts must contain no more than {MaxHosts} elements");
        return result;
    }
}

internal sealed class SecretRecord(string id, string name, string placeholder, DateTime createdAt)
{
    public string Id { get; } = id;
    public string Name { get; } = name;
    public string Placeholder { get; } = placeholder;
    /// <summary>Write-only: never serialized, never logged.</summary>
    public string Value { get; set; } = "";
    public string? Description { get; set; }
    public List<string> Hosts { get; set; } = [];
    public DateTime CreatedAt { get; } = createdAt;
    public DateTime UpdatedAt { get; set; } = createdAt;
}
