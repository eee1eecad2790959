using System.Globalization;
using System.Text;
using System.Text.Json;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Api;

/// <summary>
/// /api/secret: create (201), the deprecated unpaged list, the cursor-paged list (name filter, sort, order),
/// get, patch and delete (204). Values go in and never come out.
/// </summary>
internal static class SecretEndpoints
{
    private static readonly string[] SortFields = ["name", "createdAt", "updatedAt"];

    public static void Map(WebApplication app)
    {
        var g = app.MapGroup("/api/secret");

        g.MapPost("", async (HttpContext http, EmulatorContext ctx) =>
        {
            var body = await JsonBody.ReadAsync<CreateSecretRequest>(http);
            return SandboxEndpoints.Json(ctx.Secrets.ToDto(ctx.Secrets.Create(body)), 201);
        });
        g.MapGet("", (EmulatorContext ctx) =>
            SandboxEndpoints.Json(ctx.Secrets.All.OrderByDescending(s => s.CreatedAt).Select(ctx.Secrets.ToDto).ToList()));
        g.MapGet("/paginated", (HttpContext http, EmulatorContext ctx) => SandboxEndpoints.Json(List(ctx, http.Request.Query)));
        g.MapGet("/{secretId}", (string secretId, EmulatorContext ctx) => SandboxEndpoints.Json(ctx.Secrets.ToDto(ctx.Secrets.Get(secretId))));
        g.MapPatch("/{secretId}", async (string secretId, HttpContext http, EmulatorContext ctx) =>
        {
            var body = await JsonBody.ReadAsync<UpdateSecretRequest>(http);
            return SandboxEndpoints.Json(ctx.Secrets.ToDto(ctx.Secrets.Update(secretId, body)));
        });
        g.MapDelete("/{secretId}", (string secretId, EmulatorContext ctx) =>
        {
            ctx.Secrets.Delete(secretId);
            return Results.StatusCode(204);
        });
    }

    /// <summary>Keyset paging over (sort key, id), so removing listed secrets while paging skips none.</summary>
    private static ListSecretsResponse List(EmulatorContext ctx, IQueryCollection query)
    {
        var limit = 100;
        if (One(query, "limit") is { } rawLimit)
        {
            if (!double.TryParse(rawLimit, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || double.IsNaN(d))
                throw Bad("limit must be a number conforming to the specified constraints");
            if (d < 1) throw Bad("limit must not be less than 1");
            if (d > 200) throw Bad("limit must not be greater than 200");
            limit = (int)d;
        }
        var sort = One(query, "sort") ?? "createdAt";
        if (!SortFields.Contains(sort)) throw Bad($"sort must be one of the following values: {string.Join(", ", SortFields)}");
        var order = One(query, "order") ?? "desc";
        if (order is not ("asc" or "desc")) throw Bad("order must be one of the following values: asc, desc");
        var name = One(query, "name");
        var cursor = DecodeCursor(One(query, "cursor"));

        var matches = ctx.Secrets.All
            .Where(s => name is null || s.Name.Contains(name, StringComparison.OrdinalIgnoreCase))
            .Select(s => (Key: SortKey(s, sort), Secret: s))
            .ToList();
        var comparer = Comparer<(string Key, string Id)>.Create((a, b) =>
        {
            var c = string.CompareOrdinal(a.Key, b.Key);
            return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
        });
        var sign = order == "asc" ? 1 : -1;
        var sorted = matches.OrderBy(m => (m.Key, m.Secret.Id), Comparer<(string, string)>.Create((a, b) => sign * comparer.Compare(a, b))).ToList();
        var after = cursor is { } c2 ? sorted.Where(m => sign * comparer.Compare((m.Key, m.Secret.Id), c2) > 0).ToList() : sorted;
        var page = after.Take(limit).ToList();
        return new ListSecretsResponse
        {
            Items = page.Select(m => ctx.Secrets.ToDto(m.Secret)).ToList(),
            Total = matches.Count,
            NextCursor = after.Count > limit ? EncodeCursor(page[^1].Key, page[^1].Secret.Id) : null,
        };
    }

    private static string SortKey(SecretRecord s, string sort) => sort switch
    {
        "name" => s.Name,
        "updatedAt" => s.UpdatedAt.Ticks.ToString("D20", CultureInfo.InvariantCulture),
        _ => s.CreatedAt.Ticks.ToString("D20", CultureInfo.InvariantCulture),
    };

    private static string EncodeCursor(string key, string id) => ListCursor.Encode(key, id);

    private static (string, string)? DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        return ListCursor.TryDecode(cursor, out var position) ? position : throw Bad("Invalid cursor");
    }

    private static string? One(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var v) && !Microsoft.Extensions.Primitives.StringValues.IsNullOrEmpty(v) ? v.ToString() : null;

    private static DaytonaHttpException Bad(string message) => new(400, message);
}

public sealed class CreateSecretRequest
{
    public string? Name { get; set; }
    public string? Value { get; set; }
    public string? Description { get; set; }
    public List<string>? Hosts { get; set; }
}

public sealed class UpdateSecretRequest
{
    public string? Value { get; set; }
    public string? Description { get; set; }
    public List<string>? Hosts { get; set; }
}

public sealed class SecretDto
{
    public string Id { get; init; } = "";
    public string Name { get; init; } = "";
    public string? Description { get; init; }
    public string Placeholder { get; init; } = "";
    public List<string> Hosts { get; init; } = [];
    public string CreatedAt { get; init; } = "";
    public string UpdatedAt { get; init; } = "";
}

public sealed class ListSecretsResponse
{
    public List<SecretDto> Items { get; init; } = [];
    public int Total { get; init; }
    public string? NextCursor { get; init; }
}

public sealed class UpdateSandboxSecretsRequest
{
    public List<Dictionary<string, string>>? Secrets { get; set; }
}
