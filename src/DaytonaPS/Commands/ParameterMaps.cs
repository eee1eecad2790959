using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace DaytonaPS.Commands;

/// <summary>Turns hashtable parameters (-Label, -Environment, ...) into the string maps the wire format takes.</summary>
internal static class ParameterMaps
{
    /// <summary>Keys and values converted the PowerShell way; a $null value becomes "". Ordinal keys, later duplicates win.</summary>
    public static Dictionary<string, string> ToStringMap(IDictionary? table)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (table is null) return map;
        foreach (DictionaryEntry entry in table)
        {
            map[LanguagePrimitives.ConvertTo<string>(entry.Key)] = entry.Value is null ? string.Empty : LanguagePrimitives.ConvertTo<string>(entry.Value);
        }
        return map;
    }
}
