using System;
using System.Management.Automation;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Secret;

/// <summary>
/// Set-DaytonaSecret: changes a Daytona secret's value (a SecureString only), description or allowed hosts; what is
/// not given stays. Sandboxes that mount it keep its placeholder; the new value is used from then on.
/// </summary>
[Cmdlet(VerbsCommon.Set, "DaytonaSecret", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = NameSet)]
[OutputType(typeof(DaytonaSecret))]
public sealed class SetDaytonaSecretCommand : DaytonaApiCmdlet
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";

    /// <summary>The secret's name or id.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = NameSet)]
    [Alias("Id", "SecretId", "SecretName")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SecretCompleter))]
    public string Name { get; set; } = string.Empty;

    /// <summary>A secret from Get-DaytonaSecret or New-DaytonaSecret.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public DaytonaSecret InputObject { get; set; } = null!;

    /// <summary>The new value, as a SecureString (a PSCredential's password works too).</summary>
    [Parameter(Position = 1)]
    [SecretValue]
    [ValidateNotNull]
    public SecureString? Value { get; set; }

    /// <summary>The new description.</summary>
    [Parameter]
    [ValidateNotNull]
    public string? Description { get; set; }

    /// <summary>The complete new list of allowed hosts; an empty list allows any host.</summary>
    [Parameter]
    [Alias("Hosts")]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public string[]? AllowedHost { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private string _changes = string.Empty;

    protected override void BeginProcessing()
    {
        if (Value is { Length: 0 }) ThrowInvalidArgument("-Value is empty; give the new value, or leave -Value out to keep it.");
        var changes = new System.Collections.Generic.List<string>();
        if (Value is not null) changes.Add("new value");
        if (Description is not null) changes.Add("description");
        if (AllowedHost is not null) changes.Add(AllowedHost.Length == 0 ? "allow any host" : "hosts " + string.Join(", ", AllowedHost));
        if (changes.Count == 0) ThrowInvalidArgument("Nothing to change.", "Give -Value, -Description or -AllowedHost.");
        _changes = string.Join("; ", changes);
        base.BeginProcessing();
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            var secret = InputObject;
            Run((pipe, ct) => UpdateAsync(pipe, secret.Id, secret.Describe(), ct), secret);
            return;
        }
        var name = Name.Trim();
        Run(async (pipe, ct) =>
        {
            var dto = await new SecretOperations(Api(pipe)).GetAsync(name, ct).ConfigureAwait(false);
            await UpdateAsync(pipe, dto.Id, DaytonaSecret.Describe(dto.Id, dto.Name), ct).ConfigureAwait(false);
        }, name);
    }

    private async Task UpdateAsync(CmdletPipe pipe, string id, string display, CancellationToken ct)
    {
        if (!await pipe.ShouldProcessAsync(display, "Set " + _changes).ConfigureAwait(false)) return;
        var updated = await new SecretOperations(Api(pipe)).UpdateAsync(id, Value, Description, AllowedHost, ct).ConfigureAwait(false);
        pipe.WriteVerbose($"Updated {display}: {_changes}.");
        if (PassThru) pipe.WriteObject(new DaytonaSecret(updated));
    }
}
