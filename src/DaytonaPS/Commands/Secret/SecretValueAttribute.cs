using System;
using System.Management.Automation;
using System.Security;

namespace DaytonaPS.Commands.Secret;

/// <summary>
/// -Value of New-/Set-DaytonaSecret takes a SecureString only. PowerShell's own binding error for a plain string
/// would quote the string ("Cannot convert the "..." value of type System.String"), putting the value in the error
/// stream and any transcript; this refuses it with a message that never contains it.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class SecretValueAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        return value switch
        {
            null => null,
            SecureString s => s,
            PSCredential credential => credential.Password,
            _ => throw new ArgumentTransformationMetadataException(
                $"-Value takes a SecureString, not a {value.GetType().Name} (the value is not shown). Use Read-Host -AsSecureString, "
                + "Get-Secret from SecretManagement, or in a pipeline ConvertTo-SecureString -AsPlainText -Force on the variable."),
        };
    }
}
