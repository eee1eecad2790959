#Requires -Version 7.2
<#
    Parser and renderers for help pages written in PlatyPS's markdown schema (2.0.0).

    Used by tools/ConvertTo-MamlHelp.ps1 (markdown -> MAML, about_*.help.md -> about_*.help.txt)
    and by tests/pester/Docs.Tests.ps1 (the doc guard reads the same model the converter renders).

    The markdown is parsed by Markdig (Markdig.Signed ships with PowerShell 7, it is what
    ConvertFrom-Markdown uses), with its YAML front matter and pipe table extensions. What is left
    here is what Markdig does not do: reading the flat 'key: value' yaml of the front matter and of
    the parameter blocks, mapping the syntax tree onto PlatyPS's sections, and writing MAML and
    about-topic text. Runs on PowerShell 7 (the build's pwsh); the help it writes also renders in
    Windows PowerShell 5.1.
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

# CommonMark plus the two extensions PlatyPS pages use: '---' front matter and pipe tables.
$script:MarkdownPipeline = [Markdig.MarkdownPipelineBuilder]::new()
$script:MarkdownPipeline = [Markdig.MarkdownExtensions]::UseYamlFrontMatter($script:MarkdownPipeline)
$script:MarkdownPipeline = [Markdig.MarkdownExtensions]::UsePipeTables($script:MarkdownPipeline)
$script:MarkdownPipeline = $script:MarkdownPipeline.Build()

function Read-MarkdownDocument {
    <#
        Parses a markdown file. Returns @{ Path; FrontMatter (ordered 'key: value'); Blocks (the
        top-level Markdig blocks after the front matter) }.
    #>
    param([Parameter(Mandatory)][string] $Path)
    $resolved = (Resolve-Path -LiteralPath $Path).ProviderPath
    $text = [System.IO.File]::ReadAllText($resolved)
    $document = [Markdig.Markdown]::Parse($text, $script:MarkdownPipeline)
    $blocks = Get-ChildBlock $document
    $front = [ordered]@{}
    if ($blocks.Count -and $blocks[0] -is [Markdig.Extensions.Yaml.YamlFrontMatterBlock]) {
        # PlatyPS writes flat 'key: value' lines; nothing nested, so no yaml parser is needed.
        foreach ($line in ($blocks[0].Lines.ToString() -split '\r?\n')) {
            if ($line -match '^\s*([^:#]+?)\s*:\s*(.*?)\s*$') { $front[$Matches[1]] = $Matches[2] }
        }
        $blocks = if ($blocks.Count -gt 1) { [object[]]$blocks[1..($blocks.Count - 1)] } else { [object[]]@() }
    }
    elseif ($text -match '^\s*---\s*(\r?\n|$)') {
        throw "${resolved}: front matter opened with '---' on line 1 is never closed."
    }
    @{ Path = $resolved; FrontMatter = $front; Blocks = $blocks }
}

function Get-ChildBlock {
    <#
        The child blocks of a Markdig container, as an array. (Markdig's containers are lists: sent
        down the pipeline, or through @(), they would be unrolled into their children.)
    #>
    param($Container)
    $list = [System.Collections.Generic.List[object]]::new()
    foreach ($child in $Container) { $list.Add($child) }
    , $list.ToArray()
}

function Split-MarkdownSection {
    <#
        Splits blocks into sections at headings of exactly $Level. Returns a list of
        @{ Title; Line (1-based); Blocks }; blocks before the first such heading have Title $null.
    #>
    param([AllowEmptyCollection()][object[]] $Blocks, [int] $Level)
    $sections = [System.Collections.Generic.List[object]]::new()
    $current = @{ Title = $null; Line = 0; Blocks = [System.Collections.Generic.List[object]]::new() }
    foreach ($b in $Blocks) {
        if ($b -is [Markdig.Syntax.HeadingBlock] -and $b.Level -eq $Level) {
            $sections.Add($current)
            $current = @{ Title = (ConvertTo-InlineText $b.Inline).Trim(); Line = $b.Line + 1; Blocks = [System.Collections.Generic.List[object]]::new() }
            continue
        }
        $current.Blocks.Add($b)
    }
    $sections.Add($current)
    $sections
}

function Test-MarkdownComment {
    param($Block)
    $Block -is [Markdig.Syntax.HtmlBlock] -and $Block.Type -eq [Markdig.Syntax.HtmlBlockType]::Comment
}

function Add-InlineText {
    param([System.Text.StringBuilder] $Builder, $Container)
    if ($null -eq $Container) { return }
    foreach ($inline in $Container) {
        if ($inline -is [Markdig.Syntax.Inlines.CodeInline]) {
            # The span as written, backticks included: the help text is plain, and the backticks
            # show where code starts and ends.
            $fence = '`' * [Math]::Max(1, $inline.DelimiterCount)
            $pad = if ($inline.Content.StartsWith('`') -or $inline.Content.EndsWith('`')) { ' ' } else { '' }
            [void]$Builder.Append($fence).Append($pad).Append($inline.Content).Append($pad).Append($fence)
        }
        elseif ($inline -is [Markdig.Syntax.Inlines.LiteralInline]) { [void]$Builder.Append($inline.Content.ToString()) }
        elseif ($inline -is [Markdig.Syntax.Inlines.LineBreakInline]) { [void]$Builder.Append(' ') }
        elseif ($inline -is [Markdig.Syntax.Inlines.HtmlEntityInline]) { [void]$Builder.Append($inline.Transcoded.ToString()) }
        elseif ($inline -is [Markdig.Syntax.Inlines.HtmlInline]) {
            [void]$Builder.Append($(if ($inline.Tag -match '^<br\s*/?>$') { ' ' } else { $inline.Tag }))
        }
        elseif ($inline -is [Markdig.Syntax.Inlines.AutolinkInline]) { [void]$Builder.Append($inline.Url) }
        elseif ($inline -is [Markdig.Syntax.Inlines.LinkInline]) {
            # Absolute links keep their address, relative ones (other pages) keep the text.
            $text = ConvertTo-InlineText $inline
            if (-not $inline.IsImage -and $inline.Url -match '^[a-zA-Z][a-zA-Z0-9+.-]*://' -and $text -ne $inline.Url) {
                [void]$Builder.Append($text).Append(' (').Append($inline.Url).Append(')')
            }
            else { [void]$Builder.Append($text) }
        }
        # Emphasis and the rest: their text, without the markers.
        elseif ($inline -is [Markdig.Syntax.Inlines.ContainerInline]) { Add-InlineText $Builder $inline }
        else { [void]$Builder.Append($inline.ToString()) }
    }
}

function ConvertTo-InlineText {
    # A Markdig inline container (a paragraph's or heading's Inline) -> plain text.
    param($Container)
    $sb = [System.Text.StringBuilder]::new()
    Add-InlineText $sb $Container
    $sb.ToString()
}

function Get-MarkdownLink {
    # The links in inline content, as @{ Text; Uri }.
    param($Container)
    if ($null -eq $Container) { return }
    foreach ($inline in $Container) {
        if ($inline -is [Markdig.Syntax.Inlines.LinkInline] -and -not $inline.IsImage) {
            [pscustomobject]@{ Text = ConvertTo-InlineText $inline; Uri = "$($inline.Url)" }
        }
        elseif ($inline -is [Markdig.Syntax.Inlines.ContainerInline]) { Get-MarkdownLink $inline }
    }
}

function Get-CodeText {
    # The lines of a fenced or indented code block, as written.
    param([Markdig.Syntax.CodeBlock] $Block)
    $Block.Lines.ToString()
}

function Get-ListItem {
    # A list as @{ Marker ('-' or '1.'); Text; Depth } per item, nested lists flattened after their item.
    param([Markdig.Syntax.ListBlock] $List, [int] $Depth = 0)
    $number = 1
    if ($List.IsOrdered -and $List.OrderedStart) { [void][int]::TryParse($List.OrderedStart, [ref]$number) }
    foreach ($item in $List) {
        $marker = if ($List.IsOrdered) { "$number$($List.OrderedDelimiter)" } else { '-' }
        $number++
        $nested = [System.Collections.Generic.List[object]]::new()
        $text = [System.Collections.Generic.List[string]]::new()
        foreach ($child in $item) {
            if ($child -is [Markdig.Syntax.ListBlock]) { $nested.Add($child) }
            else { foreach ($p in (ConvertTo-Paragraph (, $child))) { $text.Add($p) } }
        }
        [pscustomobject]@{ Marker = $marker; Text = ($text -join ' '); Depth = $Depth }
        foreach ($n in $nested) { Get-ListItem -List $n -Depth ($Depth + 1) }
    }
}

function Get-TableLine {
    # A pipe table as its rows, '| a | b |', with a '| --- |' line under the header.
    param([Markdig.Extensions.Tables.Table] $Table)
    foreach ($row in $Table) {
        $cells = @(foreach ($cell in $row) { (ConvertTo-Paragraph (Get-ChildBlock $cell)) -join ' ' })
        '| ' + ($cells -join ' | ') + ' |'
        if ($row.IsHeader) { '| ' + ((@('---') * $cells.Count) -join ' | ') + ' |' }
    }
}

function ConvertTo-Paragraph {
    <#
        Blocks -> paragraphs (strings) for MAML: a paragraph's wrapped lines joined with a space,
        a list or table one paragraph with a line per item or row, code indented four spaces.
    #>
    param([AllowEmptyCollection()][object[]] $Blocks)
    $paras = [System.Collections.Generic.List[string]]::new()
    foreach ($b in $Blocks) {
        if ($b -is [Markdig.Syntax.CodeBlock]) {
            $code = Get-CodeText $b
            if ($code.Trim()) { $paras.Add((($code -split '\r?\n') | ForEach-Object { '    ' + $_ }) -join "`n") }
        }
        elseif ($b -is [Markdig.Syntax.LeafBlock] -and $b -isnot [Markdig.Syntax.HtmlBlock] -and $null -ne $b.Inline) {
            $text = (ConvertTo-InlineText $b.Inline).Trim()
            if ($text) { $paras.Add($text) }
        }
        elseif ($b -is [Markdig.Syntax.ListBlock]) {
            $paras.Add((@(Get-ListItem -List $b | ForEach-Object { ('  ' * $_.Depth) + $_.Marker + ' ' + $_.Text }) -join "`n"))
        }
        elseif ($b -is [Markdig.Extensions.Tables.Table]) { $paras.Add((@(Get-TableLine $b) -join "`n")) }
        elseif ($b -is [Markdig.Syntax.HtmlBlock]) {
            if (-not (Test-MarkdownComment $b)) { $paras.Add($b.Lines.ToString().Trim()) }
        }
        elseif ($b -is [Markdig.Syntax.ContainerBlock]) {
            # Block quotes and the like: their content.
            foreach ($p in (ConvertTo-Paragraph (Get-ChildBlock $b))) { $paras.Add($p) }
        }
        # Thematic breaks and link reference definitions carry no text.
    }
    , $paras.ToArray()
}

function Test-MarkdownContent {
    # Whether blocks hold anything a reader would see (an HTML comment is not content).
    param([AllowEmptyCollection()][object[]] $Blocks)
    foreach ($b in $Blocks) {
        if (Test-MarkdownComment $b) { continue }
        if ($b -is [Markdig.Syntax.LinkReferenceDefinitionGroup]) { continue }
        return $true
    }
    $false
}

function ConvertFrom-ParameterYaml {
    # The flat 'Key: value' yaml PlatyPS writes under each parameter.
    param([string] $Text)
    $meta = [ordered]@{}
    foreach ($line in ($Text -split '\r?\n')) {
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
        (TypeName, Description[]), Links (Text, Uri), Sections (title -> line), EmptySections
        (titles of '## ' sections with nothing under them) and Path.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)][Alias('FullName')][string] $Path
    )
    process {
        $md = Read-MarkdownDocument -Path $Path
        $resolved = $md.Path

        $top = @(Split-MarkdownSection -Blocks $md.Blocks -Level 1)
        $titled = @($top | Where-Object { $_.Title })
        if ($titled.Count -eq 0) { throw "${resolved}: no '# Cmdlet-Name' heading." }
        if ($titled.Count -gt 1) { throw "${resolved}:$($titled[1].Line): more than one '# ' heading; one page documents one cmdlet." }

        $page = [ordered]@{
            Path                = $resolved
            FrontMatter         = $md.FrontMatter
            Name                = $titled[0].Title
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
            EmptySections       = @()
        }
        $empty = [System.Collections.Generic.List[string]]::new()

        foreach ($section in (Split-MarkdownSection -Blocks $titled[0].Blocks -Level 2)) {
            if (-not $section.Title) { continue }
            $key = $section.Title.ToUpperInvariant()
            $page.Sections[$key] = $section.Line
            $blocks = $section.Blocks.ToArray()
            if (-not (Test-MarkdownContent $blocks)) { $empty.Add($section.Title) }
            $sub = @(Split-MarkdownSection -Blocks $blocks -Level 3 | Where-Object { $_.Title })
            switch ($key) {
                'SYNOPSIS' { $page.Synopsis = ConvertTo-Paragraph $blocks }
                'DESCRIPTION' { $page.Description = ConvertTo-Paragraph $blocks }
                'NOTES' { $page.Notes = ConvertTo-Paragraph $blocks }
                'SYNTAX' {
                    $page.Syntax = @(foreach ($s in (Split-MarkdownSection -Blocks $blocks -Level 3)) {
                            $code = @($s.Blocks | Where-Object { $_ -is [Markdig.Syntax.CodeBlock] })
                            if (-not $s.Title -and -not $code) { continue }
                            $text = ($code | ForEach-Object { Get-CodeText $_ }) -join "`n"
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
                            $code = @($s.Blocks | Where-Object { $_ -is [Markdig.Syntax.CodeBlock] })
                            [pscustomobject]@{
                                Title         = $s.Title
                                Code          = @($code | ForEach-Object { Get-CodeText $_ })
                                CodeLanguages = @($code | ForEach-Object { if ($_ -is [Markdig.Syntax.FencedCodeBlock]) { "$($_.Info)" } else { '' } })
                                Remarks       = ConvertTo-Paragraph @($s.Blocks | Where-Object { $_ -isnot [Markdig.Syntax.CodeBlock] })
                                Line          = $s.Line
                            }
                        })
                }
                'PARAMETERS' {
                    $page.Parameters = @(foreach ($s in $sub) {
                            if ($s.Title -eq 'CommonParameters') { $page.HasCommonParameters = $true; continue }
                            $isYaml = { $_ -is [Markdig.Syntax.FencedCodeBlock] -and "$($_.Info)" -match '^(yaml|yml)$' }
                            [pscustomobject]@{
                                Name        = $s.Title.TrimStart('-').Trim()
                                Description = ConvertTo-Paragraph @($s.Blocks | Where-Object { -not (& $isYaml) })
                                Metadata    = @($s.Blocks | Where-Object $isYaml | ForEach-Object { ConvertFrom-ParameterYaml (Get-CodeText $_) })
                                Line        = $s.Line
                            }
                        })
                }
                { $_ -in 'INPUTS', 'OUTPUTS' } {
                    $items = @(foreach ($s in $sub) {
                            [pscustomobject]@{ TypeName = $s.Title; Description = ConvertTo-Paragraph $s.Blocks.ToArray() }
                        })
                    if ($key -eq 'INPUTS') { $page.Inputs = $items } else { $page.Outputs = $items }
                }
                'RELATED LINKS' {
                    $page.Links = @(foreach ($b in $blocks) { if ($b -is [Markdig.Syntax.LeafBlock]) { Get-MarkdownLink $b.Inline } })
                }
            }
        }
        $page.EmptySections = $empty.ToArray()
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
                # Get-Help ends an example with its last remark line and starts the next title on
                # the line after; an empty paragraph puts the blank line between them (PlatyPS gets
                # it by ending every paragraph with a newline).
                $w.WriteElementString('maml', 'para', $script:NsMaml, '')
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
    $lines = [System.Collections.Generic.List[string]]::new()
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

function Add-AboutBlock {
    # One Markdig block of an about page -> lines of the about topic's text layout.
    param([System.Collections.Generic.List[string]] $Out, $Block)
    $addBlank = { if ($Out.Count -and $Out[$Out.Count - 1] -ne '') { $Out.Add('') } }
    if ($Block -is [Markdig.Syntax.HeadingBlock]) {
        & $addBlank
        $title = (ConvertTo-InlineText $Block.Inline).Trim()
        if ($Block.Level -eq 1) { $Out.Add('TOPIC'); $Out.Add('    ' + $title) }
        elseif ($Block.Level -eq 2) { $Out.Add($title.ToUpperInvariant()) }
        else { $Out.Add('  ' + $title) }
    }
    elseif ($Block -is [Markdig.Syntax.CodeBlock]) {
        & $addBlank
        foreach ($l in ((Get-CodeText $Block) -split '\r?\n')) { $Out.Add(('        ' + $l).TrimEnd()) }
        $Out.Add('')
    }
    elseif ($Block -is [Markdig.Syntax.ListBlock]) {
        foreach ($item in (Get-ListItem -List $Block)) {
            $text = $item.Marker + ' ' + $item.Text
            foreach ($w in (Format-WrappedText -Text $text -Indent (4 + 2 * $item.Depth) -HangingIndent ($item.Marker.Length + 1))) { $Out.Add($w) }
        }
        & $addBlank
    }
    elseif ($Block -is [Markdig.Extensions.Tables.Table]) {
        foreach ($l in (Get-TableLine $Block)) { $Out.Add('    ' + $l) }
        & $addBlank
    }
    elseif ($Block -is [Markdig.Syntax.ContainerBlock]) {
        foreach ($child in $Block) { Add-AboutBlock -Out $Out -Block $child }
    }
    else {
        foreach ($p in (ConvertTo-Paragraph (, $Block))) {
            foreach ($w in (Format-WrappedText -Text $p -Indent 4)) { $Out.Add($w) }
            & $addBlank
        }
    }
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
    $md = Read-MarkdownDocument -Path $Path
    $out = [System.Collections.Generic.List[string]]::new()
    foreach ($block in $md.Blocks) { Add-AboutBlock -Out $out -Block $block }
    while ($out.Count -and $out[$out.Count - 1] -eq '') { $out.RemoveAt($out.Count - 1) }
    ($out -join [Environment]::NewLine) + [Environment]::NewLine
}

#endregion

Export-ModuleMember -Function ConvertFrom-HelpMarkdown, ConvertTo-MamlXml, ConvertTo-AboutHelpText, Get-SyntaxParameterSet -Variable CommonParameterNames
