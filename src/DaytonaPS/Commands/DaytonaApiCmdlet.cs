using System;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Auth;

namespace DaytonaPS.Commands;

/// <summary>
/// Base of every cmdlet that calls Daytona: adds -Context, resolves the connection once through
/// the credential chain in BeginProcessing (terminating NotConnected when there is none) and hands
/// out API clients bound to the cmdlet's async pipe. To add a cmdlet: derive from this, bind
/// parameters, and in ProcessRecord call <c>Run(async (pipe, ct) =&gt; { var api = Api(pipe); ... pipe.WriteObject(...); })</c>
/// (or <c>Enqueue</c> for concurrent per-record work, with <c>CompleteQueued()</c> in EndProcessing).
/// </summary>
public abstract class DaytonaApiCmdlet : DaytonaCmdlet
{
    private DaytonaConnection? _connection;

    /// <summary>A context from Connect-Daytona -PassThru, used instead of the session's credential.</summary>
    [Parameter]
    [ValidateNotNull]
    public Context? Context { get; set; }

    internal DaytonaConnection Connection => _connection ??= ResolveConnection();

    protected override void BeginProcessing()
    {
        _ = Connection;
    }

    private DaytonaConnection ResolveConnection()
    {
        try
        {
            var connection = CredentialResolver.Resolve(Context, allowSecretManagement: true, throwIfNone: true, warn: WriteWarning, cmdlet: this)!;
            WriteVerbose($"Daytona {connection.ApiUrl}: {connection.AuthType} credential from {(Context is not null ? "-Context, " : string.Empty)}{connection.SourceDetail}");
            return connection;
        }
        catch (DaytonaException ex)
        {
            ThrowTerminatingError(ErrorMapper.ToErrorRecord(ex, null));
            throw; // not reached
        }
    }

    /// <summary>An API client that logs to <paramref name="pipe"/> (verbose, retries, progress).</summary>
    private protected DaytonaApiClient Api(CmdletPipe pipe) => new(Connection, pipe);

    /// <summary>Sandbox operations (waits, create without duplicates, ...) that log to <paramref name="pipe"/>.</summary>
    private protected SandboxOperations Sandboxes(CmdletPipe pipe) => new(Api(pipe));

    /// <summary>GET /sandbox/{idOrName}: the current state (an unknown id or name is ObjectNotFound).</summary>
    private protected async Task<SandboxDto> FetchAsync(CmdletPipe pipe, string idOrName, CancellationToken ct) =>
        await Api(pipe).GetSandboxAsync(idOrName, ct).ConfigureAwait(false)
        ?? throw DaytonaApiException.NotFound($"Daytona returned no sandbox for '{idOrName}'.", "GET", "/sandbox/" + idOrName);

    /// <summary>A -TimeoutSec value as a timeout; 0 (no limit) is TimeSpan.Zero, as SandboxOperations takes it.</summary>
    private protected static TimeSpan Seconds(int seconds) => seconds <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(seconds);

    /// <summary>
    /// Starts <paramref name="work"/> for each piped sandbox (<paramref name="sandboxes"/>, when the InputObject set is
    /// bound) or else for each id or name, concurrently and bounded by <paramref name="throttleLimit"/> (see
    /// <see cref="DaytonaCmdlet.Enqueue"/>). Null and blank entries are skipped; ids are trimmed. A failure's target is the
    /// sandbox object, or the id.
    /// </summary>
    private protected void EnqueueEach(DaytonaPS.Sandbox[]? sandboxes, string[] ids, int throttleLimit,
        Func<CmdletPipe, string, DaytonaPS.Sandbox?, CancellationToken, Task> work)
    {
        // Not piped: this one call has every item, so the total is known ("n of N" progress).
        if (!MyInvocation.ExpectingInput) SetBulkTotal(sandboxes?.Count(s => s is not null) ?? ids.Count(id => !string.IsNullOrWhiteSpace(id)));
        if (sandboxes is not null)
        {
            foreach (var sandbox in sandboxes)
            {
                if (sandbox is null) continue;
                Enqueue((pipe, ct) => work(pipe, sandbox.Id, sandbox, ct), sandbox, throttleLimit);
            }
            return;
        }
        foreach (var id in ids)
        {
            if (string.IsNullOrWhiteSpace(id)) continue;
            var key = id.Trim();
            Enqueue((pipe, ct) => work(pipe, key, null, ct), key, throttleLimit);
        }
    }
}
