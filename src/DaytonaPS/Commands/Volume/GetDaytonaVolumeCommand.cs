using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Volume;

/// <summary>Get-DaytonaVolume: lists volumes, by name or id (wildcards). An exact name or id that does not exist is DaytonaNotFound.</summary>
[Cmdlet(VerbsCommon.Get, "DaytonaVolume")]
[OutputType(typeof(DaytonaPS.Volume))]
public sealed class GetDaytonaVolumeCommand : DaytonaApiCmdlet
{
    /// <summary>Names or ids; wildcards allowed. Default: every volume.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id", "VolumeId", "VolumeName")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VolumeCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Also list deleted volumes.</summary>
    [Parameter]
    public SwitchParameter IncludeDeleted { get; set; }

    private readonly List<string> _patterns = new();

    protected override void ProcessRecord()
    {
        if (Name is not null) _patterns.AddRange(Name.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim()));
    }

    protected override void EndProcessing()
    {
        var exact = _patterns.Where(p => !WildcardPattern.ContainsWildcardCharacters(p)).ToList();
        var wildcards = _patterns.Where(WildcardPattern.ContainsWildcardCharacters).Select(p => WildcardPattern.Get(p, WildcardOptions.IgnoreCase)).ToList();
        Run(async (pipe, ct) =>
        {
            var ops = new VolumeOperations(Api(pipe));
            var written = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in exact)
            {
                try
                {
                    var dto = await ops.GetAsync(name, ct).ConfigureAwait(false);
                    if (written.Add(dto.Id)) pipe.WriteObject(new DaytonaPS.Volume(dto));
                }
                catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.NotFound)
                {
                    pipe.WriteFailure(ex, name);
                }
            }
            if (_patterns.Count > 0 && wildcards.Count == 0) return;
            foreach (var dto in await ops.ListAsync(IncludeDeleted, ct).ConfigureAwait(false))
            {
                if (wildcards.Count > 0 && !wildcards.Any(w => w.IsMatch(dto.Name) || w.IsMatch(dto.Id))) continue;
                if (written.Add(dto.Id)) pipe.WriteObject(new DaytonaPS.Volume(dto));
            }
        });
    }
}
