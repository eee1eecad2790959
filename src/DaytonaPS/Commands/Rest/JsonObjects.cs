using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Text.Json;

namespace DaytonaPS.Commands.Rest;

/// <summary>JSON to PowerShell objects (as ConvertFrom-Json gives them) and PowerShell values to JSON-serializable ones.</summary>
internal static class JsonObjects
{
    public static object? ToPowerShell(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => ToPSObject(e),
        JsonValueKind.Array => ToArray(e),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out var l) ? (l is >= int.MinValue and <= int.MaxValue ? (object)(int)l : l) : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static PSObject ToPSObject(JsonElement e)
    {
        var o = new PSObject();
        foreach (var p in e.EnumerateObject()) o.Properties.Add(new PSNoteProperty(p.Name, ToPowerShell(p.Value)));
        return o;
    }

    private static object?[] ToArray(JsonElement e)
    {
        var list = new List<object?>();
        foreach (var item in e.EnumerateArray()) list.Add(ToPowerShell(item));
        return list.ToArray();
    }

    /// <summary>Hashtables, PSCustomObjects, arrays and scalars as plain dictionaries and lists that System.Text.Json writes as expected.</summary>
    public static object? FromPowerShell(object? value, int depth = 0)
    {
        if (depth > 64) throw new ArgumentException("The body is nested more than 64 levels deep.");
        if (value is PSObject pso)
        {
            if (pso.BaseObject is PSCustomObject)
            {
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var p in pso.Properties) map[p.Name] = FromPowerShell(p.Value, depth + 1);
                return map;
            }
            value = pso.BaseObject;
        }
        switch (value)
        {
            case null: return null;
            case string or bool or char: return value;
            case DateTime d: return d.ToString("o", CultureInfo.InvariantCulture);
            case DateTimeOffset d: return d.ToString("o", CultureInfo.InvariantCulture);
            case Enum en: return en.ToString();
            case IDictionary dict:
            {
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (DictionaryEntry entry in dict) map[Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty] = FromPowerShell(entry.Value, depth + 1);
                return map;
            }
            case IEnumerable items:
            {
                var list = new List<object?>();
                foreach (var item in items) list.Add(FromPowerShell(item, depth + 1));
                return list;
            }
            default:
                return value.GetType().IsPrimitive || value is decimal ? value : Convert.ToString(value, CultureInfo.InvariantCulture);
        }
    }
}
