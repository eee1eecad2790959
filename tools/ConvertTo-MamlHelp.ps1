#Requires -Version 7.2
<#
.SYNOPSIS
    Builds the module's external help (MAML) and about topics from docs/en-US markdown.

.DESCRIPTION
    Reads every cmdlet page (*.md in PlatyPS's markdown schema 2.0.0) under -Path and writes one
    MAML file per 'external help file' named in the pages' front matter (DaytonaPS.dll-Help.xml)
    into -OutputPath, in the layout PlatyPS's New-ExternalHelp writes, so Get-Help -Full,
    -Examples and -Parameter render it in PowerShell 7 and Windows PowerShell 5.1.
    Every about_*.help.md is written as about_*.help.txt (plain text, front matter removed).

    When platyPS is importable (Get-Module -ListAvailable platyPS) and -UseBuiltInConverter is not
    given, the cmdlet pages go through PlatyPS's New-ExternalHelp instead; about topics always go
    through the converter here, so their text layout does not depend on the machine.

.PARAMETER Path
    The folder of markdown pages (docs/en-US).

.PARAMETER OutputPath
    The folder to write into (out/DaytonaPS/en-US). Created when missing.

.PARAMETER UseBuiltInConverter
    Use this script's converter even when platyPS is installed.

.PARAMETER PassThru
    Write the files produced (FileInfo) to the pipeline.

.EXAMPLE
    ./tools/ConvertTo-MamlHelp.ps1 -Path ./docs/en-US -OutputPath ./out/DaytonaPS/en-US
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $Path,

    [Parameter(Mandatory)]
    [string] $OutputPath,

    [switch] $UseBuiltInConverter,

    [switch] $PassThru
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

Import-Module (Join-Path $PSScriptRoot 'HelpMarkdown.psm1') -Force -Verbose:$false

$source = (Resolve-Path -LiteralPath $Path).ProviderPath
if (-not (Test-Path -LiteralPath $OutputPath -PathType Container)) {
    $null = New-Item -ItemType Directory -Path $OutputPath -Force
}
$target = (Resolve-Path -LiteralPath $OutputPath).ProviderPath

$files = @(Get-ChildItem -LiteralPath $source -Filter '*.md' -File | Sort-Object Name)
$aboutFiles = @($files | Where-Object { $_.Name -like 'about_*.md' })
$commandFiles = @($files | Where-Object { $_.Name -notlike 'about_*.md' })
$written = New-Object System.Collections.Generic.List[System.IO.FileInfo]

$platyPS = $null
if (-not $UseBuiltInConverter) {
    $platyPS = Get-Module -ListAvailable -Name platyPS | Sort-Object Version -Descending | Select-Object -First 1
}

if ($commandFiles.Count -and $platyPS) {
    Write-Verbose "Using platyPS $($platyPS.Version) New-ExternalHelp for $($commandFiles.Count) page(s)."
    Import-Module $platyPS -Verbose:$false
    $staging = Join-Path ([System.IO.Path]::GetTempPath()) ('dps-help-' + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory -Path $staging
    try {
        foreach ($f in $commandFiles) { Copy-Item -LiteralPath $f.FullName -Destination $staging }
        foreach ($f in (New-ExternalHelp -Path $staging -OutputPath $target -Force -Encoding ([System.Text.Encoding]::UTF8))) {
            $written.Add((Get-Item -LiteralPath $f.FullName))
        }
    }
    finally {
        Remove-Item -LiteralPath $staging -Recurse -Force -ErrorAction SilentlyContinue
    }
}
elseif ($commandFiles.Count) {
    $pages = @(foreach ($f in $commandFiles) { ConvertFrom-HelpMarkdown -Path $f.FullName })

    $dupes = @($pages | Group-Object Name | Where-Object Count -GT 1)
    if ($dupes) {
        throw "More than one page documents: $(($dupes | ForEach-Object { "$($_.Name) ($(($_.Group.Path | Split-Path -Leaf) -join ', '))" }) -join '; ')"
    }

    $groups = $pages | Group-Object {
        $name = $null
        if ($_.FrontMatter.Contains('external help file')) { $name = $_.FrontMatter['external help file'] }
        if ($name) { $name } else { 'DaytonaPS.dll-Help.xml' }
    }
    foreach ($g in $groups) {
        if ($g.Name -notmatch '^[\w.-]+-help\.xml$') { throw "'external help file: $($g.Name)' is not a help file name (expected <assembly>.dll-Help.xml)." }
        $xml = ConvertTo-MamlXml -Page @($g.Group)
        # Re-read what we wrote: a converter bug must fail the build, not ship broken help.
        $doc = New-Object System.Xml.XmlDocument
        $doc.LoadXml($xml)
        $file = Join-Path $target $g.Name
        [System.IO.File]::WriteAllText($file, $xml, (New-Object System.Text.UTF8Encoding($false)))
        Write-Verbose "Wrote $file ($($g.Count) command(s): $(($g.Group.Name) -join ', '))."
        $written.Add((Get-Item -LiteralPath $file))
    }
}

else {
    # No cmdlet pages yet: an empty help file keeps the build's artifact list whole; the doc guard
    # (tests/pester/Docs.Tests.ps1) is what fails for commands without pages.
    Write-Warning "No cmdlet pages under $source; writing an empty DaytonaPS.dll-Help.xml."
    $file = Join-Path $target 'DaytonaPS.dll-Help.xml'
    [System.IO.File]::WriteAllText($file, (ConvertTo-MamlXml -Page @()), (New-Object System.Text.UTF8Encoding($false)))
    $written.Add((Get-Item -LiteralPath $file))
}

foreach ($f in $aboutFiles) {
    $name = $f.Name -replace '(\.help)?\.md$', '.help.txt'
    $file = Join-Path $target $name
    $text = ConvertTo-AboutHelpText -Path $f.FullName
    [System.IO.File]::WriteAllText($file, $text, (New-Object System.Text.UTF8Encoding($false)))
    Write-Verbose "Wrote $file."
    $written.Add((Get-Item -LiteralPath $file))
}

if ($PassThru) { $written.ToArray() }
