using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Commands.Sandbox;
using DaytonaPS.Ssh;

namespace DaytonaPS.Commands.Ssh;

/// <summary>
/// Enter-DaytonaSsh: opens the system OpenSSH client on a sandbox with the console inherited
/// (starting the sandbox first unless -NoStart), or runs one -Command and returns its exit code.
/// The token travels in a private temporary ssh config file, never on ssh's command line, and is
/// revoked when ssh exits unless -KeepAccess. Piped sandboxes are entered one after another.
/// </summary>
[Cmdlet(VerbsCommon.Enter, "DaytonaSsh", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(SshResult))]
public sealed class EnterDaytonaSshCommand : DaytonaApiCmdlet
{
    private const string IdSet = "Id";
    private const string InputObjectSet = "InputObject";
    private static readonly TimeSpan CleanupBudget = TimeSpan.FromSeconds(15);

    private string _sshPath = string.Empty;
    private bool _interactive;

    /// <summary>The sandbox id or name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    [Alias("SandboxId")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SandboxCompleter))]
    public string Id { get; set; } = string.Empty;

    /// <summary>A sandbox from Get-DaytonaSandbox or New-DaytonaSandbox.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public DaytonaPS.Sandbox? InputObject { get; set; }

    /// <summary>Run this command remotely instead of opening a shell; returns a DaytonaPS.SshResult.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Command { get; set; }

    /// <summary>How long the SSH access token is valid, in minutes.</summary>
    [Parameter]
    [ValidateRange(1, 1440)]
    public int ExpiresInMinutes { get; set; } = 60;

    /// <summary>The ssh executable (default: ssh on PATH).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SshPath { get; set; }

    /// <summary>Extra ssh options, e.g. '-o','ServerAliveInterval=10' or '-L','8080:localhost:3000'.</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] SshArgument { get; set; } = Array.Empty<string>();

    /// <summary>Fail instead of starting a sandbox that is not started.</summary>
    [Parameter]
    public SwitchParameter NoStart { get; set; }

    /// <summary>Leave the token valid when ssh exits (it still expires after -ExpiresInMinutes).</summary>
    [Parameter]
    public SwitchParameter KeepAccess { get; set; }

    /// <summary>How long to wait for a stopped sandbox to start, in seconds (0 = no limit).</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; } = 120;

    protected override void BeginProcessing()
    {
        // Everything that can fail without the network fails first, before a token exists.
        try
        {
            SshClient.ValidateExtraArguments(SshArgument);
            var why = SshInteractivity.WhyNotInteractive(Host);
            _interactive = why is null;
            if (Command is null && why is not null)
            {
                throw new DaytonaException(ErrorIds.SshNotInteractive, ErrorCategory.InvalidOperation,
                    $"Enter-DaytonaSsh cannot open an interactive shell: {why}.", terminating: true,
                    recommendedAction: "Run one command with Enter-DaytonaSsh -Command '...', or use Invoke-DaytonaCommand.");
            }
            _sshPath = SshClient.Locate(SshPath);
        }
        catch (DaytonaException ex)
        {
            ThrowTerminatingError(ErrorMapper.ToErrorRecord(ex, null));
        }
        WriteDebug("ssh: " + _sshPath);
        base.BeginProcessing();
    }

    protected override void ProcessRecord()
    {
        var key = ParameterSetName == InputObjectSet ? InputObject!.Id : Id.Trim();
        object target = (object?)InputObject ?? key;
        Task? session = null;
        try
        {
            Run((pipe, ct) => session = SessionAsync(pipe, key, ct), target);
        }
        finally
        {
            // On Ctrl+C the pipeline stops at once; give the session's cleanup (kill ssh, delete the
            // config file, revoke the token) a bounded moment to finish before the prompt returns.
            var pending = session;
            if (pending is { IsCompleted: false })
            {
                try { pending.Wait(CleanupBudget); }
                catch (AggregateException) { }
            }
        }
    }

    private async Task SessionAsync(CmdletPipe pipe, string idOrName, CancellationToken ct)
    {
        var api = Api(pipe);
        var dto = await FetchAsync(pipe, idOrName, ct).ConfigureAwait(false);
        var display = DaytonaPS.Sandbox.Describe(dto);
        var needsStart = dto.State != SandboxStates.Started;
        if (needsStart && NoStart)
        {
            throw new DaytonaException(ErrorIds.SandboxNotStarted, ErrorCategory.InvalidOperation,
                $"{display} is {dto.State ?? "in an unknown state"}, and -NoStart was given.", dto.Id,
                recommendedAction: "Start it with Start-DaytonaSandbox, or leave out -NoStart.");
        }
        var action = (needsStart ? "Start the sandbox, then " : string.Empty) +
            (Command is null ? "open an SSH session" : "run '" + Command + "' over SSH") + " (mints an SSH access token)";
        if (!await pipe.ShouldProcessAsync(display, action).ConfigureAwait(false)) return;

        if (needsStart)
        {
            dto = await Sandboxes(pipe).StartAsync(dto, display, true, Seconds(TimeoutSec), ct).ConfigureAwait(false);
        }

        var access = await api.CreateSshAccessAsync(dto.Id, ExpiresInMinutes, ct).ConfigureAwait(false);
        var token = access.Token;
        try
        {
            var endpoint = SshEndpoint.Parse(access.SshCommand, dto.Id);
            pipe.WriteVerbose(string.Format(CultureInfo.InvariantCulture, "SSH access token for {0} (gateway {1}:{2}, expires {3}).",
                display, endpoint.Host, endpoint.Port, access.ExpiresAt ?? "?"));
            var alias = SshConfigFile.AliasFor(dto.Id);
            using var config = SshConfigFile.Create(SshConfigFile.Render(alias, endpoint, token));
            var args = SshClient.BuildArguments(config.FilePath, alias, SshArgument, DebugRequested, noStdin: Command is not null && !_interactive, Command);
            pipe.WriteVerbose($"{_sshPath} {string.Join(" ", args)}");
            var started = DateTimeOffset.UtcNow;
            var watch = Stopwatch.StartNew();
            var exitCode = await SshClient.RunAsync(_sshPath, args, token, ct).ConfigureAwait(false);
            watch.Stop();
            pipe.WriteVerbose(string.Format(CultureInfo.InvariantCulture, "ssh exited with code {0} after {1:0.0} s.", exitCode, watch.Elapsed.TotalSeconds));
            if (Command is not null)
            {
                pipe.WriteObject(new SshResult(dto.Id, Command, exitCode, started, watch.Elapsed) { SandboxName = string.IsNullOrEmpty(dto.Name) ? dto.Id : dto.Name });
            }
            else if (exitCode == 255)
            {
                pipe.WriteWarning($"ssh exited with code 255: the connection or authentication to {display} failed (or the last remote command exited with 255).");
            }
        }
        finally
        {
            if (!KeepAccess) await RevokeQuietlyAsync(api, pipe, dto.Id, display, token).ConfigureAwait(false);
        }
    }

    private bool DebugRequested =>
        MyInvocation.BoundParameters.TryGetValue("Debug", out var d) && (d is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(d));

    /// <summary>Revokes with its own short deadline: it must also run after Ctrl+C cancelled the cmdlet's token.</summary>
    private static async Task RevokeQuietlyAsync(DaytonaApiClient api, CmdletPipe pipe, string sandboxId, string display, string token)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await api.RevokeSshAccessAsync(sandboxId, token, cts.Token).ConfigureAwait(false);
            pipe.WriteVerbose($"Revoked the SSH access token for {display}.");
        }
        catch (Exception ex) when (ex is DaytonaApiException || ex is OperationCanceledException)
        {
            pipe.WriteWarning($"Could not revoke the SSH access token for {display} ({ex.Message}); it expires by itself. Revoke-DaytonaSshAccess -Id {sandboxId} -All revokes every token.");
        }
    }
}
