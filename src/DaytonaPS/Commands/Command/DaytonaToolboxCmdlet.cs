using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Commands.Sandbox;

namespace DaytonaPS.Commands.Command;

/// <summary>
/// Base of the cmdlets that work inside sandboxes through the toolbox: the sandbox comes from the
/// pipeline (a DaytonaPS.Sandbox, or anything with an Id or SandboxId property) or -Id, and the
/// per-sandbox work runs concurrently, bounded by -ThrottleLimit, each result written as it completes.
/// Unlike <see cref="DaytonaSandboxCmdlet"/>, -Id is not positional (position 0 belongs to -Command).
/// </summary>
public abstract class DaytonaToolboxCmdlet : DaytonaApiCmdlet
{
    internal const string IdSet = "Id";
    internal const string InputObjectSet = "InputObject";

    /// <summary>Sandbox ids or names.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
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

    /// <summary>Values of pipeline-bound parameters the work needs, captured per record (the work runs later, concurrently).</summary>
    private protected virtual object? CaptureRecordState() => null;

    protected override void ProcessRecord()
    {
        var state = CaptureRecordState();
        EnqueueEach(ParameterSetName == InputObjectSet ? InputObject : null, Id, ThrottleLimit,
            (pipe, idOrName, known, ct) => ProcessOneAsync(pipe, idOrName, known, state, ct));
    }

    protected override void EndProcessing() => CompleteQueued();

    private async Task ProcessOneAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, object? state, CancellationToken ct)
    {
        var api = Api(pipe);
        var (toolbox, display) = await ToolboxClient.ForSandboxAsync(api, idOrName, known, ct).ConfigureAwait(false);
        await ProcessSandboxAsync(pipe, toolbox, display, state, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Works on one sandbox, through its toolbox. <paramref name="display"/> names it for ShouldProcess
    /// and messages; <paramref name="state"/> is what <see cref="CaptureRecordState"/> returned for this record.
    /// </summary>
    private protected abstract Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct);

    /// <summary>
    /// An -Environment hashtable as a map of valid variable names (letters, digits and _, not starting with a digit);
    /// null for none. An invalid name terminates: call from BeginProcessing.
    /// </summary>
    private protected Dictionary<string, string>? EnvironmentMap(IDictionary? environment)
    {
        if (environment is null) return null;
        var map = ParameterMaps.ToStringMap(environment);
        foreach (var name in map.Keys)
        {
            if (!CommandScript.IsValidEnvironmentName(name))
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"-Environment: '{name}' is not a valid environment variable name (letters, digits and _, not starting with a digit)."),
                    ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, name));
            }
        }
        return map;
    }
}
