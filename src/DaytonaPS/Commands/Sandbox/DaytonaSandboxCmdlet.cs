using System;
using System.Collections.Generic;
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

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var sandbox in InputObject)
            {
                if (sandbox is null) continue;
                var s = sandbox;
                Enqueue((pipe, ct) => ProcessSandboxAsync(pipe, s.Id, s, ct), s, ThrottleLimit);
            }
        }
        else
        {
            foreach (var id in Id)
            {
                if (string.IsNullOrWhiteSpace(id)) continue;
                var key = id.Trim();
                Enqueue((pipe, ct) => ProcessSandboxAsync(pipe, key, null, ct), key, ThrottleLimit);
            }
        }
    }

    protected override void EndProcessing() => CompleteQueued();

    /// <summary>Works on one sandbox. <paramref name="known"/> is the piped object, if any (it may be stale).</summary>
    private protected abstract Task ProcessSandboxAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, CancellationToken ct);

    /// <summary>GET /sandbox/{idOrName}: the current state.</summary>
    private protected async Task<SandboxDto> FetchAsync(CmdletPipe pipe, string idOrName, CancellationToken ct) =>
        await Api(pipe).GetSandboxAsync(idOrName, ct).ConfigureAwait(false)
        ?? throw new DaytonaApiException($"Daytona returned no sandbox for '{idOrName}'.", DaytonaFailureKind.HttpError, 404, "GET", "/sandbox/" + idOrName);

    private protected static string Describe(SandboxDto dto) => new DaytonaPS.Sandbox(dto).Describe();

    private protected static TimeSpan Seconds(int seconds) => seconds <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(seconds);

    private protected static Dictionary<string, string> ToStringMap(System.Collections.IDictionary? table)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (table is null) return map;
        foreach (System.Collections.DictionaryEntry entry in table)
        {
            var key = LanguagePrimitives.ConvertTo<string>(entry.Key);
            map[key] = entry.Value is null ? string.Empty : LanguagePrimitives.ConvertTo<string>(entry.Value);
        }
        return map;
    }
}
