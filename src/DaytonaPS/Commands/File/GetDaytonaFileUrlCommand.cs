using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Files;

/// <summary>
/// Get-DaytonaFileUrl: pre-signed URLs for sandbox files, as the SDK's downloadUrl/uploadUrl make
/// them: one GET of the sandbox's signing key, then local HMAC signing (<see cref="SignedFileUrls"/>).
/// The URLs work without an API key (curl, a browser, a later pipeline stage) until they expire or
/// the key is rotated (Revoke-DaytonaFileUrl). Nothing on the sandbox changes, so no ShouldProcess.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DaytonaFileUrl", DefaultParameterSetName = IdSet)]
[OutputType(typeof(FileUrl))]
public sealed class GetDaytonaFileUrlCommand : DaytonaFileCmdlet
{
    /// <summary>Sandbox paths of the files (for -Upload: where the uploaded file will go).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Sign for uploading (POST /files/upload-v2) instead of downloading (GET /files/download).</summary>
    [Parameter]
    public SwitchParameter Upload { get; set; }

    /// <summary>How long the URL works, in seconds (default 3600, as the SDK).</summary>
    [Parameter]
    [ValidateRange(1, 31 * 24 * 3600)]
    public int ExpiresInSeconds { get; set; } = SignedFileUrls.DefaultTtlSeconds;

    /// <summary>A URL that never expires (it works until the signing key is rotated).</summary>
    [Parameter]
    public SwitchParameter NoExpiry { get; set; }

    protected override void BeginProcessing()
    {
        if (NoExpiry && MyInvocation.BoundParameters.ContainsKey(nameof(ExpiresInSeconds)))
            ThrowInvalidArgument("-NoExpiry and -ExpiresInSeconds contradict each other: give one of them.", target: ExpiresInSeconds);
        base.BeginProcessing();
    }

    private protected override object? CaptureRecordState() => Path;

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var operation = Upload ? FileUrlOperation.Upload : FileUrlOperation.Download;
        var key = await Api(pipe).GetSigningKeyAsync(toolbox.SandboxId, ct).ConfigureAwait(false);
        foreach (var path in (string[])state!)
        {
            var now = DateTimeOffset.UtcNow;
            var expires = SignedFileUrls.Expires(NoExpiry ? 0 : ExpiresInSeconds, now);
            DateTimeOffset? expiresAt = expires == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(expires);
            var url = new FileUrl(toolbox.SandboxId, toolbox.SandboxName, path, operation.ToString(), SignedFileUrls.Method(operation),
                SignedFileUrls.Build(toolbox, operation, path, key, expires), SignedFileUrls.Masked(toolbox, operation, path, expires), expiresAt);
            pipe.WriteVerbose($"Signed a {operation.ToString().ToLowerInvariant()} URL for {InSandbox(path, display)}, " +
                (expiresAt is { } at ? "valid until " + at.ToString("u", System.Globalization.CultureInfo.InvariantCulture) : "never expiring") + ".");
            pipe.WriteObject(url);
        }
    }
}
