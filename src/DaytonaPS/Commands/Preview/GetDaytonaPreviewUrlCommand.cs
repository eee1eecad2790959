using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Commands.Sandbox;

namespace DaytonaPS.Commands.Preview;

/// <summary>
/// Get-DaytonaPreviewUrl: the preview URL of a sandbox port (GET .../ports/{port}/preview-url),
/// or with -Signed a URL that carries its own expiring token (.../signed-preview-url).
/// </summary>
[Cmdlet(VerbsCommon.Get, "DaytonaPreviewUrl", DefaultParameterSetName = IdSet)]
[OutputType(typeof(PreviewUrl))]
public sealed class GetDaytonaPreviewUrlCommand : DaytonaSandboxCmdlet
{
    /// <summary>The port(s) in the sandbox, 1-65535.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateRange(1, 65535)]
    public int[] Port { get; set; } = Array.Empty<int>();

    /// <summary>Get a signed URL: the token is part of the URL, and it expires.</summary>
    [Parameter]
    public SwitchParameter Signed { get; set; }

    /// <summary>How long a signed URL is valid, in seconds (1-86400, default 60). Only with -Signed.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int ExpiresInSeconds { get; set; } = 60;

    protected override void BeginProcessing()
    {
        if (MyInvocation.BoundParameters.ContainsKey(nameof(ExpiresInSeconds)) && !Signed)
        {
            ThrowInvalidArgument("-ExpiresInSeconds applies to signed URLs only: add -Signed.", target: ExpiresInSeconds);
        }
        base.BeginProcessing();
    }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, object? state, CancellationToken ct)
    {
        var id = known?.Id ?? idOrName;
        var name = known?.Name ?? idOrName;
        var api = Api(pipe);
        foreach (var port in Port)
        {
            if (Signed)
            {
                var requested = DateTimeOffset.UtcNow;
                var dto = await api.GetSignedPreviewUrlAsync(id, port, ExpiresInSeconds, ct).ConfigureAwait(false);
                pipe.WriteObject(new PreviewUrl(dto, id, port, true, requested.AddSeconds(ExpiresInSeconds)) { SandboxName = name });
            }
            else
            {
                var dto = await api.GetPreviewUrlAsync(id, port, ct).ConfigureAwait(false);
                pipe.WriteObject(new PreviewUrl(dto, id, port, false, null) { SandboxName = name });
            }
        }
    }
}
