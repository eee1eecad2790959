using System;
using System.Management.Automation;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Volume;

/// <summary>
/// Remove-DaytonaVolume: deletes volumes. Daytona refuses one that a sandbox still mounts (DaytonaConflict)
/// or that is not ready or errored (DaytonaValidation, e.g. still being created).
/// </summary>
[Cmdlet(VerbsCommon.Remove, "DaytonaVolume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = NameSet)]
[OutputType(typeof(void))]
public sealed class RemoveDaytonaVolumeCommand : DaytonaApiCmdlet
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";

    /// <summary>Volume names or ids.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [Alias("Id", "VolumeId", "VolumeName")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VolumeCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Volumes from Get-DaytonaVolume or New-DaytonaVolume.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public DaytonaPS.Volume[] InputObject { get; set; } = Array.Empty<DaytonaPS.Volume>();

    /// <summary>Do not ask for confirmation.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private protected override bool ForceConfirmation => Force;

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var volume in InputObject)
            {
                if (volume is null) continue;
                Run((pipe, ct) => RemoveAsync(pipe, volume.Id, volume.Describe(), ct), volume);
            }
            return;
        }
        foreach (var raw in Name)
        {
            if (string.IsNullOrWhiteSpace(raw)) continue;
            var name = raw.Trim();
            Run(async (pipe, ct) =>
            {
                var dto = await new VolumeOperations(Api(pipe)).GetAsync(name, ct).ConfigureAwait(false);
                await RemoveAsync(pipe, dto.Id, DaytonaPS.Volume.Describe(dto.Id, dto.Name), ct).ConfigureAwait(false);
            }, name);
        }
    }

    private async System.Threading.Tasks.Task RemoveAsync(CmdletPipe pipe, string id, string display, System.Threading.CancellationToken ct)
    {
        if (!await pipe.ShouldProcessAsync(display, "Remove").ConfigureAwait(false)) return;
        await new VolumeOperations(Api(pipe)).DeleteAsync(id, display, ct).ConfigureAwait(false);
        pipe.WriteVerbose($"Removed {display} (Daytona deletes it in the background).");
    }
}
