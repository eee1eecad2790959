using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Files;

/// <summary>Get-DaytonaItem: one file or folder of a sandbox (GET /files/info), like Get-Item.</summary>
[Cmdlet(VerbsCommon.Get, "DaytonaItem", DefaultParameterSetName = IdSet)]
[OutputType(typeof(DaytonaPS.FileInfo))]
public sealed class GetDaytonaItemCommand : DaytonaFileCmdlet
{
    /// <summary>Sandbox paths.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = System.Array.Empty<string>();

    private protected override object? CaptureRecordState() => Path;

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var files = Files(pipe, toolbox);
        foreach (var path in (string[])state!)
        {
            await ForPathAsync(pipe, path, async () =>
                pipe.WriteObject(new DaytonaPS.FileInfo(files.SandboxId, await files.GetInfoAsync(path, ct).ConfigureAwait(false)))).ConfigureAwait(false);
        }
    }
}
