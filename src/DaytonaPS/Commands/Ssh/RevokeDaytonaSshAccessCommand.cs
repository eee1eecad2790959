using System;
using System.Management.Automation;
using System.Security;
using DaytonaPS.Api;
using DaytonaPS.Auth;
using DaytonaPS.Commands.Sandbox;

namespace DaytonaPS.Commands.Ssh;

/// <summary>
/// Revoke-DaytonaSshAccess: revokes one SSH access token (-Token, or an SshAccess from the
/// pipeline) or every token of a sandbox (-All), via DELETE /sandbox/{id}/ssh-access.
/// </summary>
[Cmdlet("Revoke", "DaytonaSshAccess", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = TokenSet)]
[OutputType(typeof(void))]
public sealed class RevokeDaytonaSshAccessCommand : DaytonaApiCmdlet
{
    private const string TokenSet = "Token";
    private const string AllSet = "All";
    private const string InputObjectSet = "InputObject";

    /// <summary>The sandbox id or name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = TokenSet)]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = AllSet)]
    [Alias("SandboxId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SandboxCompleter))]
    public string Id { get; set; } = string.Empty;

    /// <summary>The token to revoke: a SecureString, or a plain string.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = TokenSet)]
    [SecureStringTransformation]
    [ValidateNotNull]
    public SecureString? Token { get; set; }

    /// <summary>Revoke every SSH access token of the sandbox.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    /// <summary>SSH access objects from New-DaytonaSshAccess.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public SshAccess[] InputObject { get; set; } = Array.Empty<SshAccess>();

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var access in InputObject)
            {
                if (access is null) continue;
                Revoke(access.SandboxId, access.Token, access);
            }
        }
        else
        {
            Revoke(Id, All ? null : Token, Id);
        }
    }

    private void Revoke(string sandbox, SecureString? token, object target)
    {
        var display = DaytonaPS.Sandbox.Describe(sandbox, null);
        var action = token is null ? "Revoke all SSH access tokens" : "Revoke an SSH access token";
        if (!ShouldProcess(display, action)) return;
        Run(async (pipe, ct) =>
        {
            var plain = token is null ? null : SecretText.Reveal(token);
            await Api(pipe).RevokeSshAccessAsync(sandbox, plain, ct).ConfigureAwait(false);
        }, target);
    }
}
