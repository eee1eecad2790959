using System;
using System.Management.Automation;
using System.Security;
using DaytonaPS.Auth;

namespace DaytonaPS.Commands.Ssh;

/// <summary>Lets a SecureString parameter also take a plain string (e.g. a token a script already holds).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class SecureStringTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        return value switch
        {
            SecureString s => s,
            string text => SecretText.ToSecureString(text),
            _ => inputData,
        };
    }
}
