using System.Management.Automation;
using System.Security;
using DaytonaPS.Api;

namespace DaytonaPS.Commands.Secret;

/// <summary>
/// New-DaytonaSecret: stores a value in Daytona's organization secrets, for sandboxes to mount
/// (New-DaytonaSandbox -Secret @{ENV_NAME = 'name'}). The value is taken as a SecureString only and never shown.
/// </summary>
[Cmdlet(VerbsCommon.New, "DaytonaSecret", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(DaytonaSecret))]
public sealed class NewDaytonaSecretCommand : DaytonaApiCmdlet
{
    /// <summary>Unique in the organization: a letter or underscore, then letters, digits, '_' and '-'.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ValidatePattern("^[a-zA-Z_][a-zA-Z0-9_-]*$")]
    [ValidateLength(1, 256)]
    public string Name { get; set; } = string.Empty;

    /// <summary>The value, as a SecureString (a PSCredential's password works too); never returned by Daytona.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [SecretValue]
    [ValidateNotNull]
    public SecureString Value { get; set; } = null!;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Description { get; set; }

    /// <summary>Hosts the value may be sent to (api.example.com or *.example.com, no port); omitted = any host.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Hosts")]
    [ValidateNotNullOrEmpty]
    public string[]? AllowedHost { get; set; }

    protected override void ProcessRecord()
    {
        var name = Name.Trim();
        var value = Value;
        if (value.Length == 0) ThrowInvalidArgument("-Value is empty; Daytona needs a value to store.", target: name);
        var description = Description;
        var hosts = AllowedHost;
        Run(async (pipe, ct) =>
        {
            var target = hosts is null ? $"Daytona secret '{name}' (any host)" : $"Daytona secret '{name}' (hosts {string.Join(", ", hosts)})";
            if (!await pipe.ShouldProcessAsync(target, "Create").ConfigureAwait(false)) return;
            var created = await new SecretOperations(Api(pipe)).CreateAsync(name, value, description, hosts, ct).ConfigureAwait(false);
            pipe.WriteVerbose($"Created {DaytonaSecret.Describe(created.Id, created.Name)}.");
            pipe.WriteObject(new DaytonaSecret(created));
        }, name);
    }
}
