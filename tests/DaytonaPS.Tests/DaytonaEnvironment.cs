namespace DaytonaPS.Tests;

/// <summary>
/// Clears every DAYTONA_* variable the credential chain reads (and hides the Daytona CLI's config) for one test and puts them back
/// afterwards. For test classes in the "Environment" collection, which runs alone.
/// </summary>
public sealed class ClearedDaytonaEnvironment : IDisposable
{
    private static readonly string[] Variables =
    {
        "DAYTONA_API_KEY", "DAYTONA_JWT_TOKEN", "DAYTONA_ORGANIZATION_ID", "DAYTONA_API_URL", "DAYTONA_SERVER_URL",
        "DAYTONA_TARGET", "DAYTONA_SECRET_NAME", "DAYTONA_SECRET_VAULT", "DAYTONA_CONFIG_DIR",
    };

    private readonly Dictionary<string, string?> _saved;

    public ClearedDaytonaEnvironment()
    {
        _saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        foreach (var v in Variables) Environment.SetEnvironmentVariable(v, null);
        // A folder that does not exist: a Daytona CLI login of whoever runs the tests is never read.
        Environment.SetEnvironmentVariable("DAYTONA_CONFIG_DIR", Path.Combine(Path.GetTempPath(), "dps-no-cli-config-" + Guid.NewGuid().ToString("N")));
    }

    public void Dispose()
    {
        foreach (var (k, v) in _saved) Environment.SetEnvironmentVariable(k, v);
    }
}

/// <summary>A stand-in for Microsoft.PowerShell.SecretManagement's Get-Secret (same parameters and errors).</summary>
public static class SecretManagementStandIn
{
    /// <summary>Get-Secret as SecretManagement has it; Set-FakeSecret stores any value; a vault 'locked' fails as a locked SecretStore does.</summary>
    public const string Script = """
        New-Module -Name FakeSecretManagement -ScriptBlock {
            $script:Secrets = @{}
            function Set-FakeSecret([string]$Name, $Secret, [string]$Vault = 'default') { $script:Secrets["$Vault/$Name"] = $Secret }
            function Get-Secret {
                [CmdletBinding()]
                param([Parameter(Mandatory, Position = 0)][string]$Name, [string]$Vault, [switch]$AsPlainText)
                Write-Verbose "Get-Secret: looking up $Name"
                if ($Vault -eq 'locked') {
                    $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new(
                        [System.InvalidOperationException]::new('A valid password is required to access the Microsoft.PowerShell.SecretStore vault.'),
                        'GetSecretLocked', 'PermissionDenied', $Name))
                }
                $keys = if ($Vault) { @("$Vault/$Name") } else { @($script:Secrets.Keys | Where-Object { $_ -like "*/$Name" }) }
                foreach ($k in $keys) { if ($script:Secrets.ContainsKey($k)) { return $script:Secrets[$k] } }
                $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
                    [System.Management.Automation.ItemNotFoundException]::new("The secret $Name was not found."),
                    'GetSecretNotFound', 'ObjectNotFound', $Name))
            }
            Export-ModuleMember -Function Get-Secret, Set-FakeSecret
        } | Import-Module
        """;
}
