<#
.SYNOPSIS
    Runs a command in a Daytona sandbox with a pipeline secret available to it as a Daytona secret,
    for this run only: the secret is created, mounted, and removed again afterwards.
.DESCRIPTION
    1. Reads the value from the environment variable -ValueVariable (in Azure DevOps, a secret
       pipeline variable mapped under the step's env:), turns it into a SecureString and clears the
       variable from this process. The value is never on a command line, in output or in a log.
    2. Creates the Daytona secret -SecretName (New-DaytonaSecret), allowed only for -AllowedHost.
    3. Creates a sandbox that mounts it as -EnvironmentName (New-DaytonaSandbox -Secret), with a TTL
       as the guard against an agent that dies before step 5.
    4. Runs -Command there. The sandbox sees only the secret's placeholder (dtn_secret_...);
       Daytona's egress proxy puts the value into requests to the allowed hosts.
    5. Removes the sandbox and the secret, whatever happened, and exits with the command's exit code.
.PARAMETER SecretName
    The Daytona secret's name for this run, e.g. ado_$(Build.BuildId)_npm (unique per run).
.PARAMETER ValueVariable
    The environment variable that holds the value.
.PARAMETER EnvironmentName
    The variable the sandbox sees (holding the placeholder).
.PARAMETER AllowedHost
    Hosts Daytona may send the value to; without it, any host.
.PARAMETER Command
    The bash command line to run in the sandbox.
.PARAMETER TtlMinutes
    The sandbox's time to live.
.EXAMPLE
    $env:NPM_TOKEN_VALUE = '...'   # in a pipeline: env: NPM_TOKEN_VALUE: $(NpmToken)
    ./Invoke-WithDaytonaSecret.ps1 -SecretName ado_42_npm -ValueVariable NPM_TOKEN_VALUE -EnvironmentName NPM_TOKEN -AllowedHost registry.npmjs.org -Command 'npm whoami'
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [ValidatePattern('^[a-zA-Z_][a-zA-Z0-9_-]*$')] [string] $SecretName,
    [Parameter(Mandatory)] [string] $ValueVariable,
    [Parameter(Mandatory)] [ValidatePattern('^[a-zA-Z_][a-zA-Z0-9_]*$')] [string] $EnvironmentName,
    [string[]] $AllowedHost,
    [Parameter(Mandatory)] [string] $Command,
    [int] $TtlMinutes = 60,
    [int] $TimeoutSec = 1800
)

$ErrorActionPreference = 'Stop'
Import-Module DaytonaPS

$plain = [Environment]::GetEnvironmentVariable($ValueVariable)
if ([string]::IsNullOrEmpty($plain)) {
    Write-Error "The environment variable $ValueVariable is empty. In Azure DevOps, map the secret variable under the step's env: (secret variables are not in the environment otherwise)." -ErrorAction Continue
    exit 2
}
$value = ConvertTo-SecureString $plain -AsPlainText -Force
Remove-Variable plain
# Commands this script starts need not see it either.
[Environment]::SetEnvironmentVariable($ValueVariable, $null)

$exitCode = 1
$sandbox = $null
$secret = $null
try {
    $secretArgs = @{ Name = $SecretName; Value = $value; Description = 'one pipeline run' }
    if ($AllowedHost) { $secretArgs.AllowedHost = $AllowedHost }
    $secret = New-DaytonaSecret @secretArgs
    "created Daytona secret $($secret.Name) for $(if ($AllowedHost) { $AllowedHost -join ', ' } else { 'any host' })"

    $sandbox = New-DaytonaSandbox -Secret @{ $EnvironmentName = $secret.Name } -TtlMinutes $TtlMinutes -Label @{ 'ci-secret' = $SecretName }
    "sandbox $($sandbox.Name) sees $EnvironmentName as the secret's placeholder"

    $result = $sandbox | Invoke-DaytonaCommand $Command -TimeoutSec $TimeoutSec -Stream -ErrorAction Continue
    $exitCode = if ($null -ne $result) { $result.ExitCode } else { 1 }
    "command exited with $exitCode"
}
catch {
    Write-Error $_ -ErrorAction Continue
    $exitCode = 1
}
finally {
    if ($sandbox) { $sandbox | Remove-DaytonaSandbox -Force -Wait -ErrorAction Continue }
    # By name, so a secret whose create reply was lost is removed too.
    Get-DaytonaSecret -Name $SecretName -ErrorAction SilentlyContinue | Remove-DaytonaSecret -Force -ErrorAction Continue
    "removed the sandbox and the Daytona secret $SecretName"
}
exit $exitCode
