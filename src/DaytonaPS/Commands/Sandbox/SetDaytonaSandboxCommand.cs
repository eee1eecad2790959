using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Commands.Sandbox;

/// <summary>Set-DaytonaSandbox: changes labels, auto-stop/archive/delete intervals and preview visibility.</summary>
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

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    // Which parameters were given, read on the pipeline thread: the per-sandbox work runs concurrently
    // while later piped input is bound, so it must not read MyInvocation.BoundParameters itself.
    private bool _setAutoStop, _setAutoArchive, _setAutoDelete, _setPublic;
    private string _changes = string.Empty;

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
        var changes = new List<string>();
        if (Label is not null) changes.Add("merge labels");
        if (ReplaceLabel is not null) changes.Add("replace labels");
        if (RemoveLabel is not null) changes.Add("remove labels " + string.Join(", ", RemoveLabel));
        if (_setAutoStop) changes.Add($"auto-stop {AutoStopMinutes} min");
        if (_setAutoArchive) changes.Add($"auto-archive {AutoArchiveMinutes} min");
        if (_setAutoDelete) changes.Add($"auto-delete {AutoDeleteMinutes} min");
        if (_setPublic) changes.Add(Public ? "make public" : "make private");
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
        }
        if (PassThru)
        {
            var fresh = await FetchAsync(pipe, id, ct).ConfigureAwait(false);
            pipe.WriteObject(new DaytonaPS.Sandbox(fresh));
        }
    }
}
