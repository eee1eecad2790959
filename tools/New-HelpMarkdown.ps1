#Requires -Version 5.1
<#
.SYNOPSIS
    Writes a skeleton help page (PlatyPS markdown schema 2.0.0) for each command that has none.

.DESCRIPTION
    PlatyPS is not obtainable on these machines, so this stands in for its New-MarkdownHelp: it
    imports the built module and, for every exported command without docs/en-US/<Command>.md
    (or for -Command), writes a page whose SYNTAX, PARAMETERS yaml (type, parameter sets,
    aliases, accepted values, required, position, pipeline input, wildcards), INPUTS and OUTPUTS
    are taken from the code. Prose is left as PlatyPS's '{{ Fill ... }}' placeholders, which
    tests/pester/Docs.Tests.ps1 rejects until someone writes it. Existing pages are never touched
    unless -Force is given.

.PARAMETER ModulePath
    The built module: a folder holding DaytonaPS.psd1 (out/DaytonaPS) or a manifest/dll path.

.PARAMETER OutputPath
    The docs folder (docs/en-US).

.PARAMETER Command
    Only these commands (default: every exported cmdlet and function).

.PARAMETER Force
    Overwrite pages that exist.

.EXAMPLE
    dotnet pwsh -NoProfile -File ./tools/New-HelpMarkdown.ps1 -ModulePath ./out/DaytonaPS -OutputPath ./docs/en-US
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)]
    [string] $ModulePath,

    [Parameter(Mandatory)]
    [string] $OutputPath,

    [string[]] $Command,

    [switch] $Force
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$file = if (Test-Path -LiteralPath (Join-Path $ModulePath 'DaytonaPS.psd1')) { Join-Path $ModulePath 'DaytonaPS.psd1' } else { $ModulePath }
$module = Import-Module $file -PassThru -Force | Select-Object -First 1
# The online version of each page: <ProjectUri>/blob/main/docs/en-US/<Command>.md (empty without a ProjectUri).
$projectUri = if ($module.PrivateData -is [hashtable] -and $module.PrivateData['PSData'] -is [hashtable]) { $module.PrivateData['PSData']['ProjectUri'] } else { $null }
if (-not (Test-Path -LiteralPath $OutputPath)) { $null = New-Item -ItemType Directory -Path $OutputPath }

$common = @([System.Management.Automation.Cmdlet]::CommonParameters) + 'ProgressAction'
$shouldProcess = @{
    WhatIf  = @{ Alias = 'wi'; Text = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.' }
    Confirm = @{ Alias = 'cf'; Text = 'Prompts you for confirmation before running the cmdlet.' }
}

function Get-TypeName([type] $Type) {
    # PlatyPS's style: the short name (String, SwitchParameter, Hashtable, Sandbox[]); generics in full.
    if ($Type.IsGenericType) {
        if ($Type.GetGenericTypeDefinition() -eq [Nullable`1]) { return 'Nullable`1[' + $Type.GetGenericArguments()[0].FullName + ']' }
        return $Type.ToString()
    }
    $Type.Name
}

function Get-PipelineText($SetMeta) {
    $how = @()
    if ($SetMeta.ValueFromPipeline) { $how += 'ByValue' }
    if ($SetMeta.ValueFromPipelineByPropertyName) { $how += 'ByPropertyName' }
    if ($how) { 'True (' + ($how -join ', ') + ')' } else { 'False' }
}

foreach ($cmd in (Get-Command -Module $module.Name -CommandType Cmdlet, Function | Sort-Object Name)) {
    if ($Command -and $cmd.Name -notin $Command) { continue }
    $path = Join-Path $OutputPath "$($cmd.Name).md"
    if ((Test-Path -LiteralPath $path) -and -not $Force) { Write-Verbose "Keeping $path."; continue }

    $sb = New-Object System.Text.StringBuilder
    $add = { param([string] $line = '') [void]$sb.Append($line).Append("`n") }
    & $add '---'
    & $add "external help file: $($module.Name).dll-Help.xml"
    & $add "Module Name: $($module.Name)"
    # Get-Help -Online opens this address (tests/pester/Docs.Tests.ps1 checks it).
    & $add $(if ($projectUri) { "online version: $projectUri/blob/main/docs/en-US/$($cmd.Name).md" } else { 'online version:' })
    & $add 'schema: 2.0.0'
    & $add '---'
    & $add
    & $add "# $($cmd.Name)"
    & $add
    & $add '## SYNOPSIS'
    & $add '{{ Fill in the Synopsis }}'
    & $add
    & $add '## SYNTAX'
    $sets = @($cmd.ParameterSets)
    foreach ($set in $sets) {
        & $add
        $title = if ($sets.Count -eq 1) { '__AllParameterSets' } elseif ($set.IsDefault) { "$($set.Name) (Default)" } else { $set.Name }
        & $add "### $title"
        & $add '```'
        & $add ("$($cmd.Name) $set").Trim()
        & $add '```'
    }
    & $add
    & $add '## DESCRIPTION'
    & $add '{{ Fill in the Description }}'
    & $add
    & $add '## EXAMPLES'
    foreach ($n in 1, 2) {
        & $add
        & $add "### Example ${n}: {{ Add example title here }}"
        & $add '```powershell'
        & $add '{{ Add example code here }}'
        & $add '```'
        & $add
        & $add '{{ Add example description here }}'
    }
    & $add
    & $add '## PARAMETERS'

    $names = @($cmd.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object)
    foreach ($name in $names) {
        $p = $cmd.Parameters[$name]
        & $add
        & $add "### -$name"
        if ($shouldProcess.ContainsKey($name)) { & $add $shouldProcess[$name].Text } else { & $add "{{ Fill $name Description }}" }
        $aliases = if ($p.Aliases.Count) { $p.Aliases -join ', ' } elseif ($shouldProcess.ContainsKey($name)) { $shouldProcess[$name].Alias } else { '' }
        $validateSet = $p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
        $wildcards = [bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })

        # One yaml block per distinct (required, position, pipeline) across the parameter's sets, as PlatyPS does.
        $allSets = @($sets | ForEach-Object Name)
        $entries = foreach ($setName in $p.ParameterSets.Keys) {
            $m = $p.ParameterSets[$setName]
            $pos = if ($m.Position -lt 0 -or $m.Position -eq [int]::MinValue) { 'Named' } else { [string]$m.Position }
            [pscustomobject]@{
                Set      = $setName
                Key      = '{0}|{1}|{2}' -f $m.IsMandatory, $pos, (Get-PipelineText $m)
                Required = $m.IsMandatory
                Position = $pos
                Pipeline = Get-PipelineText $m
            }
        }
        $groups = @($entries | Group-Object Key)
        foreach ($g in $groups) {
            $first = $g.Group[0]
            $inSets = @($g.Group | ForEach-Object Set)
            $setText = if ($inSets -contains '__AllParameterSets' -or ($groups.Count -eq 1 -and @($allSets | Where-Object { $_ -notin $inSets }).Count -eq 0)) { '(All)' } else { ($allSets | Where-Object { $_ -in $inSets }) -join ', ' }
            & $add
            & $add '```yaml'
            & $add "Type: $(Get-TypeName $p.ParameterType)"
            & $add "Parameter Sets: $setText"
            & $add ("Aliases: $aliases").TrimEnd()
            if ($validateSet) { & $add "Accepted values: $($validateSet.ValidValues -join ', ')" }
            & $add
            & $add "Required: $($first.Required)"
            & $add "Position: $($first.Position)"
            & $add "Default value: $(if ($p.SwitchParameter) { 'False' } else { 'None' })"
            & $add "Accept pipeline input: $($first.Pipeline)"
            & $add "Accept wildcard characters: $wildcards"
            & $add '```'
        }
    }
    & $add
    & $add '### CommonParameters'
    & $add 'This cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable, -InformationAction, -InformationVariable, -OutBuffer, -OutVariable, -PipelineVariable, -ProgressAction, -Verbose, -WarningAction, and -WarningVariable. For more information, see [about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).'
    & $add
    & $add '## INPUTS'
    $inputs = @($names | ForEach-Object { $cmd.Parameters[$_] } | Where-Object { $_.ParameterSets.Values | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName } } |
            ForEach-Object { $_.ParameterType.FullName } | Select-Object -Unique)
    if (-not $inputs) { $inputs = @('None') }
    foreach ($t in $inputs) { & $add; & $add "### $t"; & $add '{{ Fill in the Description }}' }
    & $add
    & $add '## OUTPUTS'
    $outputs = @($cmd.OutputType | ForEach-Object Name | Select-Object -Unique)
    if (-not $outputs) { $outputs = @('None') }
    foreach ($t in $outputs) { & $add; & $add "### $t"; & $add '{{ Fill in the Description }}' }
    & $add
    & $add '## NOTES'
    # A placeholder, not an empty section: the doc guard rejects both until the notes are written
    # or the section removed.
    & $add '{{ Fill in the Notes, or remove this section }}'
    & $add
    & $add '## RELATED LINKS'
    & $add
    & $add "[about_$($module.Name)](about_$($module.Name).md)"

    if ($PSCmdlet.ShouldProcess($path, 'Write help page skeleton')) {
        [System.IO.File]::WriteAllText($path, $sb.ToString(), (New-Object System.Text.UTF8Encoding($false)))
        Get-Item -LiteralPath $path
    }
}
