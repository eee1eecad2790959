using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Commands.Command;

namespace DaytonaPS.Commands.Sandbox;

/// <summary>
/// Get-DaytonaSandboxDirectory: the user's home folder and the working folder of each sandbox
/// (toolbox GET /user-home-dir and GET /work-dir, the SDK's getUserHomeDir and getWorkDir).
/// </summary>
[Cmdlet(VerbsCommon.Get, "DaytonaSandboxDirectory", DefaultParameterSetName = IdSet)]
[OutputType(typeof(SandboxDirectory))]
public sealed class GetDaytonaSandboxDirectoryCommand : DaytonaToolboxCmdlet
{
    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct)
    {
        var home = await toolbox.GetUserHomeDirAsync(ct).ConfigureAwait(false);
        var work = await toolbox.GetWorkDirAsync(ct).ConfigureAwait(false);
        pipe.WriteObject(new SandboxDirectory(toolbox.SandboxId, toolbox.SandboxName, home, work));
    }
}
