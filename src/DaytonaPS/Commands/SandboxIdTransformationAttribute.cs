using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;

namespace DaytonaPS.Commands;

/// <summary>
/// Lets -Id take only what can be an id or a name: strings (and GUIDs or numbers, as text). Anything
/// else (a hashtable, a FileInfo, ...) would otherwise be converted by its ToString()
/// ("System.Collections.Hashtable", "/") and sent to Daytona as a name. Throwing here would end the
/// whole pipeline (PowerShell runs transformations even while it tries which parameter a piped object
/// fits), so such a value is handed on as a <see cref="NotAnId"/>, which no conversion accepts: the
/// object then binds by its Id/SandboxId/Name property, as a DaytonaPS.Sandbox to -InputObject, or
/// PowerShell reports for that one input that it cannot be bound.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SandboxIdTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var input = inputData is PSObject pso ? pso.BaseObject : inputData;
        if (input is null) return null;
        if (IsScalar(input)) return new[] { AsText(input) };
        if (input is IEnumerable items && input is not IDictionary)
        {
            var list = new List<string>();
            foreach (var item in items)
            {
                var value = item is PSObject p ? p.BaseObject : item;
                if (value is not null && !IsScalar(value)) return new NotAnId(value);
                list.Add(AsText(value));
            }
            return list.ToArray();
        }
        return new NotAnId(input);
    }

    private static bool IsScalar(object value) => value is string || value is Guid || value.GetType().IsPrimitive;

    private static string AsText(object? value) => value is null ? string.Empty : Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;

    /// <summary>A value that is not an id; converting it to a string fails with a message saying what -Id takes.</summary>
    internal sealed class NotAnId
    {
        public NotAnId(object value) => Value = value;

        public object Value { get; }

        public override string ToString() => throw new PSInvalidCastException(
            $"A {Value.GetType().Name} is not a sandbox id or name. Give ids or names as strings, or pipe DaytonaPS.Sandbox objects (or objects with an Id, SandboxId or Name property).");
    }
}
