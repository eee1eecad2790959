using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Commands.Command;

namespace DaytonaPS.Commands.Code;

/// <summary>Get-DaytonaCodeContext: the interpreter contexts users created in sandboxes (not the default one).</summary>
[Cmdlet(VerbsCommon.Get, "DaytonaCodeContext", DefaultParameterSetName = IdSet)]
[OutputType(typeof(CodeContext))]
public sealed class GetDaytonaCodeContextCommand : DaytonaToolboxCmdlet
{
    /// <summary>Context ids (wildcards allowed). Default: every context.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? ContextId { get; set; }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var contexts = await new CodeInterpreter(toolbox).ListContextsAsync(ct).ConfigureAwait(false);
        if (ContextId is null)
        {
            foreach (var c in contexts) pipe.WriteObject(c);
            return;
        }
        foreach (var wanted in ContextId)
        {
            var pattern = WildcardPattern.Get(wanted, WildcardOptions.IgnoreCase);
            var matches = contexts.Where(c => pattern.IsMatch(c.ContextId)).ToList();
            // An exact id that does not exist is an error, as with Get-DaytonaSession -SessionId.
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(wanted))
            {
                pipe.WriteFailure(new DaytonaException(ErrorIds.NotFound, ErrorCategory.ObjectNotFound,
                    $"{display} has no interpreter context '{wanted}'.", wanted), wanted);
            }
            foreach (var c in matches) pipe.WriteObject(c);
        }
    }
}
