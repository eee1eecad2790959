using System.Management.Automation;
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
            var connection = CredentialResolver.Resolve(Context, allowSecretManagement: true, throwIfNone: true, warn: WriteWarning)!;
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
}
