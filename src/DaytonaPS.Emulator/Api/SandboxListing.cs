using System.Globalization;
using System.Text;
using System.Text.Json;
using DaytonaPS.Emulator.Infrastructure;
using Microsoft.Extensions.Primitives;

namespace DaytonaPS.Emulator.Api;

/// <summary>
/// GET /sandbox: filters, sort and cursor paging. The cursor is keyset-based (the sort key and id
/// of the last item, base64url JSON), so deleting listed sandboxes while paging skips nothing.
/// Daytona's rules (apps/api ListSandboxesQueryDto and its TypeORM search adapter): every range
/// bound is inclusive (>=, <=); a date bound never matches a sandbox without that date; booleans
/// are true only for the string "true" (anything else is false, never a 400); numbers must be
/// integers; validation messages are class-validator's, joined by ", " as Daytona's error filter does.
/// </summary>
internal static class SandboxListing
{
    private static readonly string[] ListableStates =
    [
        "creating", "restoring", "destroying", "started", "stopped", "starting", "stopping", "error",
        "build_failed", "pending_build", "building_snapshot", "unknown", "pulling_snapshot", "archived",
        "archiving", "resizing", "snapshotting", "forking", "pausing", "paused", "resuming",
    ];

    private static readonly string[] SortFields = ["name", "cpu", "memoryGib", "diskGib", "lastActivityAt", "createdAt"];

    private static readonly string[] SandboxClasses = ["linux-vm", "container", "android", "windows"];

    public static ListSandboxesResponse List(EmulatorContext context, IQueryCollection query)
    {
        // limit's decorators run IsInt, Min, Max in that order (applyDecorators); the others' Min, then IsInt.
        var limit = IntParam(query, "limit", 1, 200, integerFirst: true) ?? 100;
        var sort = One(query, "sort") ?? "lastActivityAt";
        if (!SortFields.Contains(sort)) throw Bad($"sort must be one of the following values: {string.Join(", ", SortFields)}");
        var order = One(query, "order") ?? "desc";
        if (order is not ("asc" or "desc")) throw Bad("order must be one of the following values: asc, desc");

        var labels = ParseLabels(One(query, "labels"));
        var states = Many(query, "states");
        foreach (var state in states)
        {
            if (!ListableStates.Contains(state))
                throw Bad($"each value must be one of the following values: {string.Join(", ", ListableStates)}");
        }
        var snapshots = Many(query, "snapshots");
        var regions = Many(query, "regionIds");
        var classes = Many(query, "sandboxClasses");
        if (classes.Any(c => !SandboxClasses.Contains(c)))
            throw Bad($"each value in sandboxClasses must be one of the following values: {string.Join(", ", SandboxClasses)}");
        var idPrefix = One(query, "id");
        var namePrefix = One(query, "name");
        var isPublic = BoolParam(query, "isPublic");
        var isRecoverable = BoolParam(query, "isRecoverable");
        var ranges = new (string Name, Func<SandboxRecord, int> Value, bool Min)[]
        {
            ("minCpu", s => s.Cpu, true), ("maxCpu", s => s.Cpu, false),
            ("minMemoryGiB", s => s.Memory, true), ("maxMemoryGiB", s => s.Memory, false),
            ("minDiskGiB", s => s.Disk, true), ("maxDiskGiB", s => s.Disk, false),
            ("minGpu", s => s.Gpu, true), ("maxGpu", s => s.Gpu, false),
        }.Select(r => (r.Value, r.Min, Bound: IntParam(query, r.Name, r.Name.Contains("Gpu") ? 0 : 1, null))).ToList();
        var dates = new (string Name, Func<SandboxRecord, DateTime?> Value, bool After)[]
        {
            ("createdAtAfter", s => s.CreatedAt, true), ("createdAtBefore", s => s.CreatedAt, false),
            ("lastEventAfter", s => s.LastActivityAt, true), ("lastEventBefore", s => s.LastActivityAt, false),
            ("autoDestroyAtAfter", s => s.AutoDestroyAt, true), ("autoDestroyAtBefore", s => s.AutoDestroyAt, false),
        }.Select(d => (d.Value, d.After, Bound: DateParam(query, d.Name))).ToList();
        var cursor = DecodeCursor(One(query, "cursor"));

        lock (context.Store.Sync)
        {
            var matches = context.Store.Live.Where(s =>
                (labels.Count == 0 || labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value))
                && (states.Count == 0 || states.Contains(s.State))
                && (snapshots.Count == 0 || (s.Snapshot is not null && snapshots.Contains(s.Snapshot)))
                && (regions.Count == 0 || regions.Contains(s.Target))
                && (classes.Count == 0 || classes.Contains(s.SandboxClass))
                && (idPrefix is null || s.Id.StartsWith(idPrefix, StringComparison.OrdinalIgnoreCase))
                && (namePrefix is null || s.Name.StartsWith(namePrefix, StringComparison.OrdinalIgnoreCase))
                && (isPublic is null || s.Public == isPublic)
                && (isRecoverable is null || s.Recoverable == isRecoverable)
                && ranges.All(r => r.Bound is not { } b || (r.Min ? r.Value(s) >= b : r.Value(s) <= b))
                && dates.All(d => d.Bound is not { } b || (d.Value(s) is { } v && (d.After ? v >= b : v <= b))));

            var keyed = matches.Select(s => (Key: SortKey(s, sort), Sandbox: s));
            var comparer = Comparer<(string Key, string Id)>.Create((a, b) =>
            {
                var c = string.CompareOrdinal(a.Key, b.Key);
                return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
            });
            var sign = order == "asc" ? 1 : -1;
            var ordered = keyed.OrderBy(k => (k.Key, k.Sandbox.Id), Comparer<(string, string)>.Create((a, b) => sign * comparer.Compare(a, b)));
            var page = ordered
                .Where(k => cursor is null || sign * comparer.Compare((k.Key, k.Sandbox.Id), cursor.Value) > 0)
                .Take(limit + 1)
                .ToList();
            var hasMore = page.Count > limit;
            if (hasMore) page.RemoveAt(limit);
            return new ListSandboxesResponse
            {
                Items = page.Select(k => SandboxFactory.ToListItem(context, k.Sandbox)).ToList(),
                NextCursor = hasMore ? EncodeCursor(page[^1].Key, page[^1].Sandbox.Id) : null,
            };
        }
    }

    /// <summary>A string whose ordinal order is the field's order.</summary>
    private static string SortKey(SandboxRecord s, string sort) => sort switch
    {
        "name" => s.Name,
        "cpu" => s.Cpu.ToString("D10", CultureInfo.InvariantCulture),
        "memoryGib" => s.Memory.ToString("D10", CultureInfo.InvariantCulture),
        "diskGib" => s.Disk.ToString("D10", CultureInfo.InvariantCulture),
        "createdAt" => s.CreatedAt.Ticks.ToString("D20", CultureInfo.InvariantCulture),
        _ => s.LastActivityAt.Ticks.ToString("D20", CultureInfo.InvariantCulture),
    };

    private static string EncodeCursor(string key, string id) => ListCursor.Encode(key, id);

    private static (string, string)? DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        return ListCursor.TryDecode(cursor, out var position) ? position : throw Bad($"Invalid cursor provided: {cursor}");
    }

    private static Dictionary<string, string> ParseLabels(string? json)
    {
        if (string.IsNullOrEmpty(json)) return new();
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad("Invalid labels JSON format");
            return doc.RootElement.EnumerateObject().ToDictionary(
                p => p.Name,
                p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText());
        }
        catch (JsonException)
        {
            throw Bad("Invalid labels JSON format");
        }
    }

    private static string? One(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var v) && !StringValues.IsNullOrEmpty(v) ? v.ToString() : null;

    /// <summary>Array parameters: repeated keys (states=a&amp;states=b) or the bracket form (states[]=a).</summary>
    private static List<string> Many(IQueryCollection query, string name) =>
        query[name].Concat(query[name + "[]"]).Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList();

    /// <summary>
    /// A number as @Type(() =&gt; Number) @IsInt() @Min(min) [@Max(max)] checks it: Number("abc") is NaN,
    /// which fails every constraint, so Daytona lists each failing one.
    /// </summary>
    private static int? IntParam(IQueryCollection query, string name, int min, int? max, bool integerFirst = false)
    {
        if (One(query, name) is not { } raw) return null;
        var d = double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : double.NaN;
        var failures = new List<string>();
        var notInteger = double.IsNaN(d) || double.IsInfinity(d) || Math.Floor(d) != d;
        if (integerFirst && notInteger) failures.Add($"{name} must be an integer number");
        if (!(d >= min)) failures.Add($"{name} must not be less than {min}");
        if (max is { } m && !(d <= m)) failures.Add($"{name} must not be greater than {m}");
        if (!integerFirst && notInteger) failures.Add($"{name} must be an integer number");
        if (failures.Count > 0) throw Bad(string.Join(", ", failures));
        return d >= int.MaxValue ? int.MaxValue : (int)d;
    }

    /// <summary>@Transform(({ value }) =&gt; value === 'true' || value === true): any other value is false.</summary>
    private static bool? BoolParam(IQueryCollection query, string name) => One(query, name) switch
    {
        null => null,
        var value => value == "true",
    };

    /// <summary>@Type(() =&gt; Date) @IsDate(): new Date(value) must be a valid date.</summary>
    private static DateTime? DateParam(IQueryCollection query, string name)
    {
        if (One(query, name) is not { } raw) return null;
        return DateTime.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d)
            ? d
            : throw Bad($"{name} must be a Date instance");
    }

    private static DaytonaHttpException Bad(string message) => new(400, message);
}
