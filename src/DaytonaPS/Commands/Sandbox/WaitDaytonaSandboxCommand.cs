using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Commands.Sandbox;

/// <summary>Wait-DaytonaSandbox: blocks until sandboxes reach a state; throws on timeout or on error/build_failed.</summary>
[Cmdlet(VerbsLifecycle.Wait, "DaytonaSandbox", DefaultParameterSetName = IdSet)]
[OutputType(typeof(DaytonaPS.Sandbox))]
public sealed class WaitDaytonaSandboxCommand : DaytonaSandboxCmdlet
{
    /// <summary>The states to wait for (any of them); default started. 'destroyed' waits until it is gone.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SandboxStateCompleter))]
    public string[] State { get; set; } = { SandboxStates.Started };

    /// <summary>Seconds to wait (0 = no limit).</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; } = 60;

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, object? state, CancellationToken ct)
    {
        var key = known?.Id ?? idOrName;
        var display = known?.Describe() ?? DaytonaPS.Sandbox.Describe(idOrName, null);
        try
        {
            var dto = await Sandboxes(pipe).WaitForStateAsync(key, display, State, Seconds(TimeoutSec), ct).ConfigureAwait(false);
            if (dto is not null) pipe.WriteObject(new DaytonaPS.Sandbox(dto));
        }
        catch (DaytonaException ex)
        {
            // Wait-* throws: a timeout or a failed sandbox ends the command.
            throw new DaytonaException(ex.ErrorId, ex.Category, ex.Message, (object?)known ?? idOrName, terminating: true, innerException: ex);
        }
    }
}
