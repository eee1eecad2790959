using System.Management.Automation;
using DaytonaPS.Auth;

namespace DaytonaPS.Commands.Connection;

/// <summary>Get-DaytonaContext: which credential cmdlets would use now, and where it comes from (never its value).</summary>
[Cmdlet(VerbsCommon.Get, "DaytonaContext")]
[OutputType(typeof(Context))]
public sealed class GetDaytonaContextCommand : DaytonaCmdlet
{
    protected override void EndProcessing()
    {
        try
        {
            var connection = CredentialResolver.Resolve(null, allowSecretManagement: true, throwIfNone: false, warn: WriteWarning);
            if (connection is null)
            {
                WriteVerbose("No Daytona credential: no Connect-Daytona in this session, no DAYTONA_API_KEY/DAYTONA_JWT_TOKEN, no DAYTONA_SECRET_NAME and no Daytona CLI login.");
                return;
            }
            WriteObject(new Context(connection));
        }
        catch (DaytonaException ex)
        {
            ThrowTerminatingError(ErrorMapper.ToErrorRecord(ex, null));
        }
    }
}
