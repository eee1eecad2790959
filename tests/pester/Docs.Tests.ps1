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

    It 'is what Get-Help about_DaytonaPS returns' {
        $text = Get-Help about_DaytonaPS -ErrorAction SilentlyContinue | Out-String
        $text | Should -Match 'about_DaytonaPS' -Because 'Get-Help must find the about topic in the imported module'
        $text | Should -Match 'SHORT DESCRIPTION'
        $text | Should -Not -Match '(?m)^schema:' -Because 'the markdown front matter is stripped'
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
