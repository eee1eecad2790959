using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Snapshot;

/// <summary>
/// New-DaytonaSnapshot: creates a snapshot from an image (pulled) or a Dockerfile (built), and waits
/// until it is active with progress; -Verbose shows the state changes and the build log as it runs.
/// A failed pull or build is a DaytonaSnapshotFailed error with the reason and the build log's tail.
/// -FromSandbox makes it from a started or stopped sandbox's filesystem instead (Daytona's POST /sandbox/{id}/snapshot).
/// </summary>
[Cmdlet(VerbsCommon.New, "DaytonaSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = ImageSet)]
[OutputType(typeof(DaytonaPS.Snapshot))]
public sealed class NewDaytonaSnapshotCommand : DaytonaApiCmdlet
{
    private const string ImageSet = "Image";
    private const string DockerfileSet = "Dockerfile";
    private const string FromSandboxSet = "FromSandbox";

    /// <summary>The snapshot's name (letters, digits, '.', '_', '-', ':' and '/').</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>The image to pull, with a tag other than latest or a digest (python:3.12, ghcr.io/org/app@sha256:...).</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ImageSet, ValueFromPipelineByPropertyName = true)]
    [Alias("ImageName")]
    [ValidateNotNullOrEmpty]
    public string Image { get; set; } = string.Empty;

    /// <summary>A local Dockerfile that Daytona builds the snapshot from.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DockerfileSet)]
    [ValidateNotNullOrEmpty]
    public string Dockerfile { get; set; } = string.Empty;

    /// <summary>The folder COPY and ADD sources are relative to (the build context); default: the Dockerfile's folder.</summary>
    [Parameter(ParameterSetName = DockerfileSet)]
    [ValidateNotNullOrEmpty]
    public string? ContextPath { get; set; }

    /// <summary>The started or stopped sandbox to make it from: an id or name, or a piped DaytonaPS.Sandbox.</summary>
    /// <remarks>
    /// ValueFromPipelineByPropertyName only keeps this set open while PowerShell picks one for a piped
    /// object (see DaytonaSandboxCmdlet.InputObject); the input itself binds by value.
    /// </remarks>
    [Parameter(Mandatory = true, ParameterSetName = FromSandboxSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SnapshotSourceTransformation]
    [ArgumentCompleter(typeof(DaytonaPS.Commands.Sandbox.SandboxCompleter))]
    public string FromSandbox { get; set; } = string.Empty;

    /// <summary>With -FromSandbox: include the sandbox's memory (Daytona's includeMemory; linux-vm and windows classes only).</summary>
    [Parameter(ParameterSetName = FromSandboxSet)]
    public SwitchParameter IncludeMemory { get; set; }

    /// <summary>The command a sandbox from this image runs (replaces the image's entrypoint).</summary>
    [Parameter(ParameterSetName = ImageSet)]
    [ValidateNotNullOrEmpty]
    public string[]? Entrypoint { get; set; }

    /// <summary>vCPUs of sandboxes made from it.</summary>
    [Parameter(ParameterSetName = ImageSet)]
    [Parameter(ParameterSetName = DockerfileSet)]
    [ValidateRange(1, 1024)]
    public int Cpu { get; set; }

    /// <summary>Memory in GB.</summary>
    [Parameter(ParameterSetName = ImageSet)]
    [Parameter(ParameterSetName = DockerfileSet)]
    [ValidateRange(1, 65536)]
    public int Memory { get; set; }

    /// <summary>Disk in GB.</summary>
    [Parameter(ParameterSetName = ImageSet)]
    [Parameter(ParameterSetName = DockerfileSet)]
    [ValidateRange(1, 65536)]
    public int Disk { get; set; }

    [Parameter(ParameterSetName = ImageSet)]
    [Parameter(ParameterSetName = DockerfileSet)]
    [ValidateRange(0, 64)]
    public int Gpu { get; set; }

    /// <summary>GPU types in order of preference (Daytona's gpuType), e.g. H100.</summary>
    [Parameter(ParameterSetName = ImageSet)]
    [Parameter(ParameterSetName = DockerfileSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(GpuTypeCompleter))]
    public string[]? GpuType { get; set; }

    /// <summary>The class of sandboxes made from it: container (Daytona's default), linux-vm, windows or android.</summary>
    [Parameter(ParameterSetName = ImageSet)]
    [Parameter(ParameterSetName = DockerfileSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SandboxClassCompleter))]
    public string? SandboxClass { get; set; }

    /// <summary>The region (Daytona's regionId); default: the organization's default region.</summary>
    [Parameter(ParameterSetName = ImageSet)]
    [Parameter(ParameterSetName = DockerfileSet)]
    [ValidateNotNullOrEmpty]
    public string? Region { get; set; }

    /// <summary>Return the snapshot as Daytona created it (usually pending), without waiting.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>Seconds to wait for 'active'; 0 = no limit.</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; } = 1800;

    protected override void ProcessRecord()
    {
        if (ParameterSetName == FromSandboxSet)
        {
            ProcessFromSandbox();
            return;
        }
        var bound = MyInvocation.BoundParameters;
        var body = new CreateSnapshotDto
        {
            Name = Name,
            Cpu = bound.ContainsKey(nameof(Cpu)) ? Cpu : null,
            Memory = bound.ContainsKey(nameof(Memory)) ? Memory : null,
            Disk = bound.ContainsKey(nameof(Disk)) ? Disk : null,
            Gpu = bound.ContainsKey(nameof(Gpu)) ? Gpu : null,
            RegionId = Region,
            GpuType = GpuType?.ToList(),
            SandboxClass = SandboxClass,
        };
        string source;
        List<BuildContextUpload.Source>? context = null;
        if (ParameterSetName == DockerfileSet)
        {
            var path = GetUnresolvedProviderPathFromPSPath(Dockerfile);
            if (!File.Exists(path)) ThrowInvalidArgument($"The Dockerfile '{Dockerfile}' does not exist.", target: Dockerfile);
            var content = File.ReadAllText(path);
            var folder = ContextPath is null ? Path.GetDirectoryName(Path.GetFullPath(path))! : GetUnresolvedProviderPathFromPSPath(ContextPath);
            if (!Directory.Exists(folder)) ThrowInvalidArgument($"The context folder '{ContextPath}' does not exist.", target: ContextPath);
            try
            {
                context = BuildContextUpload.Sources(content, folder);
            }
            catch (DaytonaException ex)
            {
                WriteError(ErrorMapper.ToErrorRecord(ex, ex.Target));
                return;
            }
            body.BuildInfo = new BuildInfoDto { DockerfileContent = content };
            source = "Dockerfile " + Dockerfile + (context.Count == 0 ? string.Empty : $" with {context.Count} context source(s) from {folder}");
        }
        else
        {
            body.ImageName = Image;
            body.Entrypoint = Entrypoint?.ToList();
            source = "image " + Image;
        }
        var timeout = Seconds(TimeoutSec);
        Run(async (pipe, ct) =>
        {
            if (!await pipe.ShouldProcessAsync($"snapshot '{Name}'", "Create from " + source).ConfigureAwait(false)) return;
            var ops = new SnapshotOperations(Api(pipe));
            if (context is { Count: > 0 }) body.BuildInfo!.ContextHashes = await new BuildContextUpload(Api(pipe)).UploadAsync(context, ct).ConfigureAwait(false);
            var created = await ops.CreateAsync(body, ct).ConfigureAwait(false);
            pipe.WriteVerbose($"Created {DaytonaPS.Snapshot.Describe(created.Id, created.Name)} ({created.State}).");
            var result = NoWait ? created : await ops.WaitUntilActiveAsync(created, timeout, ct).ConfigureAwait(false);
            pipe.WriteObject(new DaytonaPS.Snapshot(result));
        }, Name);
    }

    private void ProcessFromSandbox()
    {
        var timeout = Seconds(TimeoutSec);
        var (name, source, includeMemory) = (Name, FromSandbox, IncludeMemory.IsPresent);
        Run(async (pipe, ct) =>
        {
            var sandbox = await FetchAsync(pipe, source, ct).ConfigureAwait(false);
            var display = DaytonaPS.Sandbox.Describe(sandbox);
            var action = "Create from " + display + (includeMemory ? " with its memory" : string.Empty);
            if (!await pipe.ShouldProcessAsync($"snapshot '{name}'", action).ConfigureAwait(false)) return;
            var ops = new SnapshotOperations(Api(pipe));
            var created = await ops.CreateFromSandboxAsync(sandbox.Id, display, name, includeMemory, ct).ConfigureAwait(false);
            pipe.WriteVerbose($"Created {DaytonaPS.Snapshot.Describe(created.Id, created.Name)} ({created.State}).");
            var result = NoWait ? created : await ops.WaitUntilActiveAsync(created, timeout, ct).ConfigureAwait(false);
            pipe.WriteObject(new DaytonaPS.Snapshot(result));
        }, name);
    }
}
