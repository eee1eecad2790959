using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Sandbox;

/// <summary>
/// Base of the cmdlets that act on existing sandboxes: -Id (id or name; by property name, alias
/// SandboxId) or -InputObject (a DaytonaPS.Sandbox from the pipeline), and -ThrottleLimit for the
/// concurrent per-sandbox work. Derived cmdlets implement <see cref="ProcessSandboxAsync"/>.
/// </summary>
public abstract class DaytonaSandboxCmdlet : DaytonaApiCmdlet
{
    internal const string IdSet = "Id";
    internal const string InputObjectSet = "InputObject";

    /// <summary>Sandbox ids or names.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    [Alias("SandboxId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SandboxCompleter))]
    public string[] Id { get; set; } = Array.Empty<string>();

    /// <summary>Sandboxes from Get-DaytonaSandbox or New-DaytonaSandbox.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public DaytonaPS.Sandbox[] InputObject { get; set; } = Array.Empty<DaytonaPS.Sandbox>();

    /// <summary>How many sandboxes are worked on at once.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 8;

    protected override void ProcessRecord() =>
        EnqueueEach(ParameterSetName == InputObjectSet ? InputObject : null, Id, ThrottleLimit, ProcessSandboxAsync);

    protected override void EndProcessing() => CompleteQueued();

    /// <summary>Works on one sandbox. <paramref name="known"/> is the piped object, if any (it may be stale).</summary>
    private protected abstract Task ProcessSandboxAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, CancellationToken ct);

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
