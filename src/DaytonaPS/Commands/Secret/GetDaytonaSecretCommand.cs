using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Secret;

/// <summary>
/// Get-DaytonaSecret: lists Daytona's organization secrets (never their values), by name or id, with wildcards.
/// An exact name or id that does not exist is DaytonaNotFound. Not SecretManagement's Get-Secret.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DaytonaSecret")]
[OutputType(typeof(DaytonaSecret))]
public sealed class GetDaytonaSecretCommand : DaytonaApiCmdlet
{
    /// <summary>Names or ids; wildcards allowed. Default: every secret.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id", "SecretId", "SecretName")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SecretCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Order of the list: name, createdAt (the default, newest first) or updatedAt.</summary>
    [Parameter]
    [ValidateSet("Name", "CreatedAt", "UpdatedAt")]
    public string SortBy { get; set; } = "CreatedAt";

    /// <summary>Sort in descending order (the default for dates); -Descending:$false for ascending.</summary>
    [Parameter]
    public SwitchParameter Descending { get; set; }

    private readonly List<string> _patterns = new();

    protected override void ProcessRecord()
    {
        if (Name is not null) _patterns.AddRange(Name.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim()));
    }

    protected override void EndProcessing()
    {
        var exact = _patterns.Where(p => !WildcardPattern.ContainsWildcardCharacters(p)).ToList();
        var wildcards = _patterns.Where(WildcardPattern.ContainsWildcardCharacters).Select(p => WildcardPattern.Get(p, WildcardOptions.IgnoreCase)).ToList();
        var sort = char.ToLowerInvariant(SortBy[0]) + SortBy.Substring(1);
        var descending = MyInvocation.BoundParameters.ContainsKey(nameof(Descending)) ? Descending.IsPresent : SortBy != "Name";
        Run(async (pipe, ct) =>
        {
            var ops = new SecretOperations(Api(pipe));
            var written = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in exact)
            {
                try
                {
                    var dto = await ops.GetAsync(name, ct).ConfigureAwait(false);
                    if (written.Add(dto.Id)) pipe.WriteObject(new DaytonaSecret(dto));
                }
                catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.NotFound)
                {
                    pipe.WriteFailure(ex, name);
                }
            }
            if (_patterns.Count > 0 && wildcards.Count == 0) return;
            foreach (var dto in await ops.ListAsync(null, sort, descending, ct).ConfigureAwait(false))
            {
                if (wildcards.Count > 0 && !wildcards.Any(w => w.IsMatch(dto.Name) || w.IsMatch(dto.Id))) continue;
                if (written.Add(dto.Id)) pipe.WriteObject(new DaytonaSecret(dto));
            }
        });
    }
}
