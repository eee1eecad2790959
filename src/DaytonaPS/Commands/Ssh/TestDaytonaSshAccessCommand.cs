using System;
using System.Management.Automation;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Auth;

namespace DaytonaPS.Commands.Ssh;

/// <summary>
/// Test-DaytonaSshAccess: asks Daytona whether an SSH access token is valid (GET
/// /sandbox/ssh-access/validate?token=..., not scoped to a sandbox) and for which sandbox. The token
/// comes as a SecureString or inside SshAccess objects; it is revealed only for the request, whose
/// URL the client logs with the token redacted. -Quiet answers just $true or $false, as Test-Connection -Quiet.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "DaytonaSshAccess", DefaultParameterSetName = TokenSet)]
[OutputType(typeof(SshAccessValidation))]
[OutputType(typeof(bool))]
public sealed class TestDaytonaSshAccessCommand : DaytonaApiCmdlet
{
    private const string TokenSet = "Token";
    private const string InputObjectSet = "InputObject";

    /// <summary>The token to test: a SecureString, or a plain string.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = TokenSet)]
    [SecureStringTransformation]
    [ValidateNotNull]
    public SecureString? Token { get; set; }

    /// <summary>SSH access objects from New-DaytonaSshAccess.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public SshAccess[] InputObject { get; set; } = Array.Empty<SshAccess>();

    /// <summary>Return only $true (valid) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var access in InputObject)
            {
                if (access is not null) Validate(access.Token, access);
            }
        }
        else if (Token is not null)
        {
            Validate(Token, null);
        }
    }

    private void Validate(SecureString token, SshAccess? access)
    {
        if (token.Length == 0)
        {
            // Daytona answers an empty token with 400; say what to give instead.
            WriteError(ErrorMapper.ToErrorRecord(new DaytonaException(ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
                "The SSH access token is empty.", access?.SandboxId,
                recommendedAction: "Give the Token of New-DaytonaSshAccess (or pipe its object)."), access?.SandboxId));
            return;
        }
        var quiet = Quiet.IsPresent;
        Run(async (pipe, ct) =>
        {
            var reply = await Api(pipe).ValidateSshAccessAsync(SecretText.Reveal(token), ct).ConfigureAwait(false);
            if (quiet)
            {
                pipe.WriteObject(reply.Valid);
                return;
            }
            var name = reply.Valid && !string.IsNullOrEmpty(reply.SandboxId) ? await SandboxNameAsync(pipe, reply.SandboxId!, ct).ConfigureAwait(false) : null;
            pipe.WriteObject(new SshAccessValidation(reply.Valid, reply.Valid ? reply.SandboxId : null, name));
        }, access?.SandboxId);
    }

    /// <summary>The sandbox's name, or null when it cannot be read (the validation itself stands).</summary>
    private async Task<string?> SandboxNameAsync(CmdletPipe pipe, string sandboxId, CancellationToken ct)
    {
        try
        {
            return (await FetchAsync(pipe, sandboxId, ct).ConfigureAwait(false)).Name;
        }
        catch (DaytonaException ex)
        {
            pipe.WriteVerbose($"The name of sandbox {sandboxId} could not be read: {ex.Message}");
        }
        catch (DaytonaApiException ex)
        {
            pipe.WriteVerbose($"The name of sandbox {sandboxId} could not be read: {ex.Message}");
        }
        return null;
    }
}
