using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Sandbox;

/// <summary>
/// Resize-DaytonaSandbox: changes a sandbox's vCPUs, memory and disk (Daytona's rules: disk only
/// while stopped and never smaller; a running sandbox only grows; a change to nothing is refused),
/// and waits until the resize is over.
/// </summary>
[Cmdlet(VerbsCommon.Resize, "DaytonaSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(DaytonaPS.Sandbox))]
public sealed class ResizeDaytonaSandboxCommand : DaytonaSandboxCmdlet
{
    /// <summary>vCPUs.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int Cpu { get; set; }

    /// <summary>Memory in GB.</summary>
    [Parameter]
    [ValidateRange(1, 65536)]
    public int Memory { get; set; }

    /// <summary>Disk in GB (only while stopped; it can only grow).</summary>
    [Parameter]
    [ValidateRange(1, 65536)]
    public int Disk { get; set; }

    [Parameter]
    public SwitchParameter NoWait { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; } = 300;

    private ResizeSandboxDto _body = new();
    private string _change = string.Empty;

    protected override void BeginProcessing()
    {
        var bound = MyInvocation.BoundParameters;
        _body = new ResizeSandboxDto
        {
            Cpu = bound.ContainsKey(nameof(Cpu)) ? Cpu : null,
            Memory = bound.ContainsKey(nameof(Memory)) ? Memory : null,
            Disk = bound.ContainsKey(nameof(Disk)) ? Disk : null,
        };
        if (_body.Cpu is null && _body.Memory is null && _body.Disk is null)
            ThrowInvalidArgument("Give -Cpu, -Memory or -Disk: a resize to nothing is refused by Daytona.");
        var parts = new List<string>();
        if (_body.Cpu is { } c) parts.Add($"{c} vCPU");
        if (_body.Memory is { } m) parts.Add($"{m} GB memory");
        if (_body.Disk is { } d) parts.Add($"{d} GB disk");
        _change = "Resize to " + string.Join(", ", parts);
        base.BeginProcessing();
    }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, object? state, CancellationToken ct)
    {
        var (id, display) = await ResolveAsync(pipe, idOrName, known, ct).ConfigureAwait(false);
        if (!await pipe.ShouldProcessAsync(display, _change).ConfigureAwait(false)) return;
        var api = Api(pipe);
        var reply = await api.ResizeSandboxAsync(id, _body, ct).ConfigureAwait(false);
        pipe.WriteVerbose($"{display}: {reply?.State ?? "resize accepted"}");
        var result = NoWait || reply?.State is SandboxStates.Started or SandboxStates.Stopped
            ? reply ?? await FetchAsync(pipe, id, ct).ConfigureAwait(false)
            : await Sandboxes(pipe).WaitForStateAsync(id, display, new[] { SandboxStates.Started, SandboxStates.Stopped }, Seconds(TimeoutSec), ct).ConfigureAwait(false);
        if (PassThru && result is not null) pipe.WriteObject(new DaytonaPS.Sandbox(result));
    }
}
