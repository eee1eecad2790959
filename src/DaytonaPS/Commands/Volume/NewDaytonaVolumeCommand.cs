using System.Management.Automation;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Volume;

/// <summary>New-DaytonaVolume: creates a volume and waits until it is ready to mount.</summary>
[Cmdlet(VerbsCommon.New, "DaytonaVolume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(DaytonaPS.Volume))]
public sealed class NewDaytonaVolumeCommand : DaytonaApiCmdlet
{
    /// <summary>The volume's name (unique among live volumes).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>Return the volume as Daytona created it (pending_create), without waiting.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>Seconds to wait for 'ready'; 0 = no limit.</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; } = 300;

    protected override void ProcessRecord()
    {
        var name = Name.Trim();
        Run(async (pipe, ct) =>
        {
            if (!await pipe.ShouldProcessAsync($"volume '{name}'", "Create").ConfigureAwait(false)) return;
            var ops = new VolumeOperations(Api(pipe));
            var created = await ops.CreateAsync(name, ct).ConfigureAwait(false);
            var result = NoWait ? created : await ops.WaitUntilReadyAsync(created, Seconds(TimeoutSec), ct).ConfigureAwait(false);
            pipe.WriteObject(new DaytonaPS.Volume(result));
        }, name);
    }
}
