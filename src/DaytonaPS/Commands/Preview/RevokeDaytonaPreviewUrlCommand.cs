using System;
using System.Management.Automation;
using DaytonaPS.Api;
using DaytonaPS.Auth;

namespace DaytonaPS.Commands.Preview;

/// <summary>
/// Revoke-DaytonaPreviewUrl: expires signed preview URLs before their time (piped from
/// Get-DaytonaPreviewUrl -Signed), or with -All rotates a sandbox's signing key so that every
/// signed URL made so far stops working.
/// </summary>
[Cmdlet(VerbsSecurity.Revoke, "DaytonaPreviewUrl", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = UrlSet)]
[OutputType(typeof(void))]
public sealed class RevokeDaytonaPreviewUrlCommand : DaytonaApiCmdlet
{
    private const string UrlSet = "PreviewUrl";
    private const string AllSet = "All";

    /// <summary>Signed preview URLs from Get-DaytonaPreviewUrl -Signed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = UrlSet)]
    [ValidateNotNull]
    public DaytonaPS.PreviewUrl[] InputObject { get; set; } = Array.Empty<DaytonaPS.PreviewUrl>();

    /// <summary>The sandbox (id or name) whose signed URLs all stop working.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = AllSet)]
    [Alias("SandboxId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Sandbox.SandboxCompleter))]
    public string Id { get; set; } = string.Empty;

    /// <summary>Rotate the sandbox's signing key: every signed preview URL of every port is revoked.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == AllSet)
        {
            var id = Id.Trim();
            Run(async (pipe, ct) =>
            {
                var dto = await FetchAsync(pipe, id, ct).ConfigureAwait(false);
                var display = DaytonaPS.Sandbox.Describe(dto);
                if (!await pipe.ShouldProcessAsync(display, "Revoke every signed preview URL (rotate the signing key)").ConfigureAwait(false)) return;
                await Api(pipe).RotateSigningKeyAsync(dto.Id, ct).ConfigureAwait(false);
                pipe.WriteVerbose($"{display}: signing key rotated; earlier signed preview URLs no longer work.");
            }, id);
            return;
        }
        foreach (var url in InputObject)
        {
            if (url is null) continue;
            if (!url.Signed)
            {
                WriteError(ErrorMapper.ToErrorRecord(new DaytonaException(ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
                    $"{url.DisplayUrl} is a standard preview URL: only signed URLs expire.", url,
                    recommendedAction: "Make the sandbox private (Set-DaytonaSandbox -Public:$false) to close standard preview URLs to others."), url));
                continue;
            }
            Run(async (pipe, ct) =>
            {
                if (!await pipe.ShouldProcessAsync($"{url.DisplayUrl} (sandbox '{url.SandboxId}', port {url.Port})", "Expire signed preview URL").ConfigureAwait(false)) return;
                await Api(pipe).ExpireSignedPreviewUrlAsync(url.SandboxId, url.Port, SecretText.Reveal(url.Token), ct).ConfigureAwait(false);
                pipe.WriteVerbose($"Expired {url.DisplayUrl}.");
            }, url);
        }
    }
}
