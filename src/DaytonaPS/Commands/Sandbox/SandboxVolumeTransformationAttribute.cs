using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace DaytonaPS.Commands.Sandbox;

/// <summary>Turns @{VolumeId=..; MountPath=..; Subpath=..} or 'volume:/mount/path[:subpath]' into SandboxVolume.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SandboxVolumeTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var input = inputData is PSObject pso ? pso.BaseObject : inputData;
        if (input is string || input is IDictionary || input is SandboxVolume) return new[] { Convert(input) };
        if (input is IEnumerable items)
        {
            var list = new List<SandboxVolume>();
            foreach (var item in items) list.Add(Convert(item is PSObject p ? p.BaseObject : item));
            return list.ToArray();
        }
        return new[] { Convert(input) };
    }

    private static SandboxVolume Convert(object? value)
    {
        switch (value)
        {
            case SandboxVolume v:
                return v;
            case string s:
            {
                var first = s.IndexOf(':');
                if (first <= 0) throw new ArgumentTransformationMetadataException($"'{s}' is not 'volume:/mount/path'.");
                var rest = s.Substring(first + 1);
                var second = rest.IndexOf(':');
                return second < 0
                    ? new SandboxVolume(s.Substring(0, first), rest)
                    : new SandboxVolume(s.Substring(0, first), rest.Substring(0, second), rest.Substring(second + 1));
            }
            case IDictionary table:
            {
                string? Get(string key)
                {
                    foreach (DictionaryEntry e in table)
                        if (string.Equals(e.Key?.ToString(), key, StringComparison.OrdinalIgnoreCase)) return e.Value?.ToString();
                    return null;
                }
                var id = Get("VolumeId") ?? Get("Volume") ?? Get("Name");
                var mount = Get("MountPath") ?? Get("Path");
                if (id is null || mount is null) throw new ArgumentTransformationMetadataException("A volume hashtable needs VolumeId and MountPath.");
                return new SandboxVolume(id, mount, Get("Subpath"));
            }
            default:
                throw new ArgumentTransformationMetadataException($"Cannot use a {value?.GetType().Name ?? "null"} as a volume; use @{{VolumeId='..'; MountPath='..'}} or 'volume:/path'.");
        }
    }
}
