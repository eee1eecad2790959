using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Commands.Command;

namespace DaytonaPS.Commands.Session;

/// <summary>Get-DaytonaSession: the sessions of sandboxes and their commands.</summary>
[Cmdlet(VerbsCommon.Get, "DaytonaSession", DefaultParameterSetName = IdSet)]
[OutputType(typeof(DaytonaPS.Session))]
public sealed class GetDaytonaSessionCommand : DaytonaToolboxCmdlet
{
    /// <summary>Session ids (wildcards allowed). Default: every session.</summary>
    [ArgumentCompleter(typeof(DaytonaPS.Commands.Session.SessionCompleter))]
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? SessionId { get; set; }

    /// <summary>Also list the sessions Invoke-DaytonaCommand keeps for itself.</summary>
    [Parameter]
    public SwitchParameter IncludeInternal { get; set; }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var patterns = SessionId?.Select(p => WildcardPattern.Get(p, WildcardOptions.IgnoreCase)).ToArray();
        // An exact id (no wildcard) that does not exist is an error, as with Get-DaytonaSandbox -Id.
        if (SessionId is { Length: > 0 } && SessionId.All(s => !WildcardPattern.ContainsWildcardCharacters(s)))
        {
            foreach (var id in SessionId)
            {
                try
                {
                    pipe.WriteObject(ToModel(toolbox.SandboxId, await toolbox.GetSessionAsync(id, ct).ConfigureAwait(false)));
                }
                catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.NotFound)
                {
                    pipe.WriteFailure(ex, id);
                }
            }
            return;
        }
        foreach (var s in await toolbox.ListSessionsAsync(ct).ConfigureAwait(false))
        {
            // Invoke-DaytonaCommand's own sessions stay hidden from listings, wildcards included, unless asked for.
            if (!IncludeInternal && s.SessionId.StartsWith(ExecSessionPool.SessionPrefix, System.StringComparison.Ordinal)) continue;
            if (patterns is not null && !patterns.Any(p => p.IsMatch(s.SessionId))) continue;
            pipe.WriteObject(ToModel(toolbox.SandboxId, s));
        }
    }

    internal static DaytonaPS.Session ToModel(string sandboxId, SessionDto dto) =>
        new(sandboxId, dto.SessionId, (dto.Commands ?? new()).Select(c =>
            new SessionCommand(sandboxId, dto.SessionId, c.Id, CommandScript.Original(c.Command), c.ExitCode)).ToList());
}
