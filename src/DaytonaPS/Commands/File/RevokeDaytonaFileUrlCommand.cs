using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Files;

/// <summary>
/// Revoke-DaytonaFileUrl: rotates a sandbox's signing key (POST /sandbox/{id}/signing-key/rotate),
/// so every file URL signed with the old key stops working. Daytona has no way to revoke one
/// signed URL: the key is all there is, so piping several URLs of one sandbox rotates it once.
/// A piped DaytonaPS.FileUrl binds -Id through its SandboxId.
/// </summary>
[Cmdlet(VerbsSecurity.Revoke, "DaytonaFileUrl", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(void))]
public sealed class RevokeDaytonaFileUrlCommand : DaytonaSandboxCmdlet
{
    private readonly ConcurrentDictionary<string, bool> _rotated = new(StringComparer.Ordinal);

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, object? state, CancellationToken ct)
    {
        var (id, display) = await ResolveAsync(pipe, idOrName, known, ct).ConfigureAwait(false);
        if (!_rotated.TryAdd(id, true)) return;
        if (!await pipe.ShouldProcessAsync(display, "Revoke every signed file URL (rotate the signing key)").ConfigureAwait(false)) return;
        await Api(pipe).RotateSigningKeyAsync(id, ct).ConfigureAwait(false);
        pipe.WriteVerbose($"{display}: signing key rotated; file URLs signed before no longer work.");
    }
}
