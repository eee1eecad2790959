using System;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Files;

/// <summary>Set-DaytonaItemPermission: the mode, owner and group of sandbox files and folders (POST /files/permissions), like chmod/chown.</summary>
[Cmdlet(VerbsCommon.Set, "DaytonaItemPermission", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(DaytonaPS.FileInfo))]
public sealed class SetDaytonaItemPermissionCommand : DaytonaFileCmdlet
{
    /// <summary>Sandbox paths.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Permission bits in octal, e.g. 755 or 0640.</summary>
    [Parameter]
    [ValidatePattern("^[0-7]{3,4}$")]
    public string? Mode { get; set; }

    /// <summary>The new owner (user name or uid).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Owner { get; set; }

    /// <summary>The new group (group name or gid).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Group { get; set; }

    /// <summary>Return the changed items.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        if (Mode is null && Owner is null && Group is null) ThrowInvalidArgument("Give at least one of -Mode, -Owner and -Group.");
    }

    private protected override object? CaptureRecordState() => Path;

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var files = Files(pipe, toolbox);
        var change = string.Join(", ", new[] { Mode is null ? null : "mode " + Mode, Owner is null ? null : "owner " + Owner, Group is null ? null : "group " + Group }.Where(part => part is not null));
        foreach (var path in (string[])state!)
        {
            if (!await pipe.ShouldProcessAsync(InSandbox(path, display), "Set " + change).ConfigureAwait(false)) continue;
            await ForPathAsync(pipe, path, async () =>
            {
                await files.SetPermissionsAsync(path, Mode, Owner, Group, ct).ConfigureAwait(false);
                if (PassThru) pipe.WriteObject(new DaytonaPS.FileInfo(files.SandboxId, await files.GetInfoAsync(path, ct).ConfigureAwait(false)));
            }).ConfigureAwait(false);
        }
    }
}
