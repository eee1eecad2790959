#Requires -Version 5.1
<#
    Parser and renderers for help pages written in PlatyPS's markdown schema (2.0.0).

    Used by tools/ConvertTo-MamlHelp.ps1 (markdown -> MAML, about_*.help.md -> about_*.help.txt)
    and by tests/pester/Docs.Tests.ps1 (the doc guard reads the same model the converter renders).
    Kept to syntax and APIs that also run on Windows PowerShell 5.1.
#>
Set-StrictMode -Version 3.0

$script:NsMsh = 'http://msh'
$script:NsMaml = 'http://schemas.microsoft.com/maml/2004/10'
$script:NsCommand = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$script:NsDev = 'http://schemas.microsoft.com/maml/dev/2004/10'
$script:NsMSHelp = 'http://msdn.microsoft.com/mshelp'

# The common parameters (and ProgressAction, which PlatyPS 0.14 on PowerShell 7.4+ writes as a page parameter).
$script:CommonParameterNames = @(
    'Debug', 'ErrorAction', 'ErrorVariable', 'InformationAction', 'InformationVariable', 'OutBuffer',
    'OutVariable', 'PipelineVariable', 'ProgressAction', 'Verbose', 'WarningAction', 'WarningVariable',
    'WhatIf', 'Confirm', 'UseTransaction'
)

#region Markdown model

function Split-MarkdownLine {
    # One string -> lines, whatever the line endings.
    param([Parameter(Mandatory)][AllowEmptyString()][string] $Text)
    , ($Text -replace "`r`n", "`n" -replace "`r", "`n" -split "`n")
}

function Get-FrontMatter {
    # Splits '---' front matter off the top of a page. Returns @{ Values = ordered; Body = lines; BodyStart = index }.
    param([string[]] $Lines)
    $values = [ordered]@{}
    $start = 0
    if ($Lines.Count -gt 0 -and $Lines[0].Trim() -eq '---') {
        for ($i = 1; $i -lt $Lines.Count; $i++) {
            if ($Lines[$i].Trim() -eq '---') { $start = $i + 1; break }
            if ($Lines[$i] -match '^\s*([^:#]+?)\s*:\s*(.*?)\s*$') { $values[$Matches[1]] = $Matches[2] }
        }
        if ($start -eq 0) { throw "Front matter opened with '---' on line 1 is never closed." }
    }
    @{ Values = $values; BodyStart = $start }
}

function Split-MarkdownSection {
    <#
        Splits lines into sections at headings of exactly $Level '#', ignoring lines inside fenced
        code blocks (a PowerShell comment in an example is not a heading).
        Returns a list of @{ Title; Line (1-based); Lines } ; text before the first heading has Title $null.
    #>
    param([string[]] $Lines, [int] $Level, [int] $FirstLineNumber = 1)
    $marker = ('#' * $Level) + ' '
    $sections = New-Object System.Collections.Generic.List[object]
    $current = @{ Title = $null; Line = $FirstLineNumber; Lines = New-Object System.Collections.Generic.List[string] }
    $fence = $null
    for ($i = 0; $i -lt $Lines.Count; $i++) {
        $line = $Lines[$i]
        if ($null -ne $fence) {
            if ($line -match '^\s*(`{3,}|~{3,})\s*$' -and $Matches[1][0] -eq $fence[0] -and $Matches[1].Length -ge $fence.Length) { $fence = $null }
        }
        elseif ($line -match '^\s*(`{3,}|~{3,})') {
            $fence = $Matches[1]
        }
        elseif ($line.StartsWith($marker) -or $line.TrimEnd() -eq $marker.Trim()) {
            $sections.Add($current)
            $current = @{ Title = $line.Substring([Math]::Min($marker.Length, $line.Length)).Trim(); Line = $FirstLineNumber + $i; Lines = New-Object System.Collections.Generic.List[string] }
            continue
        }
        $current.Lines.Add($line)
    }
    $sections.Add($current)
    $sections.ToArray()
}

function Get-MarkdownBlock {
    <#
        Splits section lines into blocks: @{ Kind = 'code'; Language; Text } for fenced code, and
        @{ Kind = 'text'; Lines } for runs of other lines (blank lines kept, for paragraph breaks).
    #>
    param([string[]] $Lines)
    $blocks = New-Object System.Collections.Generic.List[object]
    $text = New-Object System.Collections.Generic.List[string]
    $code = $null
    $fence = $null
    $lang = $null
    foreach ($line in $Lines) {
        if ($null -ne $fence) {
            if ($line -match '^\s*(`{3,}|~{3,})\s*$' -and $Matches[1][0] -eq $fence[0] -and $Matches[1].Length -ge $fence.Length) {
                $blocks.Add(@{ Kind = 'code'; Language = $lang; Text = ($code -join "`n") })
                $fence = $null
                continue
            }
            $code.Add($line)
            continue
        }
        if ($line -match '^\s*(`{3,}|~{3,})\s*([\w+#.-]*)') {
            if ($text.Count) { $blocks.Add(@{ Kind = 'text'; Lines = $text.ToArray() }); $text.Clear() }
            $fence = $Matches[1]
            $lang = $Matches[2]
            $code = New-Object System.Collections.Generic.List[string]
            continue
        }
        $text.Add($line)
    }
    if ($null -ne $fence) {
        # An unclosed fence: keep what is there rather than lose it.
        $blocks.Add(@{ Kind = 'code'; Language = $lang; Text = ($code -join "`n") })
    }
    if ($text.Count) { $blocks.Add(@{ Kind = 'text'; Lines = $text.ToArray() }) }
    $blocks.ToArray()
}

function ConvertFrom-MarkdownInline {
    # Inline markdown that reads badly as plain text: links and bold/italic markers. Code spans are kept.
    param([AllowEmptyString()][string] $Text)
    if (-not $Text) { return $Text }
    # [text](uri): absolute links keep their address, relative ones (other pages) keep the text.
    $Text = [regex]::Replace($Text, '(?<!!)\[([^\]]+)\]\(([^)\s]+)(?:\s+"[^"]*")?\)', {
            param($m)
            $uri = $m.Groups[2].Value
            if ($uri -match '^[a-zA-Z][a-zA-Z0-9+.-]*://') { '{0} ({1})' -f $m.Groups[1].Value, $uri } else { $m.Groups[1].Value }
        })
    $Text = [regex]::Replace($Text, '\*\*(\S(?:.*?\S)?)\*\*', '$1')
    $Text = [regex]::Replace($Text, '(?<![\w*])\*(\S(?:.*?\S)?)\*(?![\w*])', '$1')
    $Text = [regex]::Replace($Text, '<br\s*/?>', ' ')
    $Text
}

function ConvertTo-Paragraph {
    <#
        Section lines -> paragraphs (strings). Blank lines separate paragraphs; soft-wrapped lines
        are joined with a space; list items, table rows and code blocks keep their line breaks.
    #>
    param([AllowEmptyCollection()][string[]] $Lines)
    $paras = New-Object System.Collections.Generic.List[string]
    if (-not $Lines) { return , $paras.ToArray() }
    foreach ($block in (Get-MarkdownBlock -Lines $Lines)) {
        if ($block.Kind -eq 'code') {
            if ($block.Text.Trim()) { $paras.Add((($block.Text -split "`n") | ForEach-Object { '    ' + $_ }) -join "`n") }
            continue
        }
        $buffer = New-Object System.Collections.Generic.List[string]
        $flush = {
            if ($buffer.Count) {
                $sb = New-Object System.Text.StringBuilder
                foreach ($l in $buffer) {
                    $t = $l.Trim()
                    $structured = $t -match '^([-*+]|\d+[.)])\s+' -or $t.StartsWith('|')
                    if ($sb.Length -eq 0) { [void]$sb.Append($t) }
                    elseif ($structured) { [void]$sb.Append("`n").Append($t) }
                    else { [void]$sb.Append(' ').Append($t) }
                }
                $paras.Add((ConvertFrom-MarkdownInline $sb.ToString()))
                $buffer.Clear()
            }
        }
        foreach ($line in $block.Lines) {
            if ($line.Trim() -eq '') { & $flush } else { $buffer.Add($line) }
        }
        & $flush
    }
    , $paras.ToArray()
}

function ConvertFrom-ParameterYaml {
    # The flat 'Key: value' yaml PlatyPS writes under each parameter.
    param([string] $Text)
    $meta = [ordered]@{}
    foreach ($line in ($Text -split "`n")) {
        if ($line -match '^\s*([^:]+?)\s*:\s*(.*?)\s*$') { $meta[$Matches[1]] = $Matches[2] }
    }
    $sets = @('(All)')
    if ($meta.Contains('Parameter Sets') -and $meta['Parameter Sets']) {
        $sets = @($meta['Parameter Sets'] -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
    }
    $aliases = @()
    if ($meta.Contains('Aliases') -and $meta['Aliases'] -and $meta['Aliases'] -ne 'None') {
        $aliases = @($meta['Aliases'] -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
    }
    $accepted = @()
    if ($meta.Contains('Accepted values') -and $meta['Accepted values']) {
        $accepted = @($meta['Accepted values'] -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
    }
    $get = { param($k, $d) if ($meta.Contains($k) -and $meta[$k] -ne '') { $meta[$k] } else { $d } }
    [pscustomobject]@{
        Raw            = $meta
        Type           = & $get 'Type' ''
        ParameterSets  = $sets
        Aliases        = $aliases
        AcceptedValues = $accepted
        Required       = (& $get 'Required' 'False') -match '^\s*true\s*$'
        Position       = & $get 'Position' 'Named'
        DefaultValue   = & $get 'Default value' 'None'
        PipelineInput  = & $get 'Accept pipeline input' 'False'
        Globbing       = (& $get 'Accept wildcard characters' 'False') -match '^\s*true\s*$'
    }
}

function ConvertFrom-HelpMarkdown {
    <#
    .SYNOPSIS
        Parses one cmdlet help page in PlatyPS's markdown schema into an object.
    .DESCRIPTION
        The result has Name, FrontMatter, Synopsis/Description/Notes (paragraph arrays), Syntax
        (Name, Text, ParameterNames), Examples (Title, Code[], Remarks[], CodeLanguages[]), Parameters
        (Name, Description[], Metadata[] one per yaml block), HasCommonParameters, Inputs/Outputs
        (TypeName, Description[]), Links (Text, Uri), Sections (title -> present) and Path.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)][Alias('FullName')][string] $Path
    )
    process {
        $resolved = (Resolve-Path -LiteralPath $Path).ProviderPath
        $lines = Split-MarkdownLine ([System.IO.File]::ReadAllText($resolved))
        try { $front = Get-FrontMatter -Lines $lines } catch { throw "${resolved}: $($_.Exception.Message)" }
        $body = if ($front.BodyStart -lt $lines.Count) { $lines[$front.BodyStart..($lines.Count - 1)] } else { @() }

        $top = @(Split-MarkdownSection -Lines $body -Level 1 -FirstLineNumber ($front.BodyStart + 1))
        $titled = @($top | Where-Object { $_.Title })
        if ($titled.Count -eq 0) { throw "${resolved}: no '# Cmdlet-Name' heading." }
        if ($titled.Count -gt 1) { throw "${resolved}:$($titled[1].Line): more than one '# ' heading; one page documents one cmdlet." }
        $name = $titled[0].Title

        $page = [ordered]@{
            Path                = $resolved
            FrontMatter         = $front.Values
            Name                = $name
            Synopsis            = @()
            Description         = @()
            Syntax              = @()
            Examples            = @()
            Parameters          = @()
            HasCommonParameters = $false
            Inputs              = @()
            Outputs             = @()
            Notes               = @()
            Links               = @()
            Sections            = [ordered]@{}
        }

        foreach ($section in (Split-MarkdownSection -Lines $titled[0].Lines.ToArray() -Level 2 -FirstLineNumber ($titled[0].Line + 1))) {
            if (-not $section.Title) { continue }
            $key = $section.Title.ToUpperInvariant()
            $page.Sections[$key] = $section.Line
            $sub = @(Split-MarkdownSection -Lines $section.Lines.ToArray() -Level 3 -FirstLineNumber ($section.Line + 1))
            switch ($key) {
                'SYNOPSIS' { $page.Synopsis = ConvertTo-Paragraph $section.Lines.ToArray() }
                'DESCRIPTION' { $page.Description = ConvertTo-Paragraph $section.Lines.ToArray() }
                'NOTES' { $page.Notes = ConvertTo-Paragraph $section.Lines.ToArray() }
                'SYNTAX' {
                    $page.Syntax = @(foreach ($s in $sub) {
                            $code = @(Get-MarkdownBlock -Lines $s.Lines.ToArray() | Where-Object { $_.Kind -eq 'code' })
                            if (-not $s.Title -and -not $code) { continue }
                            $text = ($code | ForEach-Object { $_.Text }) -join "`n"
                            $names = @([regex]::Matches($text, '(?<=^|[\s\[])-([A-Za-z_][\w]*)') | ForEach-Object { $_.Groups[1].Value } | Select-Object -Unique)
                            [pscustomobject]@{
                                # PlatyPS marks the default set: '### ByName (Default)'.
                                Name           = if ($s.Title) { ($s.Title -replace '\s*\(Default\)\s*$', '') } else { '__AllParameterSets' }
                                IsDefault      = $s.Title -match '\(Default\)\s*$'
                                Text           = $text
                                ParameterNames = $names
                                Line           = $s.Line
                            }
                        })
                }
                'EXAMPLES' {
                    $page.Examples = @(foreach ($s in $sub) {
                            if (-not $s.Title) { continue }
                            $blocks = @(Get-MarkdownBlock -Lines $s.Lines.ToArray())
                            $code = @($blocks | Where-Object { $_.Kind -eq 'code' })
                            $textLines = @($blocks | Where-Object { $_.Kind -eq 'text' } | ForEach-Object { $_.Lines; '' })
                            [pscustomobject]@{
                                Title         = $s.Title
                                Code          = @($code | ForEach-Object { $_.Text })
                                CodeLanguages = @($code | ForEach-Object { $_.Language })
                                Remarks       = ConvertTo-Paragraph $textLines
                                Line          = $s.Line
                            }
                        })
                }
                'PARAMETERS' {
                    $page.Parameters = @(foreach ($s in $sub) {
                            if (-not $s.Title) { continue }
                            if ($s.Title -eq 'CommonParameters') { $page.HasCommonParameters = $true; continue }
                            $blocks = @(Get-MarkdownBlock -Lines $s.Lines.ToArray())
                            $yaml = @($blocks | Where-Object { $_.Kind -eq 'code' -and $_.Language -match '^(yaml|yml)$' })
                            $textLines = @($blocks | Where-Object { $_.Kind -eq 'text' } | ForEach-Object { $_.Lines; '' })
                            [pscustomobject]@{
                                Name        = $s.Title.TrimStart('-').Trim()
                                Description = ConvertTo-Paragraph $textLines
                                Metadata    = @($yaml | ForEach-Object { ConvertFrom-ParameterYaml $_.Text })
                                Line        = $s.Line
                            }
                        })
                }
                { $_ -in 'INPUTS', 'OUTPUTS' } {
                    $items = @(foreach ($s in $sub) {
                            if (-not $s.Title) { continue }
                            [pscustomobject]@{ TypeName = (ConvertFrom-MarkdownInline $s.Title); Description = ConvertTo-Paragraph $s.Lines.ToArray() }
                        })
                    if ($key -eq 'INPUTS') { $page.Inputs = $items } else { $page.Outputs = $items }
                }
                'RELATED LINKS' {
                    $page.Links = @(foreach ($m in [regex]::Matches(($section.Lines -join "`n"), '\[([^\]]+)\]\(([^)\s]*)\)')) {
                            [pscustomobject]@{ Text = $m.Groups[1].Value; Uri = $m.Groups[2].Value }
                        })
                }
            }
        }
        [pscustomobject]$page
    }
}

#endregion

#region MAML

function Get-ParameterMetadataForSet {
    # The yaml block of a parameter that applies to a parameter set (PlatyPS writes one block per distinct metadata).
    param($Parameter, [string] $SetName)
    foreach ($m in $Parameter.Metadata) {
        if ($m.ParameterSets -contains $SetName -or $m.ParameterSets -contains '(All)') { return $m }
    }
    $null
}

function Test-SwitchType {
    param([string] $Type)
    $Type -match '^(System\.Management\.Automation\.)?SwitchParameter$'
}

function Write-MamlParameter {
    param([System.Xml.XmlWriter] $Writer, $Parameter, $Meta, [bool] $IsSyntax)
    $type = if ($Meta) { $Meta.Type } else { '' }
    $isSwitch = Test-SwitchType $type
    if ($isSwitch) { $type = 'SwitchParameter' }
    $position = if ($Meta) { $Meta.Position } else { 'Named' }
    if ($position -match '^\s*named\s*$') { $position = 'named' }
    $aliases = if ($Meta -and $Meta.Aliases.Count) { $Meta.Aliases -join ', ' } else { 'none' }
    $bool = { param($b) if ($b) { 'true' } else { 'false' } }

    $Writer.WriteStartElement('command', 'parameter', $script:NsCommand)
    $Writer.WriteAttributeString('required', (& $bool ($Meta -and $Meta.Required)))
    $Writer.WriteAttributeString('variableLength', 'true')
    $Writer.WriteAttributeString('globbing', (& $bool ($Meta -and $Meta.Globbing)))
    $Writer.WriteAttributeString('pipelineInput', $(if ($Meta) { $Meta.PipelineInput } else { 'False' }))
    $Writer.WriteAttributeString('position', $position)
    $Writer.WriteAttributeString('aliases', $aliases)
    $Writer.WriteElementString('maml', 'name', $script:NsMaml, $Parameter.Name)
    Write-MamlParagraphs -Writer $Writer -Paragraphs $Parameter.Description
    if ($IsSyntax -and $Meta -and $Meta.AcceptedValues.Count) {
        $Writer.WriteStartElement('command', 'parameterValueGroup', $script:NsCommand)
        foreach ($v in $Meta.AcceptedValues) {
            $Writer.WriteStartElement('command', 'parameterValue', $script:NsCommand)
            $Writer.WriteAttributeString('required', 'false')
            $Writer.WriteAttributeString('command', 'variableLength', $script:NsCommand, 'false')
            $Writer.WriteString($v)
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }
    if (-not ($IsSyntax -and $isSwitch)) {
        # In syntax, a switch gets no value (Get-Help would print '-Force <SwitchParameter>').
        $Writer.WriteStartElement('command', 'parameterValue', $script:NsCommand)
        $Writer.WriteAttributeString('required', (& $bool (-not $isSwitch)))
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString($type)
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $script:NsDev)
    $Writer.WriteElementString('maml', 'name', $script:NsMaml, $type)
    $Writer.WriteElementString('maml', 'uri', $script:NsMaml, '')
    $Writer.WriteEndElement()
    $default = if ($Meta) { $Meta.DefaultValue } else { 'None' }
    if ($isSwitch -and (-not $default -or $default -eq 'None')) { $default = 'False' }
    $Writer.WriteElementString('dev', 'defaultValue', $script:NsDev, $default)
    $Writer.WriteEndElement()
}

function Write-MamlParagraphs {
    param([System.Xml.XmlWriter] $Writer, [AllowEmptyCollection()][string[]] $Paragraphs, [string] $Element = 'description')
    $Writer.WriteStartElement('maml', $Element, $script:NsMaml)
    foreach ($p in @($Paragraphs)) {
        if ($null -ne $p) { $Writer.WriteElementString('maml', 'para', $script:NsMaml, $p) }
    }
    $Writer.WriteEndElement()
}

function Format-ExampleTitle {
    # PlatyPS pads example titles with dashes to 64 characters; Get-Help shows them as banners.
    param([string] $Title)
    if ([string]::IsNullOrWhiteSpace($Title) -or $Title.Length -ge 62) { return $Title }
    $pad = [int][Math]::Floor((64 - $Title.Length - 2) / 2)
    ('-' * $pad) + ' ' + $Title + ' ' + ('-' * $pad)
}

function Get-SyntaxParameterSet {
    <#
        The parameter sets to render, each with its parameters in order: the SYNTAX block's order
        first, then any parameter the yaml puts in that set that the block left out. With no SYNTAX
        blocks, the sets named in the yaml (or one set of every parameter).
    #>
    param($Page)
    $sets = New-Object System.Collections.Generic.List[object]
    $syntax = @($Page.Syntax)
    if ($syntax.Count -eq 0) {
        $names = @($Page.Parameters | ForEach-Object { $_.Metadata | ForEach-Object { $_.ParameterSets } } | Where-Object { $_ -ne '(All)' } | Select-Object -Unique)
        if ($names.Count -eq 0) { $names = @('__AllParameterSets') }
        $syntax = @($names | ForEach-Object { [pscustomobject]@{ Name = $_; ParameterNames = @() } })
    }
    $single = $syntax.Count -eq 1
    foreach ($s in $syntax) {
        $ordered = New-Object System.Collections.Generic.List[object]
        foreach ($n in $s.ParameterNames) {
            $p = $Page.Parameters | Where-Object { $_.Name -eq $n } | Select-Object -First 1
            if (-not $p) {
                if ($script:CommonParameterNames -notcontains $n) {
                    Write-Warning "$($Page.Path): SYNTAX '$($s.Name)' names -$n, which PARAMETERS does not document."
                }
                # Take what the syntax line says: '-Name <Type>' or a bare switch '[-Force]'.
                $type = 'SwitchParameter'
                $m = [regex]::Match($s.Text, '-' + [regex]::Escape($n) + '\]?\s+<([^>]+)>')
                if ($m.Success) { $type = $m.Groups[1].Value }
                $p = [pscustomobject]@{ Name = $n; Description = @(); Metadata = @([pscustomobject]@{
                            Type = $type; ParameterSets = @('(All)'); Aliases = @(); AcceptedValues = @(); Required = $false
                            Position = 'Named'; DefaultValue = 'None'; PipelineInput = 'False'; Globbing = $false
                        })
                }
            }
            $meta = Get-ParameterMetadataForSet -Parameter $p -SetName $s.Name
            if (-not $meta -and $single -and $p.Metadata.Count) { $meta = $p.Metadata[0] }
            $ordered.Add([pscustomobject]@{ Parameter = $p; Metadata = $meta })
        }
        foreach ($p in $Page.Parameters) {
            if ($s.ParameterNames -contains $p.Name) { continue }
            if ($script:CommonParameterNames -contains $p.Name) { continue }
            $meta = Get-ParameterMetadataForSet -Parameter $p -SetName $s.Name
            if (-not $meta -and $single -and -not $s.ParameterNames) { $meta = $p.Metadata | Select-Object -First 1 }
            if ($meta) { $ordered.Add([pscustomobject]@{ Parameter = $p; Metadata = $meta }) }
        }
        $sets.Add([pscustomobject]@{ Name = $s.Name; Parameters = $ordered.ToArray() })
    }
    , $sets.ToArray()
}

function ConvertTo-MamlXml {
    <#
    .SYNOPSIS
        Renders parsed pages (ConvertFrom-HelpMarkdown) to one MAML document (a string), in PlatyPS's layout.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][AllowEmptyCollection()][object[]] $Page)

    $settings = New-Object System.Xml.XmlWriterSettings
    $settings.Indent = $true
    $settings.IndentChars = '  '
    $settings.Encoding = New-Object System.Text.UTF8Encoding($false)
    $settings.NewLineChars = "`n"
    $settings.NewLineHandling = [System.Xml.NewLineHandling]::Entitize
    $settings.CheckCharacters = $true
    $stream = New-Object System.IO.MemoryStream
    $w = [System.Xml.XmlWriter]::Create($stream, $settings)
    try {
        $w.WriteStartDocument()
        $w.WriteStartElement('helpItems', $script:NsMsh)
        $w.WriteAttributeString('schema', 'maml')
        foreach ($p in $Page) {
            $w.WriteStartElement('command', 'command', $script:NsCommand)
            $w.WriteAttributeString('xmlns', 'maml', $null, $script:NsMaml)
            $w.WriteAttributeString('xmlns', 'command', $null, $script:NsCommand)
            $w.WriteAttributeString('xmlns', 'dev', $null, $script:NsDev)
            $w.WriteAttributeString('xmlns', 'MSHelp', $null, $script:NsMSHelp)

            $verb, $noun = $p.Name -split '-', 2
            $w.WriteStartElement('command', 'details', $script:NsCommand)
            $w.WriteElementString('command', 'name', $script:NsCommand, $p.Name)
            $w.WriteElementString('command', 'verb', $script:NsCommand, $verb)
            $w.WriteElementString('command', 'noun', $script:NsCommand, $(if ($noun) { $noun } else { '' }))
            Write-MamlParagraphs -Writer $w -Paragraphs $p.Synopsis
            $w.WriteEndElement()
            Write-MamlParagraphs -Writer $w -Paragraphs $p.Description

            $w.WriteStartElement('command', 'syntax', $script:NsCommand)
            foreach ($set in (Get-SyntaxParameterSet -Page $p)) {
                $w.WriteStartElement('command', 'syntaxItem', $script:NsCommand)
                $w.WriteElementString('maml', 'name', $script:NsMaml, $p.Name)
                foreach ($entry in $set.Parameters) {
                    Write-MamlParameter -Writer $w -Parameter $entry.Parameter -Meta $entry.Metadata -IsSyntax $true
                }
                $w.WriteEndElement()
            }
            $w.WriteEndElement()

            $w.WriteStartElement('command', 'parameters', $script:NsCommand)
            foreach ($param in $p.Parameters) {
                $meta = $param.Metadata | Select-Object -First 1
                Write-MamlParameter -Writer $w -Parameter $param -Meta $meta -IsSyntax $false
            }
            $w.WriteEndElement()

            foreach ($kind in @(@('inputTypes', 'inputType', $p.Inputs), @('returnValues', 'returnValue', $p.Outputs))) {
                $w.WriteStartElement('command', $kind[0], $script:NsCommand)
                foreach ($io in @($kind[2])) {
                    $w.WriteStartElement('command', $kind[1], $script:NsCommand)
                    $w.WriteStartElement('dev', 'type', $script:NsDev)
                    $w.WriteElementString('maml', 'name', $script:NsMaml, $io.TypeName)
                    $w.WriteEndElement()
                    Write-MamlParagraphs -Writer $w -Paragraphs $io.Description
                    $w.WriteEndElement()
                }
                $w.WriteEndElement()
            }

            $w.WriteStartElement('maml', 'alertSet', $script:NsMaml)
            Write-MamlParagraphs -Writer $w -Paragraphs $p.Notes -Element 'alert'
            $w.WriteEndElement()

            $w.WriteStartElement('command', 'examples', $script:NsCommand)
            foreach ($ex in $p.Examples) {
                $w.WriteStartElement('command', 'example', $script:NsCommand)
                $w.WriteElementString('maml', 'title', $script:NsMaml, (Format-ExampleTitle $ex.Title))
                $w.WriteElementString('dev', 'code', $script:NsDev, ($ex.Code -join "`n`n"))
                $w.WriteStartElement('dev', 'remarks', $script:NsDev)
                foreach ($r in $ex.Remarks) { $w.WriteElementString('maml', 'para', $script:NsMaml, $r) }
                $w.WriteEndElement()
                $w.WriteEndElement()
            }
            $w.WriteEndElement()

            $w.WriteStartElement('command', 'relatedLinks', $script:NsCommand)
            $links = New-Object System.Collections.Generic.List[object]
            $online = if ($p.FrontMatter.Contains('online version')) { $p.FrontMatter['online version'] } else { '' }
            if ($online -match '^[a-zA-Z][a-zA-Z0-9+.-]*://') { $links.Add([pscustomobject]@{ Text = 'Online Version:'; Uri = $online }) }
            foreach ($l in $p.Links) { $links.Add($l) }
            foreach ($l in $links) {
                $uri = ''
                $parsed = $null
                # Get-Help -Online needs absolute URIs; relative links to sibling pages keep their text only.
                if ([Uri]::TryCreate($l.Uri, [UriKind]::Absolute, [ref]$parsed) -and $parsed.Scheme -in 'http', 'https') { $uri = $l.Uri }
                $w.WriteStartElement('maml', 'navigationLink', $script:NsMaml)
                $w.WriteElementString('maml', 'linkText', $script:NsMaml, $l.Text)
                $w.WriteElementString('maml', 'uri', $script:NsMaml, $uri)
                $w.WriteEndElement()
            }
            $w.WriteEndElement()

            $w.WriteEndElement() # command:command
        }
        $w.WriteEndElement()
        $w.WriteEndDocument()
        $w.Flush()
        (New-Object System.Text.UTF8Encoding($false)).GetString($stream.ToArray())
    }
    finally {
        $w.Dispose()
        $stream.Dispose()
    }
}

#endregion

#region about topics

function Format-WrappedText {
    param([string] $Text, [int] $Indent, [int] $Width = 80, [int] $HangingIndent = 0)
    $lines = New-Object System.Collections.Generic.List[string]
    $prefix = ' ' * $Indent
    $current = $prefix
    $empty = $true
    foreach ($word in ($Text -split '\s+' | Where-Object { $_ })) {
        if (-not $empty -and ($current.Length + 1 + $word.Length) -gt $Width) {
            $lines.Add($current)
            $current = (' ' * ($Indent + $HangingIndent)) + $word
        }
        elseif ($empty) { $current += $word; $empty = $false }
        else { $current += ' ' + $word }
    }
    if (-not $empty) { $lines.Add($current) }
    , $lines.ToArray()
}

function ConvertTo-AboutHelpText {
    <#
    .SYNOPSIS
        Renders an about_*.help.md page as the plain text Get-Help shows for about topics.
    .DESCRIPTION
        Front matter is dropped. '# about_X' becomes 'TOPIC' with the name indented under it,
        '## Heading' an upper-case heading, '### Heading' an indented sub-heading. Prose is wrapped
        at 80 columns and indented four spaces; code blocks are indented eight and never wrapped.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][string] $Path)
    $lines = Split-MarkdownLine ([System.IO.File]::ReadAllText((Resolve-Path -LiteralPath $Path).ProviderPath))
    $front = Get-FrontMatter -Lines $lines
    $body = if ($front.BodyStart -lt $lines.Count) { $lines[$front.BodyStart..($lines.Count - 1)] } else { @() }
    $out = New-Object System.Collections.Generic.List[string]
    $addBlank = { if ($out.Count -and $out[$out.Count - 1] -ne '') { $out.Add('') } }
    $paragraph = New-Object System.Collections.Generic.List[string]
    $flush = {
        if ($paragraph.Count) {
            $first = $paragraph[0].Trim()
            if ($paragraph | Where-Object { $_.Trim().StartsWith('|') }) {
                foreach ($l in $paragraph) { $out.Add('    ' + (ConvertFrom-MarkdownInline $l.Trim())) }
            }
            else {
                # Split list items; join wrapped lines of the same item.
                $items = New-Object System.Collections.Generic.List[string]
                foreach ($l in $paragraph) {
                    $t = $l.Trim()
                    if ($items.Count -eq 0 -or $t -match '^([-*+]|\d+[.)])\s+') { $items.Add($t) }
                    else { $items[$items.Count - 1] = $items[$items.Count - 1] + ' ' + $t }
                }
                foreach ($item in $items) {
                    $hang = 0
                    if ($item -match '^([-*+])\s+(.*)$') { $item = '- ' + $Matches[2]; $hang = 2 }
                    elseif ($item -match '^(\d+[.)])\s+') { $hang = $Matches[0].Length }
                    foreach ($w in (Format-WrappedText -Text (ConvertFrom-MarkdownInline $item) -Indent 4 -HangingIndent $hang)) { $out.Add($w) }
                }
            }
            $paragraph.Clear()
            & $addBlank
        }
    }
    foreach ($block in (Get-MarkdownBlock -Lines $body)) {
        if ($block.Kind -eq 'code') {
            & $flush
            & $addBlank
            foreach ($l in ($block.Text -split "`n")) { $out.Add(('        ' + $l).TrimEnd()) }
            $out.Add('')
            continue
        }
        foreach ($line in $block.Lines) {
            if ($line -match '^(#{1,6})\s+(.*?)\s*#*\s*$') {
                & $flush
                & $addBlank
                $level = $Matches[1].Length
                $title = ConvertFrom-MarkdownInline $Matches[2]
                if ($level -eq 1) { $out.Add('TOPIC'); $out.Add('    ' + $title) }
                elseif ($level -eq 2) { $out.Add($title.ToUpperInvariant()) }
                else { $out.Add('  ' + $title) }
            }
            elseif ($line.Trim() -eq '') { & $flush }
            else { $paragraph.Add($line) }
        }
        & $flush
    }
    while ($out.Count -and $out[$out.Count - 1] -eq '') { $out.RemoveAt($out.Count - 1) }
    ($out -join [Environment]::NewLine) + [Environment]::NewLine
}

#endregion

Export-ModuleMember -Function ConvertFrom-HelpMarkdown, ConvertTo-MamlXml, ConvertTo-AboutHelpText, Get-SyntaxParameterSet -Variable CommonParameterNames
