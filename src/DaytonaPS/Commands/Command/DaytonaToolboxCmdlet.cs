using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Commands.Sandbox;

namespace DaytonaPS.Commands.Command;

/// <summary>
/// Base of the cmdlets that work inside sandboxes through the toolbox: the sandbox binding of
/// <see cref="DaytonaSandboxCmdlet"/>, with -Id not positional (position 0 belongs to -Command),
/// and each sandbox's work handed a <see cref="ToolboxClient"/> for it.
/// </summary>
public abstract class DaytonaToolboxCmdlet : DaytonaSandboxCmdlet
{
    /// <summary>Sandbox ids or names.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    [Alias("SandboxId", "Name")]
    [ValidateNotNullOrEmpty]
    [SandboxIdTransformation]
    [ArgumentCompleter(typeof(SandboxCompleter))]
    public override string[] Id { get; set; } = Array.Empty<string>();

    private protected sealed override async Task ProcessSandboxAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, object? state, CancellationToken ct)
    {
        var api = Api(pipe);
        var (toolbox, display) = await ToolboxClient.ForSandboxAsync(api, idOrName, known, ct).ConfigureAwait(false);
        if (StartFirst) await EnsureStartedAsync(pipe, api, toolbox.SandboxId, ct).ConfigureAwait(false);
        await ProcessSandboxAsync(pipe, toolbox, display, state, ct).ConfigureAwait(false);
    }

    /// <summary>True when the sandbox is to be started (and waited for) before the work: a cmdlet's -AutoStart.</summary>
    private protected virtual bool StartFirst => false;

    /// <summary>Starts a sandbox that is not started and waits until it is (one GET when it already runs).</summary>
    private static async Task EnsureStartedAsync(CmdletPipe pipe, DaytonaApiClient api, string sandboxId, CancellationToken ct)
    {
        var dto = await api.GetSandboxAsync(sandboxId, ct).ConfigureAwait(false)
            ?? throw DaytonaApiException.NotFound($"Daytona returned no sandbox for '{sandboxId}'.", "GET", "/sandbox/" + sandboxId);
        if (dto.State == "started") return;
        var display = DaytonaPS.Sandbox.Describe(dto);
        pipe.WriteVerbose($"{display} is {dto.State ?? "not started"}; starting it and waiting (-AutoStart).");
        await new SandboxOperations(api).StartAsync(dto, display, wait: true, CommandRunner.AutoStartTimeout, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Works on one sandbox, through its toolbox. <paramref name="display"/> names it for ShouldProcess
    /// and messages; <paramref name="state"/> is what <see cref="CaptureRecordState"/> returned for this record.
    /// </summary>
    private protected abstract Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct);

    /// <summary>
    /// An -Environment hashtable as a map of valid variable names (letters, digits and _, not starting with a digit);
    /// null for none. An invalid name terminates: call from BeginProcessing.
    /// </summary>
    private protected Dictionary<string, string>? EnvironmentMap(IDictionary? environment)
    {
        if (environment is null) return null;
        var map = ParameterMaps.ToStringMap(environment);
        foreach (var name in map.Keys)
        {
            if (!CommandScript.IsValidEnvironmentName(name))
            {
                ThrowInvalidArgument($"-Environment: '{name}' is not a valid environment variable name (letters, digits and _, not starting with a digit).", target: name);
            }
        }
        return map;
    }
}
