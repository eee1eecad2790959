using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Snapshot;

/// <summary>
/// Base of the cmdlets that act on existing snapshots: -Name (names or ids: strings, or the Name/Id
/// property of piped objects) or -InputObject (DaytonaPS.Snapshot objects, used without a lookup).
/// Derived cmdlets implement <see cref="ProcessSnapshotAsync"/> with the resolved id.
/// </summary>
public abstract class DaytonaSnapshotCmdlet : DaytonaApiCmdlet
{
    internal const string NameSet = "Name";
    internal const string InputObjectSet = "InputObject";

    /// <summary>Snapshot names or ids.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [Alias("Id", "SnapshotName")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SnapshotCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Snapshots from Get-DaytonaSnapshot or New-DaytonaSnapshot.</summary>
    /// <remarks>ValueFromPipelineByPropertyName keeps both sets open while binding (see DaytonaSandboxCmdlet.InputObject).</remarks>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public DaytonaPS.Snapshot[] InputObject { get; set; } = Array.Empty<DaytonaPS.Snapshot>();

    /// <summary>How many snapshots are worked on at once.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 8;

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var snapshot in InputObject)
            {
                if (snapshot is null) continue;
                Enqueue((pipe, ct) => ProcessSnapshotAsync(pipe, snapshot.Id, snapshot.Describe(), ct), snapshot, ThrottleLimit);
            }
            return;
        }
        foreach (var raw in Name)
        {
            if (string.IsNullOrWhiteSpace(raw)) continue;
            var name = raw.Trim();
            Enqueue(async (pipe, ct) =>
            {
                // Delete, activate and deactivate take ids only: resolve the name (GET takes either).
                var dto = await new SnapshotOperations(Api(pipe)).GetAsync(name, ct).ConfigureAwait(false);
                await ProcessSnapshotAsync(pipe, dto.Id, DaytonaPS.Snapshot.Describe(dto.Id, dto.Name), ct).ConfigureAwait(false);
            }, name, ThrottleLimit);
        }
    }

    protected override void EndProcessing() => CompleteQueued();

    /// <summary>Works on one snapshot, by id; <paramref name="display"/> is e.g. "snapshot 'py' (3c1e...)".</summary>
    private protected abstract Task ProcessSnapshotAsync(CmdletPipe pipe, string id, string display, CancellationToken ct);

    private protected SnapshotOperations Snapshots(CmdletPipe pipe) => new(Api(pipe));
}
