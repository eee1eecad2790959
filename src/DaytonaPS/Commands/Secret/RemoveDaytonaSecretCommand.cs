using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Secret;

/// <summary>
/// Remove-DaytonaSecret: deletes Daytona secrets. Sandboxes that mount one keep its placeholder in their
/// environment, but Daytona stops swapping it for the value.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "DaytonaSecret", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
[OutputType(typeof(void))]
public sealed class RemoveDaytonaSecretCommand : DaytonaApiCmdlet
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";

    /// <summary>Secret names or ids.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [Alias("Id", "SecretId", "SecretName")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SecretCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Secrets from Get-DaytonaSecret or New-DaytonaSecret.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public DaytonaSecret[] InputObject { get; set; } = Array.Empty<DaytonaSecret>();

    /// <summary>Do not ask for confirmation.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private protected override bool ForceConfirmation => Force;

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var secret in InputObject)
            {
                if (secret is null) continue;
                Run((pipe, ct) => RemoveAsync(pipe, secret.Id, secret.Describe(), ct), secret);
            }
            return;
        }
        foreach (var raw in Name)
        {
            if (string.IsNullOrWhiteSpace(raw)) continue;
            var name = raw.Trim();
            Run(async (pipe, ct) =>
            {
                var dto = await new SecretOperations(Api(pipe)).GetAsync(name, ct).ConfigureAwait(false);
                await RemoveAsync(pipe, dto.Id, DaytonaSecret.Describe(dto.Id, dto.Name), ct).ConfigureAwait(false);
            }, name);
        }
    }

    private async Task RemoveAsync(CmdletPipe pipe, string id, string display, CancellationToken ct)
    {
        if (!await pipe.ShouldProcessAsync(display, "Remove").ConfigureAwait(false)) return;
        await new SecretOperations(Api(pipe)).DeleteAsync(id, ct).ConfigureAwait(false);
        pipe.WriteVerbose($"Removed {display}.");
    }
}
