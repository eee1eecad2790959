using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

using DaytonaPS.Api;

namespace DaytonaPS.Commands.Sandbox;

/// <summary>Set-DaytonaSandbox: changes labels, auto-stop/archive/delete/pause intervals, the TTL, network rules, preview visibility, mounted Daytona secrets and the environment of new commands, and records activity.</summary>
[Cmdlet(VerbsCommon.Set, "DaytonaSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
[OutputType(typeof(DaytonaPS.Sandbox))]
public sealed class SetDaytonaSandboxCommand : DaytonaSandboxCmdlet
{
    /// <summary>Labels to add or change; other labels stay.</summary>
    [Parameter]
    [ValidateNotNull]
    public Hashtable? Label { get; set; }

    /// <summary>The complete new set of labels (replaces all; @{} removes all).</summary>
    [Parameter]
    [ValidateNotNull]
    public Hashtable? ReplaceLabel { get; set; }

    /// <summary>Label keys to remove.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? RemoveLabel { get; set; }

    /// <summary>Minutes of inactivity before the sandbox stops; 0 = never.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int AutoStopMinutes { get; set; }

    /// <summary>Minutes stopped before it is archived; 0 = the maximum Daytona allows.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int AutoArchiveMinutes { get; set; }

    /// <summary>Minutes stopped before it is deleted; -1 = never, 0 = as soon as it stops.</summary>
    [Parameter]
    [ValidateRange(-1, int.MaxValue)]
    public int AutoDeleteMinutes { get; set; }

    /// <summary>Make preview links public (-Public) or private (-Public:$false).</summary>
    [Parameter]
    public SwitchParameter Public { get; set; }

    /// <summary>Minutes of inactivity before the sandbox pauses (VM classes); 0 = never.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int AutoPauseMinutes { get; set; }

    /// <summary>Minutes from now after which the sandbox is deleted whatever its state; 0 = no TTL.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int TtlMinutes { get; set; }

    /// <summary>Block all outbound traffic (-NetworkBlockAll), or allow it again (-NetworkBlockAll:$false, which also clears the allow list).</summary>
    [Parameter]
    public SwitchParameter NetworkBlockAll { get; set; }

    /// <summary>IPv4 CIDR networks outbound traffic may reach (at most 10); an empty list clears it. Lifts -NetworkBlockAll.</summary>
    [Parameter]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public string[]? NetworkAllowList { get; set; }

    /// <summary>Domains outbound traffic may reach (at most 10, '*.example.com' allowed); an empty list clears it.</summary>
    [Parameter]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public string[]? DomainAllowList { get; set; }

    /// <summary>Daytona secrets to mount, the complete new set: @{ENV_NAME = 'secretName'}; @{} detaches all.</summary>
    [Parameter]
    [ValidateNotNull]
    public Hashtable? Secret { get; set; }

    /// <summary>Environment variables to set for commands started from now on (the sandbox must be started).</summary>
    [Parameter]
    [ValidateNotNull]
    [Alias("Env")]
    public Hashtable? Environment { get; set; }

    /// <summary>Environment variable names to remove for commands started from now on (the sandbox must be started).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? RemoveEnvironment { get; set; }

    /// <summary>Record activity now, so that the auto-stop timer starts again.</summary>
    [Parameter]
    public SwitchParameter TouchActivity { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    // Which parameters were given, read on the pipeline thread: the per-sandbox work runs concurrently
    // while later piped input is bound, so it must not read MyInvocation.BoundParameters itself.
    private bool _setAutoStop, _setAutoArchive, _setAutoDelete, _setPublic, _setAutoPause, _setTtl, _setBlockAll;
    private string _changes = string.Empty;
    private List<Dictionary<string, string>>? _secretMounts;
    private Dictionary<string, string>? _setEnv;

    protected override void BeginProcessing()
    {
        if (Label is not null && ReplaceLabel is not null)
        {
            ThrowInvalidArgument("Use -Label (merge) or -ReplaceLabel (replace), not both.");
        }
        var bound = MyInvocation.BoundParameters;
        _setAutoStop = bound.ContainsKey(nameof(AutoStopMinutes));
        _setAutoArchive = bound.ContainsKey(nameof(AutoArchiveMinutes));
        _setAutoDelete = bound.ContainsKey(nameof(AutoDeleteMinutes));
        _setPublic = bound.ContainsKey(nameof(Public));
        _setAutoPause = bound.ContainsKey(nameof(AutoPauseMinutes));
        _setTtl = bound.ContainsKey(nameof(TtlMinutes));
        _setBlockAll = bound.ContainsKey(nameof(NetworkBlockAll));
        var pauseProblem = SandboxSettingRules.CheckAutoPause(_setAutoStop ? AutoStopMinutes : null, _setAutoPause ? AutoPauseMinutes : null,
            _setAutoDelete && AutoDeleteMinutes == 0);
        if (pauseProblem is not null) ThrowInvalidArgument(pauseProblem);
        if (Secret is not null)
        {
            _secretMounts = SandboxSettingRules.SecretMounts(Secret, out var secretProblem);
            if (secretProblem is not null) ThrowInvalidArgument(secretProblem, "Use -Secret @{ ENV_NAME = 'secret-name' }, or -Secret @{} to detach all.");
        }
        if (Environment is not null)
        {
            _setEnv = ParameterMaps.ToStringMap(Environment);
            var envProblem = SandboxSettingRules.CheckEnvironmentNames(_setEnv.Keys);
            if (envProblem is not null) ThrowInvalidArgument(envProblem);
        }
        if (RemoveEnvironment is not null)
        {
            var envProblem = SandboxSettingRules.CheckEnvironmentNames(RemoveEnvironment);
            if (envProblem is not null) ThrowInvalidArgument(envProblem);
        }
        var changes = new List<string>();
        if (Label is not null) changes.Add("merge labels");
        if (ReplaceLabel is not null) changes.Add("replace labels");
        if (RemoveLabel is not null) changes.Add("remove labels " + string.Join(", ", RemoveLabel));
        if (_setAutoStop) changes.Add($"auto-stop {AutoStopMinutes} min");
        if (_setAutoArchive) changes.Add($"auto-archive {AutoArchiveMinutes} min");
        if (_setAutoDelete) changes.Add($"auto-delete {AutoDeleteMinutes} min");
        if (_setPublic) changes.Add(Public ? "make public" : "make private");
        if (_setAutoPause) changes.Add($"auto-pause {AutoPauseMinutes} min");
        if (_setTtl) changes.Add(TtlMinutes == 0 ? "no TTL" : $"TTL {TtlMinutes} min from now");
        if (_setBlockAll) changes.Add(NetworkBlockAll ? "block all network" : "unblock network");
        if (NetworkAllowList is not null) changes.Add(NetworkAllowList.Length == 0 ? "clear network allow list" : "network allow list " + string.Join(",", NetworkAllowList));
        if (DomainAllowList is not null) changes.Add(DomainAllowList.Length == 0 ? "clear domain allow list" : "domain allow list " + string.Join(",", DomainAllowList));
        if (_secretMounts is not null) changes.Add(_secretMounts.Count == 0 ? "detach all secrets" : "secrets " + string.Join(", ", System.Linq.Enumerable.Select(_secretMounts, m => string.Join(",", m.Keys))));
        // Names only: values may be sensitive and -WhatIf/-Confirm text lands in transcripts.
        if (_setEnv is not null) changes.Add("environment " + string.Join(", ", _setEnv.Keys));
        if (RemoveEnvironment is not null) changes.Add("remove environment " + string.Join(", ", RemoveEnvironment));
        if (TouchActivity) changes.Add("record activity");
        _changes = string.Join("; ", changes);
        base.BeginProcessing();
    }

    private protected override async Task ProcessSandboxAsync(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, object? state, CancellationToken ct)
    {
        var api = Api(pipe);
        // The labels are read under the per-sandbox lock (ChangeLabelsAsync), so a piped sandbox needs no GET here.
        var (id, display) = await ResolveAsync(pipe, idOrName, known, ct).ConfigureAwait(false);
        if (_changes.Length == 0)
        {
            pipe.WriteVerbose($"{display}: nothing to change.");
        }
        else if (!await pipe.ShouldProcessAsync(display, "Set " + _changes).ConfigureAwait(false))
        {
            return;
        }
        else
        {
            if (ReplaceLabel is not null)
            {
                var labels = ParameterMaps.ToStringMap(ReplaceLabel);
                if (RemoveLabel is not null) foreach (var key in RemoveLabel) labels.Remove(key);
                await api.ReplaceLabelsAsync(id, labels, ct).ConfigureAwait(false);
            }
            else if (Label is not null || RemoveLabel is not null)
            {
                var merge = ParameterMaps.ToStringMap(Label);
                await Sandboxes(pipe).ChangeLabelsAsync(id, labels =>
                {
                    foreach (var pair in merge) labels[pair.Key] = pair.Value;
                    if (RemoveLabel is not null) foreach (var key in RemoveLabel) labels.Remove(key);
                }, ct).ConfigureAwait(false);
            }
            if (_setAutoStop) await api.SetIntervalAsync(id, "autostop", AutoStopMinutes, ct).ConfigureAwait(false);
            if (_setAutoArchive) await api.SetIntervalAsync(id, "autoarchive", AutoArchiveMinutes, ct).ConfigureAwait(false);
            if (_setAutoDelete) await api.SetIntervalAsync(id, "autodelete", AutoDeleteMinutes, ct).ConfigureAwait(false);
            if (_setPublic) await api.SetPublicAsync(id, Public.IsPresent, ct).ConfigureAwait(false);
            if (_setAutoPause) await api.SetIntervalAsync(id, "autopause", AutoPauseMinutes, ct).ConfigureAwait(false);
            if (_setTtl) await api.SetTtlAsync(id, TtlMinutes, ct).ConfigureAwait(false);
            if (_setBlockAll || NetworkAllowList is not null || DomainAllowList is not null)
            {
                // One call: Daytona applies block-all and the allow list together (an allow list lifts block-all).
                await api.SetNetworkSettingsAsync(id, new Api.NetworkSettingsDto
                {
                    NetworkBlockAll = _setBlockAll ? NetworkBlockAll.IsPresent : null,
                    NetworkAllowList = NetworkAllowList is null ? null : string.Join(",", System.Linq.Enumerable.Select(NetworkAllowList, n => n.Trim())),
                    DomainAllowList = DomainAllowList is null ? null : string.Join(",", System.Linq.Enumerable.Select(DomainAllowList, d => d.Trim())),
                }, ct).ConfigureAwait(false);
            }
            if (_secretMounts is not null) await api.UpdateSecretsAsync(id, _secretMounts, ct).ConfigureAwait(false);
            ToolboxClient? toolbox = null;
            if (_setEnv is not null || RemoveEnvironment is not null)
            {
                toolbox = (await ToolboxClient.ForSandboxAsync(api, id, known, ct).ConfigureAwait(false)).Client;
                await toolbox.UpdateEnvAsync(_setEnv, RemoveEnvironment, ct).ConfigureAwait(false);
            }
            if (_secretMounts is not null || toolbox is not null)
            {
                // Invoke-DaytonaCommand reuses session shells, which keep the environment they started with.
                toolbox ??= (await ToolboxClient.ForSandboxAsync(api, id, known, ct).ConfigureAwait(false)).Client;
                await RetireSessionsAsync(pipe, toolbox).ConfigureAwait(false);
            }
            if (TouchActivity) await api.TouchActivityAsync(id, ct).ConfigureAwait(false);
        }
        if (PassThru)
        {
            var fresh = await FetchAsync(pipe, id, ct).ConfigureAwait(false);
            pipe.WriteObject(new DaytonaPS.Sandbox(fresh));
        }
    }

    /// <summary>Best effort: a session that cannot be deleted now ends with the sandbox.</summary>
    private static async Task RetireSessionsAsync(CmdletPipe pipe, ToolboxClient toolbox)
    {
        foreach (var session in ExecSessionPool.Shared.Retire(toolbox.BaseUrl))
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await toolbox.DeleteSessionAsync(session.Id, cts.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is DaytonaApiException || ex is OperationCanceledException)
            {
                pipe.WriteDebug($"Could not delete exec session {session.Id}: {ex.Message}");
            }
        }
    }
}
