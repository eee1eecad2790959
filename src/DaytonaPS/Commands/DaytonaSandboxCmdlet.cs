using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Commands.Sandbox;

namespace DaytonaPS.Commands;

/// <summary>
/// Base of every cmdlet that acts on existing sandboxes: -Id (ids or names: strings, or the Id,
/// SandboxId or Name property of piped objects) or -InputObject (DaytonaPS.Sandbox objects), and
/// -ThrottleLimit for the concurrent per-sandbox work. Derived cmdlets implement
/// <see cref="ProcessSandboxAsync"/>; one that needs -Id elsewhere than position 0 overrides
/// <see cref="Id"/> with other attributes (as <see cref="Command.DaytonaToolboxCmdlet"/> does).
/// </summary>
public abstract class DaytonaSandboxCmdlet : DaytonaApiCmdlet
{
    internal const string IdSet = "Id";
    internal const string InputObjectSet = "InputObject";

    /// <summary>Sandbox ids or names.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    [Alias("SandboxId", "Name")]
    [ValidateNotNullOrEmpty]
    [SandboxIdTransformation]
    [ArgumentCompleter(typeof(SandboxCompleter))]
    public virtual string[] Id { get; set; } = Array.Empty<string>();

    /// <summary>Sandboxes from Get-DaytonaSandbox or New-DaytonaSandbox.</summary>
    /// <remarks>
    /// ValueFromPipelineByPropertyName is here for PowerShell's choice of parameter set, not for
    /// input: when the default set (-Id) is the only one with a mandatory by-property-name
    /// parameter, PowerShell latches every piped object to it before binding (its
    /// TryLatchToDefaultParameterSet), so a piped Sandbox bound -Id through its Id property and the
    /// object was lost (one more GET per sandbox to find it again). With a by-property-name
    /// parameter here too, both sets stay open: a Sandbox binds here by value, and anything else
    /// still reaches -Id as before (strings by value, other objects by their Id/SandboxId/Name).
    /// </remarks>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public DaytonaPS.Sandbox[] InputObject { get; set; } = Array.Empty<DaytonaPS.Sandbox>();

    /// <summary>How many sandboxes are worked on at once.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 8;

    /// <summary>Values of pipeline-bound parameters the work needs, captured per record (the work runs later, concurrently).</summary>
    private protected virtual object? CaptureRecordState() => null;

    protected override void ProcessRecord()
    {
        var state = CaptureRecordState();
        EnqueueEach(ParameterSetName == InputObjectSet ? InputObject : null, Id, ThrottleLimit,
            (pipe, idOrName, known, ct) => ProcessSandboxAsync(pipe, idOrName, known, state, ct));
    }

    protected override void EndProcessing() => CompleteQueued();

    /// <summary>
    /// Works on one sandbox. <paramref name="known"/> is the piped object, if any (it may be stale);
    /// <paramref name="state"/> is what <see cref="CaptureRecordState"/> returned for this record.
    /// </summary>
    private protected abstract Task ProcessSandboxAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, object? state, CancellationToken ct);

    /// <summary>The current state and its display name, e.g. "sandbox 'web-1' (3c1e...)".</summary>
    private protected async Task<(SandboxDto Dto, string Display)> FetchCurrentAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, CancellationToken ct)
    {
        var dto = await FetchAsync(pipe, known?.Id ?? idOrName, ct).ConfigureAwait(false);
        return (dto, DaytonaPS.Sandbox.Describe(dto));
    }

    /// <summary>
    /// The id and display name for a confirmation: the piped object's as they are, else looked up (so the
    /// confirmation names the real sandbox, and an unknown id is ObjectNotFound before anything is asked).
    /// </summary>
    private protected async Task<(string Id, string Display)> ResolveAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, CancellationToken ct)
    {
        if (known is not null) return (known.Id, known.Describe());
        var dto = await FetchAsync(pipe, idOrName, ct).ConfigureAwait(false);
        return (dto.Id, DaytonaPS.Sandbox.Describe(dto));
    }
}
