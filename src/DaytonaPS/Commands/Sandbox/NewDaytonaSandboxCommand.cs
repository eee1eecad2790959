using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Sandbox;

/// <summary>New-DaytonaSandbox: creates a sandbox from a snapshot or an image and waits until it is started.</summary>
[Cmdlet(VerbsCommon.New, "DaytonaSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = SnapshotSet)]
[OutputType(typeof(DaytonaPS.Sandbox))]
public sealed class NewDaytonaSandboxCommand : DaytonaApiCmdlet
{
    private const string SnapshotSet = "Snapshot";
    private const string ImageSet = "Image";

    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>Snapshot id or name; omitted = Daytona's default snapshot.</summary>
    [Parameter(ParameterSetName = SnapshotSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DaytonaPS.Commands.Snapshot.SnapshotCompleter))]
    public string? Snapshot { get; set; }

    /// <summary>A container image (e.g. python:3.12), built by Daytona; resources may only be set with an image.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ImageSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Image { get; set; } = null!;

    /// <summary>vCPUs; needs -Image (a snapshot brings its own resources).</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int Cpu { get; set; }

    /// <summary>GB; needs -Image.</summary>
    [Parameter]
    [ValidateRange(1, 4096)]
    public int Memory { get; set; }

    /// <summary>GB; needs -Image.</summary>
    [Parameter]
    [ValidateRange(1, 65536)]
    public int Disk { get; set; }

    /// <summary>GPUs; needs -Image.</summary>
    [Parameter]
    [ValidateRange(0, 64)]
    public int Gpu { get; set; }

    [Parameter]
    [ValidateNotNull]
    public Hashtable? Label { get; set; }

    [Parameter]
    [ValidateNotNull]
    [Alias("Env")]
    public Hashtable? Environment { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(TargetCompleter))]
    public string? Target { get; set; }

    [Parameter]
    public SwitchParameter Public { get; set; }

    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int AutoStopMinutes { get; set; }

    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int AutoArchiveMinutes { get; set; }

    [Parameter]
    [ValidateRange(-1, int.MaxValue)]
    public int AutoDeleteMinutes { get; set; }

    /// <summary>Delete the sandbox as soon as it stops (auto-delete 0).</summary>
    [Parameter]
    public SwitchParameter Ephemeral { get; set; }

    /// <summary>Volumes to mount: @{VolumeId='data'; MountPath='/data'} or 'data:/data'.</summary>
    [Parameter]
    [ValidateNotNull]
    [SandboxVolumeTransformation]
    [ArgumentCompleter(typeof(DaytonaPS.Commands.Volume.VolumeCompleter))]
    public SandboxVolume[]? Volume { get; set; }

    [Parameter]
    public SwitchParameter NetworkBlockAll { get; set; }

    /// <summary>CIDRs the sandbox may reach (e.g. 10.0.0.0/24).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? NetworkAllowList { get; set; }

    /// <summary>Domains the sandbox may reach (at most 10, '*.example.com' allowed).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? DomainAllowList { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? User { get; set; }

    /// <summary>The code toolbox language Invoke-DaytonaCode uses (label code-toolbox-language); default python.</summary>
    [Parameter]
    [ValidateSet("python", "typescript", "javascript")]
    public string? Language { get; set; }

    /// <summary>Minutes of inactivity before the sandbox pauses (VM classes only); excludes a non-zero -AutoStopMinutes.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int AutoPauseMinutes { get; set; }

    /// <summary>Minutes after creation when Daytona deletes the sandbox whatever its state; 0 = no TTL.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int TtlMinutes { get; set; }

    /// <summary>GPU types in order of preference (H100, H200, B300, RTX-PRO-6000, RTX-4090, RTX-5090, MI355X); needs -Image and -Gpu.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? GpuType { get; set; }

    /// <summary>A spot GPU sandbox: cheaper, and Daytona may end it without notice; needs -Gpu.</summary>
    [Parameter]
    public SwitchParameter Spot { get; set; }

    /// <summary>Nested virtualisation (KVM) inside the sandbox.</summary>
    [Parameter]
    public SwitchParameter Kvm { get; set; }

    /// <summary>Id or name of a sandbox to run beside (same runner, local network); needs -Ephemeral.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SandboxCompleter))]
    public string? LinkedSandbox { get; set; }

    /// <summary>HTTP(S) proxy for the sandbox's egress (Daytona sets HTTP_PROXY/HTTPS_PROXY in it).</summary>
    [Parameter]
    [ValidateNotNull]
    public Uri? OutboundProxyUrl { get; set; }

    /// <summary>Daytona secrets to mount: @{ENV_NAME = 'secretName'}. The variable holds the secret's placeholder, never its value.</summary>
    [Parameter]
    [ValidateNotNull]
    public Hashtable? Secret { get; set; }

    /// <summary>Seconds to wait for 'started' (0 = no limit).</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; } = 120;

    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>Keep a sandbox that failed to start, or whose creation was stopped (Ctrl+C), instead of removing it.</summary>
    [Parameter]
    public SwitchParameter KeepOnFailure { get; set; }

    private bool Has(string name) => MyInvocation.BoundParameters.ContainsKey(name);

    /// <summary>Set per record: follow the build log (only when verbose output is shown, so a bulk create opens no extra streams).</summary>
    private bool _followBuildLog;

    private bool WantsVerbose() =>
        MyInvocation.BoundParameters.TryGetValue("Verbose", out var v) ? v is SwitchParameter sw ? sw.IsPresent : v is true
        : SessionState.PSVariable.GetValue("VerbosePreference") is ActionPreference p && p is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);

    private static readonly string[] Resources = { nameof(Cpu), nameof(Memory), nameof(Disk), nameof(Gpu), nameof(GpuType) };

    /// <summary>The host's UI, for the one message that must reach the user while the pipeline stops (see <see cref="Abandon"/>).</summary>
    private System.Management.Automation.Host.PSHostUserInterface? _ui;

    protected override void BeginProcessing()
    {
        if (Ephemeral && Has(nameof(AutoDeleteMinutes)) && AutoDeleteMinutes != 0)
        {
            ThrowInvalidArgument("-Ephemeral means -AutoDeleteMinutes 0; do not give both.");
        }
        var pauseProblem = SandboxSettingRules.CheckAutoPause(Has(nameof(AutoStopMinutes)) ? AutoStopMinutes : null,
            Has(nameof(AutoPauseMinutes)) ? AutoPauseMinutes : null, Ephemeral || (Has(nameof(AutoDeleteMinutes)) && AutoDeleteMinutes == 0));
        if (pauseProblem is not null) ThrowInvalidArgument(pauseProblem);
        if (Language is not null && Label is not null && ParameterMaps.ToStringMap(Label).TryGetValue(SandboxOperations.LanguageLabel, out var labelled)
            && !string.Equals(labelled, Language, StringComparison.Ordinal))
        {
            ThrowInvalidArgument($"-Language {Language} and the label {SandboxOperations.LanguageLabel}={labelled} disagree; give one of them.");
        }
        if ((GpuType is not null || Spot) && (!Has(nameof(Gpu)) || Gpu < 1))
        {
            ThrowInvalidArgument($"{(GpuType is not null ? "-GpuType" : "-Spot")} is for GPU sandboxes: add -Gpu 1 (or more) with -Image.");
        }
        if (LinkedSandbox is not null && !(Ephemeral || (Has(nameof(AutoDeleteMinutes)) && AutoDeleteMinutes == 0)))
        {
            ThrowInvalidArgument("A linked sandbox must be ephemeral: add -Ephemeral.");
        }
        if (OutboundProxyUrl is not null && !(OutboundProxyUrl.IsAbsoluteUri && (OutboundProxyUrl.Scheme == "http" || OutboundProxyUrl.Scheme == "https")))
        {
            // The URL may carry a password: it is not repeated here.
            ThrowInvalidArgument("-OutboundProxyUrl must be an absolute http:// or https:// URL.");
        }
        if (Secret is not null)
        {
            SandboxSettingRules.SecretMounts(Secret, out var secretProblem);
            if (secretProblem is not null) ThrowInvalidArgument(secretProblem, "Use -Secret @{ ENV_NAME = 'secret-name' }.");
        }
        var resources = Resources.Where(Has).ToList();
        if (resources.Count > 0 && ParameterSetName != ImageSet)
        {
            // Resources are not in the Image parameter set's exclusive list on purpose: there, -Cpu alone
            // made PowerShell prompt for -Image, and -Snapshot with -Cpu gave "parameter set cannot be resolved".
            ThrowInvalidArgument(
                $"{string.Join(", ", resources.Select(r => "-" + r))} can only be given with -Image: a sandbox from a snapshot has the snapshot's resources.",
                "Add -Image <image> (e.g. -Image python:3.12-slim), or drop the resources and use a snapshot that has them.");
        }
        _ui = Host?.UI;
        base.BeginProcessing();
    }

    protected override void ProcessRecord()
    {
        var body = BuildBody();
        var what = Name is null ? "sandbox" : $"sandbox '{Name}'";
        var from = ParameterSetName == ImageSet ? $"image {Image}" : Snapshot is null ? "the default snapshot" : $"snapshot {Snapshot}";
        if (!ShouldProcess(what, $"Create from {from}")) return;
        _followBuildLog = ParameterSetName == ImageSet && WantsVerbose();
        Run((pipe, ct) => CreateAsync(pipe, body, ct), Name);
    }

    private async Task CreateAsync(CmdletPipe pipe, CreateSandboxDto body, CancellationToken ct)
    {
        var ops = Sandboxes(pipe);
        SandboxDto created;
        try
        {
            created = await ops.CreateAsync(body, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Abandon(ops, null, body.Labels[SandboxOperations.CreateTokenLabel]);
            throw;
        }
        var display = DaytonaPS.Sandbox.Describe(created);
        pipe.WriteVerbose($"Created {display}: {created.State}.");
        if (NoWait || created.State == SandboxStates.Started)
        {
            pipe.WriteObject(new DaytonaPS.Sandbox(created));
            return;
        }
        SandboxDto? ready;
        // -Image -Verbose: the build log goes to the verbose stream while the wait runs.
        using var logCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var buildLog = _followBuildLog ? ops.FollowBuildLogAsync(created.Id, display, logCts.Token) : null;
        try
        {
            ready = await ops.WaitForStateAsync(created.Id, display, new[] { SandboxStates.Started }, Seconds(TimeoutSec), ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Abandon(ops, created, null);
            throw;
        }
        catch (Exception ex) when (ex is DaytonaException || ex is DaytonaApiException)
        {
            if (KeepOnFailure)
            {
                pipe.WriteWarning($"{display} did not start; it is kept (-KeepOnFailure).");
            }
            else
            {
                pipe.WriteWarning($"{display} did not start; removing it (use -KeepOnFailure to keep it).");
                try
                {
                    await ops.RemoveAsync(created.Id, display, wait: false, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
                }
                catch (DaytonaApiException removeError)
                {
                    pipe.WriteWarning($"Could not remove {display}: {removeError.Message}");
                }
            }
            throw;
        }
        finally
        {
            if (buildLog is not null) await BuildLogStream.FinishAsync(buildLog, logCts).ConfigureAwait(false);
        }
        pipe.WriteObject(new DaytonaPS.Sandbox(ready!));
    }

    /// <summary>
    /// The user stopped the command (Ctrl+C) after the create was sent: the sandbox exists, or may. It
    /// is removed in the background (found by its create id when the reply never came), or kept with
    /// -KeepOnFailure; either way the host is told which one. Streams are closed while the pipeline
    /// stops, so the host's UI is the only way to say it.
    /// </summary>
    private void Abandon(SandboxOperations ops, SandboxDto? created, string? createToken)
    {
        var display = created is not null
            ? DaytonaPS.Sandbox.Describe(created)
            : $"the sandbox it may have created (label {SandboxOperations.CreateTokenLabel}={createToken})";
        if (KeepOnFailure)
        {
            Tell($"New-DaytonaSandbox was stopped; {display} is kept (-KeepOnFailure).");
            return;
        }
        Tell($"New-DaytonaSandbox was stopped; removing {display} (use -KeepOnFailure to keep it).");
        _ = Task.Run(async () =>
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                var ids = created is not null
                    ? new List<string> { created.Id }
                    : (await ops.FindByCreateTokenAsync(createToken!, cts.Token).ConfigureAwait(false)).Select(s => s.Id).ToList();
                foreach (var id in ids) await ops.RemoveAsync(id, display, wait: false, TimeSpan.FromSeconds(30), cts.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is DaytonaApiException || ex is DaytonaException || ex is OperationCanceledException)
            {
                Tell($"Could not remove {display}: {ex.Message}");
            }
        });
    }

    private void Tell(string message)
    {
        try { _ui?.WriteWarningLine(message); }
        catch (Exception ex) when (ex is NotImplementedException || ex is InvalidOperationException || ex is PipelineStoppedException) { }
    }

    private CreateSandboxDto BuildBody()
    {
        var body = new CreateSandboxDto
        {
            Name = Name,
            User = User,
            Target = Target ?? Connection.Target,
            Public = Has(nameof(Public)) ? Public.IsPresent : null,
            AutoStopInterval = Has(nameof(AutoStopMinutes)) ? AutoStopMinutes : null,
            AutoArchiveInterval = Has(nameof(AutoArchiveMinutes)) ? AutoArchiveMinutes : null,
            AutoDeleteInterval = Ephemeral ? 0 : Has(nameof(AutoDeleteMinutes)) ? AutoDeleteMinutes : null,
            NetworkBlockAll = NetworkBlockAll ? true : null,
            NetworkAllowList = NetworkAllowList is null ? null : string.Join(",", NetworkAllowList.Select(s => s.Trim())),
            DomainAllowList = DomainAllowList is null ? null : string.Join(",", DomainAllowList.Select(s => s.Trim())),
            AutoPauseInterval = Has(nameof(AutoPauseMinutes)) ? AutoPauseMinutes : null,
            TtlMinutes = Has(nameof(TtlMinutes)) ? TtlMinutes : null,
            Spot = Spot ? true : null,
            Kvm = Kvm ? true : null,
            LinkedSandbox = LinkedSandbox,
            OutboundProxyUrl = OutboundProxyUrl?.OriginalString,
            Secrets = Secret is null ? null : SandboxSettingRules.SecretMounts(Secret, out _),
            Volumes = Volume?.Select(v => new SandboxVolumeDto { VolumeId = v.VolumeId, MountPath = v.MountPath, Subpath = v.Subpath }).ToList(),
        };
        if (ParameterSetName == ImageSet)
        {
            body.BuildInfo = new BuildInfoDto { DockerfileContent = "FROM " + Image + "\n" };
            if (Has(nameof(Cpu))) body.Cpu = Cpu;
            if (Has(nameof(Memory))) body.Memory = Memory;
            if (Has(nameof(Disk))) body.Disk = Disk;
            if (Has(nameof(Gpu))) body.Gpu = Gpu;
            if (GpuType is not null) body.GpuType = GpuType.Select(t => t.Trim()).ToList();
        }
        else
        {
            body.Snapshot = Snapshot;
        }
        foreach (var label in ParameterMaps.ToStringMap(Label)) body.Labels[label.Key] = label.Value;
        // Daytona's SDKs always set the toolbox language label; code-run relies on it.
        if (Language is not null) body.Labels[SandboxOperations.LanguageLabel] = Language;
        else if (!body.Labels.ContainsKey(SandboxOperations.LanguageLabel)) body.Labels[SandboxOperations.LanguageLabel] = "python";
        foreach (var variable in ParameterMaps.ToStringMap(Environment)) body.Env[variable.Key] = variable.Value;
        return body;
    }
}
