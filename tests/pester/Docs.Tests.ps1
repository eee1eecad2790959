#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.1' }
# The doc guard: every exported command has a complete page in docs/en-US (PlatyPS schema) that
# agrees with the code, and the built module's help (en-US/DaytonaPS.dll-Help.xml, about topics)
# is what Get-Help shows. Runs against the built module: $env:DAYTONA_MODULE_PATH or out/DaytonaPS.

BeforeDiscovery {
    $RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $ModulePath = if ($env:DAYTONA_MODULE_PATH) { $env:DAYTONA_MODULE_PATH } else { Join-Path $RepoRoot 'out/DaytonaPS' }
    $ModuleFile = if (Test-Path -LiteralPath (Join-Path $ModulePath 'DaytonaPS.psd1')) { Join-Path $ModulePath 'DaytonaPS.psd1' } else { $ModulePath }
    # Discovery needs the command list, so the module is imported here; a failed import surfaces as
    # the 'imports' test below rather than as a discovery crash.
    $Module = Get-Module DaytonaPS
    if (-not $Module) { $Module = Import-Module $ModuleFile -PassThru -ErrorAction SilentlyContinue | Where-Object Name -EQ 'DaytonaPS' | Select-Object -First 1 }

    $common = @([System.Management.Automation.Cmdlet]::CommonParameters) + @([System.Management.Automation.Cmdlet]::OptionalCommonParameters) + 'ProgressAction'
    $DocFileNames = @(Get-ChildItem -LiteralPath (Join-Path $RepoRoot 'docs/en-US') -Filter '*.md' -File -ErrorAction SilentlyContinue | Sort-Object Name | ForEach-Object Name)
    $DocPageNames = @(
        Get-ChildItem -LiteralPath (Join-Path $RepoRoot 'docs/en-US') -Filter '*.md' -File -ErrorAction SilentlyContinue |
            Where-Object Name -NotLike 'about_*' | ForEach-Object BaseName
    )
    $CommandCases = @(
        if ($Module) {
            foreach ($c in (Get-Command -Module DaytonaPS -CommandType Cmdlet, Function | Sort-Object Name)) {
                @{
                    Name       = $c.Name
                    Parameters = @($c.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object)
                }
            }
        }
    )
}

BeforeAll {
    $RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $DocsPath = Join-Path $RepoRoot 'docs/en-US'
    $ModulePath = if ($env:DAYTONA_MODULE_PATH) { $env:DAYTONA_MODULE_PATH } else { Join-Path $RepoRoot 'out/DaytonaPS' }
    $ModuleFile = if (Test-Path -LiteralPath (Join-Path $ModulePath 'DaytonaPS.psd1')) { Join-Path $ModulePath 'DaytonaPS.psd1' } else { $ModulePath }
    Import-Module (Join-Path $RepoRoot 'tools/HelpMarkdown.psm1') -Force
    $Module = Get-Module DaytonaPS
    if (-not $Module) { $Module = Import-Module $ModuleFile -PassThru -ErrorAction SilentlyContinue }

    $CommonParameters = @([System.Management.Automation.Cmdlet]::CommonParameters) + @([System.Management.Automation.Cmdlet]::OptionalCommonParameters) + 'ProgressAction'
    $ProjectUri = (Import-PowerShellDataFile -LiteralPath (Join-Path $RepoRoot 'DaytonaPS.psd1')).PrivateData.PSData.ProjectUri
    # PlatyPS's placeholders ('{{ Fill in the Synopsis }}', '{{ Add example code here }}', ...).
    $Placeholder = '\{\{\s*(Fill|Add|Insert|Enter|Replace)\b[^}]*\}\}'

    function Get-PageText([string[]] $Paragraphs) { (@($Paragraphs) -join ' ').Trim() -replace '\s+', ' ' }

    function Get-Page([string] $Name) {
        $path = Join-Path $DocsPath "$Name.md"
        # Exact case: a page that differs only in case works on Windows and breaks on Linux.
        $file = Get-ChildItem -LiteralPath $DocsPath -Filter '*.md' -File -ErrorAction SilentlyContinue | Where-Object { $_.Name -ceq "$Name.md" }
        if (-not $file) { return $null }
        ConvertFrom-HelpMarkdown -Path $path
    }

    # The types a command takes from the pipeline (by value or by property name), arrays as their
    # element type: the pipeline hands over one element at a time.
    function Get-PipelineInputType($Command) {
        @(foreach ($set in $Command.ParameterSets) {
                foreach ($p in $set.Parameters) {
                    if ($p.Name -in $CommonParameters) { continue }
                    if (-not ($p.ValueFromPipeline -or $p.ValueFromPipelineByPropertyName)) { continue }
                    if ($p.ParameterType.IsArray) { $p.ParameterType.GetElementType() } else { $p.ParameterType }
                }
            }) | Sort-Object FullName -Unique
    }

    # Whether piping an object of $Type binds: in some parameter set at least one parameter takes it
    # (by value, or by property name through a property of that name or alias) and no mandatory
    # pipeline parameter is left without a value.
    function Test-BindsFromPipeline($Command, [type] $Type) {
        $properties = @($Type.GetProperties() | ForEach-Object Name)
        foreach ($set in $Command.ParameterSets) {
            $bound = 0
            $missing = 0
            foreach ($p in $set.Parameters) {
                if (-not ($p.ValueFromPipeline -or $p.ValueFromPipelineByPropertyName)) { continue }
                $target = if ($p.ParameterType.IsArray) { $p.ParameterType.GetElementType() } else { $p.ParameterType }
                $byValue = $p.ValueFromPipeline -and $target.IsAssignableFrom($Type)
                $byName = $p.ValueFromPipelineByPropertyName -and @(@($p.Name) + @($p.Aliases) | Where-Object { $_ -in $properties }).Count -gt 0
                if ($byValue -or $byName) { $bound++ } elseif ($p.IsMandatory) { $missing++ }
            }
            if ($bound -gt 0 -and $missing -eq 0) { return $true }
        }
        $false
    }

    # Every code span of a page as Markdig reads it (@{ Inline = $true/$false; Text }), without the
    # code the converter reads as data rather than text: SYNTAX blocks, the yaml under each
    # parameter, and the CommonParameters boilerplate.
    function Get-DocCode([string] $Path) {
        $builder = [Markdig.MarkdownExtensions]::UseYamlFrontMatter([Markdig.MarkdownPipelineBuilder]::new())
        $pipeline = [Markdig.MarkdownExtensions]::UsePipeTables($builder).Build()
        $doc = [Markdig.Markdown]::Parse([System.IO.File]::ReadAllText($Path), $pipeline)
        $found = [System.Collections.Generic.List[object]]::new()
        $addInline = {
            param($container)
            foreach ($i in $container) {
                if ($i -is [Markdig.Syntax.Inlines.CodeInline]) { $found.Add(@{ Inline = $true; Text = $i.Content }) }
                elseif ($i -is [Markdig.Syntax.Inlines.ContainerInline]) { & $addInline $i }
            }
        }
        $addBlock = {
            param($block)
            if ($block -is [Markdig.Syntax.CodeBlock]) { $found.Add(@{ Inline = $false; Text = $block.Lines.ToString() }) }
            elseif ($block -is [Markdig.Syntax.LeafBlock]) { if ($null -ne $block.Inline) { & $addInline $block.Inline } }
            elseif ($block -is [Markdig.Syntax.ContainerBlock]) { foreach ($child in $block) { & $addBlock $child } }
        }
        $h2 = ''
        $h3 = ''
        foreach ($block in $doc) {
            if ($block -is [Markdig.Extensions.Yaml.YamlFrontMatterBlock]) { continue }
            if ($block -is [Markdig.Syntax.HeadingBlock]) {
                $title = (@(foreach ($i in $block.Inline) { "$i" }) -join '').Trim()
                if ($block.Level -le 2) { $h2 = $title; $h3 = '' } elseif ($block.Level -eq 3) { $h3 = $title }
            }
            if ($h2 -eq 'SYNTAX' -and $block -is [Markdig.Syntax.CodeBlock]) { continue }
            if ($h2 -eq 'PARAMETERS' -and ($h3 -eq 'CommonParameters' -or ($block -is [Markdig.Syntax.FencedCodeBlock] -and "$($block.Info)" -match '^ya?ml$'))) { continue }
            & $addBlock $block
        }
        , $found.ToArray()
    }

    # A code block is in the help when its lines are consecutive lines there, indented by nothing,
    # four or eight spaces (example code, code in a paragraph, code in an about topic).
    function Test-CodeBlockIn([string] $Code, [string] $Text) {
        $have = "`n" + ((($Text -split '\r?\n') | ForEach-Object { $_.TrimEnd() }) -join "`n") + "`n"
        foreach ($indent in '', '    ', '        ') {
            $want = (($Code -split '\r?\n') | ForEach-Object { if ($_.Trim()) { ($indent + $_).TrimEnd() } else { '' } }) -join "`n"
            if ($have.Contains("`n" + $want + "`n")) { return $true }
        }
        $false
    }

    # Without a page only 'has a page' fails; the checks of its content are skipped, not piled on.
    function Skip-WithoutPage {
        if (-not $Page) { Set-ItResult -Skipped -Because "docs/en-US/$Name.md is missing" }
    }
}

Describe 'The built module' {
    It 'imports from <_>' -ForEach @($ModuleFile) {
        $Module | Should -Not -BeNullOrEmpty -Because "the doc guard imports the built module from $_ (build it first)"
    }

    It 'exports commands to document' {
        @(Get-Command -Module DaytonaPS -CommandType Cmdlet, Function).Count | Should -BeGreaterThan 0
    }

    It 'ships valid MAML in en-US/DaytonaPS.dll-Help.xml' {
        $maml = Join-Path $Module.ModuleBase 'en-US/DaytonaPS.dll-Help.xml'
        $maml | Should -Exist
        { [xml](Get-Content -LiteralPath $maml -Raw) } | Should -Not -Throw
    }

    It 'ships the about topic as en-US/about_DaytonaPS.help.txt' {
        Join-Path $Module.ModuleBase 'en-US/about_DaytonaPS.help.txt' | Should -Exist
    }
}

Describe 'about_DaytonaPS' {
    It 'has a source page, docs/en-US/about_DaytonaPS.md' {
        Join-Path $DocsPath 'about_DaytonaPS.md' | Should -Exist
    }

    It 'has no empty section' {
        (ConvertFrom-HelpMarkdown -Path (Join-Path $DocsPath 'about_DaytonaPS.md')).EmptySections | Should -BeNullOrEmpty
    }

    It 'is what Get-Help about_DaytonaPS returns' {
        $text = Get-Help about_DaytonaPS -ErrorAction SilentlyContinue | Out-String
        $text | Should -Match 'about_DaytonaPS' -Because 'Get-Help must find the about topic in the imported module'
        $text | Should -Match 'SHORT DESCRIPTION'
        $text | Should -Not -Match '(?m)^schema:' -Because 'the markdown front matter is stripped'
    }
}

Describe 'Code in the built help' {
    BeforeAll {
        $HelpFolder = Join-Path $Module.ModuleBase 'en-US'
        $Maml = [xml](Get-Content -LiteralPath (Join-Path $HelpFolder 'DaytonaPS.dll-Help.xml') -Raw)
        $MamlNs = [System.Xml.XmlNamespaceManager]::new($Maml.NameTable)
        $MamlNs.AddNamespace('command', 'http://schemas.microsoft.com/maml/dev/command/2004/10')
    }

    It 'keeps every code span and code block of <_> as written' -ForEach $DocFileNames {
        $source = Join-Path $DocsPath $_
        $base = [System.IO.Path]::GetFileNameWithoutExtension($_)
        if ($base -like 'about_*') {
            $file = Join-Path $HelpFolder "$base.help.txt"
            $file | Should -Exist
            $text = Get-Content -LiteralPath $file -Raw
        }
        else {
            $node = $Maml.SelectSingleNode("//command:command[command:details/command:name='$base']", $MamlNs)
            $node | Should -Not -BeNullOrEmpty -Because "the MAML has a command:command for $base"
            $text = @($node.SelectNodes('.//text()') | ForEach-Object Value) -join "`n"
        }
        $flat = $text -replace '\s+', ' '
        $code = Get-DocCode $source
        $code.Count | Should -BeGreaterThan 0 -Because "$_ has code spans to check"
        $missing = @(foreach ($c in $code) {
                if ($c.Inline) { if (-not $flat.Contains(($c.Text -replace '\s+', ' '))) { '`' + $c.Text + '`' } }
                elseif (-not (Test-CodeBlockIn -Code $c.Text -Text $text)) { $c.Text }
            })
        $missing | Should -BeNullOrEmpty -Because 'code reaches Get-Help exactly as the page writes it'
    }
}

Describe 'The docs folder' {
    It 'has no page for a command the module does not export: <_>' -ForEach $DocPageNames {
        Get-Command -Module DaytonaPS -Name $_ -ErrorAction SilentlyContinue | Should -Not -BeNullOrEmpty -Because "docs/en-US/$_.md documents it"
    }
}

Describe '<Name>' -ForEach $CommandCases {
    BeforeAll {
        $Page = Get-Page $Name
        $Command = Get-Command -Module DaytonaPS -Name $Name
        $Documented = if ($Page) { @($Page.Parameters | Where-Object { $_.Name -notin $CommonParameters }) } else { @() }
    }

    It 'has a page docs/en-US/<Name>.md' {
        $Page | Should -Not -BeNullOrEmpty -Because "every exported command needs docs/en-US/$Name.md (PlatyPS schema)"
        $Page.Name | Should -BeExactly $Name -Because 'the page title is the command name'
    }

    It 'has a SYNOPSIS that is written' {
        Skip-WithoutPage
        $text = Get-PageText $Page.Synopsis
        $text | Should -Not -BeNullOrEmpty
        $text | Should -Not -Match $Placeholder
    }

    It 'has a DESCRIPTION that is written' {
        Skip-WithoutPage
        $text = Get-PageText $Page.Description
        $text | Should -Not -BeNullOrEmpty
        $text | Should -Not -Match $Placeholder
    }

    It 'has at least two examples, each with a code block and no placeholder' {
        Skip-WithoutPage
        @($Page.Examples).Count | Should -BeGreaterOrEqual 2
        foreach ($example in $Page.Examples) {
            @($example.Code | Where-Object { $_.Trim() }).Count | Should -BeGreaterThan 0 -Because "'$($example.Title)' needs a code block"
            ($example.Title + ' ' + ($example.Code -join ' ') + ' ' + (Get-PageText $example.Remarks)) | Should -Not -Match $Placeholder
        }
    }

    It 'has INPUTS and OUTPUTS sections naming a type each' {
        Skip-WithoutPage
        $Page.Sections.Contains('INPUTS') | Should -BeTrue -Because 'the page needs ## INPUTS'
        $Page.Sections.Contains('OUTPUTS') | Should -BeTrue -Because 'the page needs ## OUTPUTS'
        @($Page.Inputs).Count | Should -BeGreaterThan 0 -Because '## INPUTS lists a ### type (or ### None)'
        @($Page.Outputs).Count | Should -BeGreaterThan 0 -Because '## OUTPUTS lists a ### type (or ### None)'
    }

    It 'has no empty section' {
        Skip-WithoutPage
        $Page.EmptySections | Should -BeNullOrEmpty -Because 'Get-Help shows an empty heading; write the section or remove it'
    }

    It 'lists in INPUTS the types it takes from the pipeline' {
        Skip-WithoutPage
        $accepted = @(Get-PipelineInputType $Command)
        $listed = @($Page.Inputs | ForEach-Object { $_.TypeName.Trim() -replace '\[\]$', '' })
        if ($accepted.Count -eq 0) {
            $listed | Should -Be @('None') -Because 'no parameter takes pipeline input'
            return
        }
        $listed | Should -Not -Contain 'None' -Because "parameters take $($accepted.FullName -join ', ') from the pipeline"
        foreach ($t in $accepted) {
            $listed | Should -Contain $t.FullName -Because "a parameter takes $($t.FullName) from the pipeline"
        }
        foreach ($name in @($listed | Where-Object { $_ -notin $accepted.FullName })) {
            $type = $name -as [type]
            $type | Should -Not -BeNullOrEmpty -Because "INPUTS names $name, which no parameter takes and which is no loaded type"
            Test-BindsFromPipeline $Command $type | Should -BeTrue -Because "INPUTS names $name, so piping one must bind (by value or by property name)"
        }
    }

    It 'separates its examples with a blank line in Get-Help -Examples' {
        Skip-WithoutPage
        $help = Get-Help $Name -Examples
        $titles = @($help.examples.example | ForEach-Object { $_.title.Trim() })
        $lines = @(($help | Out-String -Width 400) -split '\r?\n')
        foreach ($title in ($titles | Select-Object -Skip 1)) {
            $at = [array]::FindIndex($lines, [Predicate[string]] { param($l) $l.Trim() -eq $title })
            $at | Should -BeGreaterThan 0 -Because "Get-Help $Name -Examples shows '$title'"
            $lines[$at - 1].Trim() | Should -BeNullOrEmpty -Because "a blank line separates '$title' from the example before it"
        }
    }

    It 'opens its page in the repository with Get-Help -Online' {
        Skip-WithoutPage
        $want = "$ProjectUri/blob/main/docs/en-US/$Name.md"
        $Page.FrontMatter['online version'] | Should -BeExactly $want -Because 'the front matter''s online version is the address Get-Help -Online opens'
        # Get-Help -Online opens the first related link of the MAML (launching a browser is not testable here).
        @((Get-Help $Name).relatedLinks.navigationLink)[0].uri | Should -BeExactly $want
    }

    It 'has no PlatyPS placeholder anywhere' {
        Skip-WithoutPage
        $raw = Get-Content -LiteralPath $Page.Path -Raw
        $found = @([regex]::Matches($raw, $Placeholder) | ForEach-Object Value)
        $found | Should -BeNullOrEmpty
    }

    It 'documents -<_> with a description' -ForEach $Parameters {
        Skip-WithoutPage
        $doc = $Documented | Where-Object Name -EQ $_
        $doc | Should -Not -BeNullOrEmpty -Because "## PARAMETERS needs '### -$_'"
        $text = Get-PageText $doc.Description
        $text | Should -Not -BeNullOrEmpty -Because "-$_ needs a description"
        $text | Should -Not -Match $Placeholder
    }

    It 'documents -<_> with yaml metadata that agrees with the code' -ForEach $Parameters {
        Skip-WithoutPage
        $doc = $Documented | Where-Object Name -EQ $_
        $doc | Should -Not -BeNullOrEmpty
        @($doc.Metadata).Count | Should -BeGreaterThan 0 -Because "-$_ needs its yaml block"
        $param = $Command.Parameters[$_]
        foreach ($meta in $doc.Metadata) {
            # PlatyPS writes the short type name (String[], SwitchParameter) or the full one.
            $type = $param.ParameterType
            $names = @($type.Name, $type.FullName, $type.ToString(), [Microsoft.PowerShell.ToStringCodeMethods]::Type($type))
            if ($type.IsGenericType -and $type.GetGenericTypeDefinition() -eq [Nullable`1]) {
                $inner = $type.GetGenericArguments()[0]
                $names += $inner.Name, $inner.FullName, "Nullable``1[$($inner.FullName)]", "$($inner.Name)?"
            }
            $meta.Type | Should -BeIn $names -Because "-$_ is a $($type.FullName)"

            $sets = if ($meta.ParameterSets -contains '(All)') { @($param.ParameterSets.Keys) } else { @($meta.ParameterSets) }
            foreach ($set in $sets) {
                $setMeta = $param.ParameterSets[$set]
                if (-not $setMeta) { $setMeta = $param.ParameterSets['__AllParameterSets'] }
                $setMeta | Should -Not -BeNullOrEmpty -Because "the yaml of -$_ names parameter set '$set', which the command does not have"
                $meta.Required | Should -Be $setMeta.IsMandatory -Because "-$_ is$(if (-not $setMeta.IsMandatory) { ' not' }) mandatory in set '$set'"
            }
        }
    }

    It 'documents no parameter the command does not have' {
        Skip-WithoutPage
        $extra = @($Documented.Name | Where-Object { $_ -notin $Parameters })
        $extra | Should -BeNullOrEmpty -Because 'a page must not document parameters the command lacks'
    }

    It 'shows the synopsis and examples through Get-Help -Full from the built module' {
        Skip-WithoutPage
        $help = Get-Help $Name -Full
        $help.Synopsis.Trim() -replace '\s+', ' ' | Should -Be (Get-PageText $Page.Synopsis) -Because 'the MAML in en-US must be found and carry the page (auto-generated help shows the syntax instead)'
        $examples = @($help.examples.example)
        $examples.Count | Should -Be @($Page.Examples).Count
        $firstLine = (($Page.Examples[0].Code -join "`n") -split "`n" | Where-Object { $_.Trim() } | Select-Object -First 1).Trim()
        ($help | Out-String -Width 400) | Should -Match ([regex]::Escape($firstLine))
    }

    It 'shows -<_> through Get-Help -Parameter with its description' -ForEach $Parameters {
        Skip-WithoutPage
        $p = Get-Help $Name -Parameter $_ -ErrorAction SilentlyContinue
        (@($p | ForEach-Object { $_.description } | ForEach-Object Text) -join ' ').Trim() | Should -Not -BeNullOrEmpty -Because "Get-Help $Name -Parameter $_ shows the page's description"
    }
}
