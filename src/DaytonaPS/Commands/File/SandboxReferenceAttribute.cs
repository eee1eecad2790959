using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;

// The namespace is Files, not File: a namespace named File would hide System.IO.File in every DaytonaPS.Commands.* file.
namespace DaytonaPS.Commands.Files;

/// <summary>
/// Lets -ToSandbox and -FromSandbox take a sandbox the way users hold one: an id or name, a
/// DaytonaPS.Sandbox, or any object with an Id, SandboxId or Name property (as Copy-Item -ToSession
/// takes a session object). Gives the ids as strings.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SandboxReferenceAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var input = inputData is PSObject pso ? pso.BaseObject : inputData;
        if (input is null) return null;
        if (input is string || input is not IEnumerable || input is IDictionary) return One(inputData!);
        var list = new List<string>();
        foreach (var item in (IEnumerable)input)
        {
            if (item is not null) list.Add(One(item));
        }
        return list.ToArray();
    }

    private static string One(object value)
    {
        var baseObject = value is PSObject p ? p.BaseObject : value;
        switch (baseObject)
        {
            case string s: return s;
            case DaytonaPS.Sandbox sandbox: return sandbox.Id;
            case Guid g: return g.ToString();
        }
        if (baseObject.GetType().IsPrimitive) return Convert.ToString(baseObject, CultureInfo.InvariantCulture) ?? string.Empty;
        var wrapped = PSObject.AsPSObject(value);
        foreach (var name in new[] { "Id", "SandboxId", "Name" })
        {
            if (wrapped.Properties[name]?.Value is { } v && Convert.ToString(v, CultureInfo.InvariantCulture) is { Length: > 0 } text) return text;
        }
        throw new ArgumentTransformationMetadataException(
            $"A {baseObject.GetType().Name} is not a sandbox: give an id or name, a DaytonaPS.Sandbox, or an object with an Id, SandboxId or Name property.");
    }
}
