using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net.Http;
using System.Security;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Auth;

namespace DaytonaPS.Api;

/// <summary>
/// /secret: Daytona's organization secrets (list by cursor, get by id, create, update, delete). A value goes out
/// only inside a request body, read from its SecureString while the body is written; Daytona never sends it back.
/// </summary>
internal sealed class SecretOperations
{
    public SecretOperations(DaytonaApiClient api) => Api = api;

    public DaytonaApiClient Api { get; }

    /// <summary>GET /secret/paginated until nextCursor is null; <paramref name="nameFilter"/> is Daytona's partial name match.</summary>
    public async Task<List<SecretDto>> ListAsync(string? nameFilter, string sort, bool descending, CancellationToken ct)
    {
        var all = new List<SecretDto>();
        string? cursor = null;
        do
        {
            var query = new List<string> { "limit=200", "sort=" + Uri.EscapeDataString(sort), "order=" + (descending ? "desc" : "asc") };
            if (!string.IsNullOrEmpty(nameFilter)) query.Add("name=" + Uri.EscapeDataString(nameFilter));
            if (cursor is not null) query.Add("cursor=" + Uri.EscapeDataString(cursor));
            var page = await Api.SendJsonAsync<ListSecretsDto>(HttpMethod.Get, "/secret/paginated?" + string.Join("&", query), null, RetryMode.Idempotent, ct).ConfigureAwait(false)
                ?? new ListSecretsDto();
            all.AddRange(page.Items);
            cursor = string.IsNullOrEmpty(page.NextCursor) ? null : page.NextCursor;
        }
        while (cursor is not null);
        return all;
    }

    /// <summary>By id (a UUID) through GET /secret/{id}, else by exact name through the list's name filter.</summary>
    public async Task<SecretDto> GetAsync(string idOrName, CancellationToken ct)
    {
        if (Guid.TryParse(idOrName, out _))
        {
            try
            {
                return await Api.SendJsonAsync<SecretDto>(HttpMethod.Get, "/secret/" + DaytonaApiClient.Segment(idOrName), null, RetryMode.Idempotent, ct).ConfigureAwait(false)
                    ?? throw NotFound(idOrName);
            }
            catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.NotFound)
            {
            }
        }
        foreach (var secret in await ListAsync(idOrName, "name", descending: false, ct).ConfigureAwait(false))
        {
            if (string.Equals(secret.Name, idOrName, StringComparison.Ordinal)) return secret;
        }
        throw NotFound(idOrName);
    }

    /// <summary>POST /secret. Not retried after a lost reply: a second create would meet "name taken".</summary>
    public async Task<SecretDto> CreateAsync(string name, SecureString value, string? description, IList<string>? hosts, CancellationToken ct)
    {
        try
        {
            return await Api.SendJsonAsync<SecretDto>(HttpMethod.Post, "/secret",
                    new CreateSecretDto { Name = name, Value = value, Description = description, Hosts = hosts is null ? null : new List<string>(hosts) },
                    RetryMode.RejectedOnly, ct).ConfigureAwait(false)
                ?? throw DaytonaApiException.Unexpected("Daytona answered the secret create with no secret.", "POST", "/secret");
        }
        catch (DaytonaApiException ex) when (ex.StatusCode == 409)
        {
            throw new DaytonaException(ErrorIds.Conflict, ErrorCategory.ResourceExists, ex.Message, name,
                recommendedAction: $"Choose another name, or change the existing one: Set-DaytonaSecret -Name '{name}' -Value <SecureString>.", innerException: ex);
        }
    }

    /// <summary>PATCH /secret/{id}: only the fields given change.</summary>
    public async Task<SecretDto> UpdateAsync(string id, SecureString? value, string? description, IList<string>? hosts, CancellationToken ct) =>
        await Api.SendJsonAsync<SecretDto>(new HttpMethod("PATCH"), "/secret/" + DaytonaApiClient.Segment(id),
                new UpdateSecretDto { Value = value, Description = description, Hosts = hosts is null ? null : new List<string>(hosts) },
                RetryMode.Idempotent, ct).ConfigureAwait(false)
            ?? throw DaytonaApiException.Unexpected("Daytona answered the secret update with no secret.", "PATCH", "/secret/" + id);

    public Task DeleteAsync(string id, CancellationToken ct) =>
        Api.SendNoContentAsync(HttpMethod.Delete, "/secret/" + DaytonaApiClient.Segment(id), null, RetryMode.Idempotent, ct);

    private static DaytonaApiException NotFound(string idOrName) =>
        DaytonaApiException.NotFound($"No Daytona secret has the id or name '{idOrName}'.", "GET", "/secret/paginated");
}

internal sealed class SecretDto
{
    public string Id { get; set; } = string.Empty;
    public string Name { get; set; } = string.Empty;
    public string? Description { get; set; }
    public string? Placeholder { get; set; }
    public List<string>? Hosts { get; set; }
    public string? CreatedAt { get; set; }
    public string? UpdatedAt { get; set; }
}

internal sealed class ListSecretsDto
{
    public List<SecretDto> Items { get; set; } = new();
    public int? Total { get; set; }
    public string? NextCursor { get; set; }
}

internal sealed class CreateSecretDto
{
    public string Name { get; set; } = string.Empty;

    [JsonConverter(typeof(SecureStringJsonConverter))]
    public SecureString? Value { get; set; }

    public string? Description { get; set; }
    public List<string>? Hosts { get; set; }
}

internal sealed class UpdateSecretDto
{
    [JsonConverter(typeof(SecureStringJsonConverter))]
    public SecureString? Value { get; set; }

    public string? Description { get; set; }
    public List<string>? Hosts { get; set; }
}

/// <summary>PUT /sandbox/{id}/secrets: the complete set, one {ENV_NAME: secretName} object per entry.</summary>
internal sealed class UpdateSandboxSecretsDto
{
    public List<Dictionary<string, string>> Secrets { get; set; } = new();
}

/// <summary>
/// Writes a SecureString as a JSON string at the moment the request body is written, so the plain value lives only in
/// the serializer's buffer. Reading one is refused: Daytona never sends a value back.
/// </summary>
internal sealed class SecureStringJsonConverter : JsonConverter<SecureString>
{
    public override SecureString Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new JsonException("A secret value is never read back.");

    public override void Write(Utf8JsonWriter writer, SecureString value, JsonSerializerOptions options) =>
        writer.WriteStringValue(SecretText.Reveal(value));
}
