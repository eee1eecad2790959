<#
.SYNOPSIS
    Removes a team's stopped Daytona sandboxes, keeping the running ones.
.DESCRIPTION
    A small ops script, here to show how a script is tested offline against the local emulator
    (see Remove-StoppedSandbox.Tests.ps1). It uses the ambient DaytonaPS credential
    (DAYTONA_API_URL/DAYTONA_API_KEY, or Connect-Daytona), so it runs unchanged against Daytona.
.PARAMETER Team
    The value of the sandboxes' 'team' label.
.OUTPUTS
    The names of the removed sandboxes.
.EXAMPLE
    ./Remove-StoppedSandbox.ps1 -Team data -WhatIf
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)]
    [string] $Team
)
$stopped = @(Get-DaytonaSandbox -Label @{ team = $Team } -State stopped)
foreach ($sandbox in $stopped) {
    if ($PSCmdlet.ShouldProcess($sandbox.Name, 'Remove stopped sandbox')) {
        $sandbox | Remove-DaytonaSandbox -Force -Wait
        $sandbox.Name
    }
}
