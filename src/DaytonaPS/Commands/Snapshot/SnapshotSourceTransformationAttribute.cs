using System;
using System.Management.Automation;

namespace DaytonaPS.Commands.Snapshot;

/// <summary>
/// Lets New-DaytonaSnapshot -FromSandbox take a sandbox id or name or a DaytonaPS.Sandbox (given as its id),
/// and nothing else. PowerShell runs this while it tries which parameter set a piped object fits, so a
/// piped Snapshot (which has an Id too) must not turn into a sandbox id here: anything else is handed on
/// as <see cref="SandboxIdTransformationAttribute.NotAnId"/>, which no conversion accepts, and the object
/// binds by its properties (a Snapshot's Name and ImageName) as before.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SnapshotSourceTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var input = inputData is PSObject pso ? pso.BaseObject : inputData;
        return input switch
        {
            null => null,
            string s => s,
            Guid g => g.ToString(),
            DaytonaPS.Sandbox sandbox => sandbox.Id,
            _ => new SandboxIdTransformationAttribute.NotAnId(input),
        };
    }
}
