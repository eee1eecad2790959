using System.Management.Automation;
using DaytonaPS.Auth;

namespace DaytonaPS.Commands.Connection;

/// <summary>Disconnect-Daytona: forgets the Connect-Daytona credential of this session (or closes one -Context).</summary>
[Cmdlet(VerbsCommunications.Disconnect, "Daytona")]
[OutputType(typeof(void))]
public sealed class DisconnectDaytonaCommand : DaytonaCmdlet
{
    /// <summary>Close this context instead of the session's connection.</summary>
    [Parameter(ValueFromPipeline = true)]
    [ValidateNotNull]
    public Context? Context { get; set; }

    protected override void ProcessRecord()
    {
        var state = RunspaceState.Current;
        lock (state.Gate)
        {
            if (Context is not null)
            {
                if (ReferenceEquals(state.Connected, Context.Connection)) state.Connected = null;
                if (ReferenceEquals(state.Ambient, Context.Connection)) state.Ambient = null;
                Context.Connection.Dispose();
                WriteVerbose($"Closed the context for {Context.ApiUrl}.");
                return;
            }
            if (state.Connected is null)
            {
                WriteVerbose("Not connected with Connect-Daytona in this session; nothing to do.");
            }
            else
            {
                WriteVerbose($"Disconnected from {state.Connected.ApiUrl}.");
                state.Connected.Dispose();
                state.Connected = null;
            }
            state.Ambient?.Dispose();
            state.Ambient = null;
            state.CompletionCache = null;
        }
        if (CredentialResolver.Env(CredentialResolver.ApiKeyVariable) is not null || CredentialResolver.Env(CredentialResolver.JwtVariable) is not null)
        {
            WriteVerbose("DAYTONA_API_KEY or DAYTONA_JWT_TOKEN is still set, so cmdlets will keep using it.");
        }
    }
}
