<#
.SYNOPSIS
    Packs a built DaytonaPS module folder into a .nupkg that Install-PSResource / Install-Module accept.
.OUTPUTS
    System.IO.FileInfo of the .nupkg.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $OutputPath
)
$ErrorActionPreference = 'Stop'
New-Item -ItemType Directory -Force -Path $OutputPath | Out-Null
# Compress-PSResource (PSResourceGet, shipped with pwsh 7.4+) validates the manifest and writes
# the same nupkg layout Publish-PSResource would push to a gallery.
Compress-PSResource -Path $ModulePath -DestinationPath $OutputPath
$nupkg = Get-ChildItem -Path $OutputPath -Filter 'DaytonaPS.*.nupkg' | Sort-Object LastWriteTime -Descending | Select-Object -First 1
if (-not $nupkg) { throw "No DaytonaPS .nupkg was written to '$OutputPath'." }
$nupkg
