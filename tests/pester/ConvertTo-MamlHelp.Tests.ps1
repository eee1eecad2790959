#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.1' }
# tools/ConvertTo-MamlHelp.ps1 on a sample page in TestDrive: the MAML is valid, escaped, carries
# the yaml's parameter metadata and the examples' code, and Get-Help renders it.

BeforeAll {
    $RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $Converter = Join-Path $RepoRoot 'tools/ConvertTo-MamlHelp.ps1'

    $Docs = Join-Path $TestDrive 'docs'
    $ModuleBase = Join-Path $TestDrive 'SampleHelpMod'
    $Out = Join-Path $ModuleBase 'en-US'
    $null = New-Item -ItemType Directory -Path $Docs, $ModuleBase

    # A page in PlatyPS's schema with what tends to break converters: markup characters, a
    # comment line in example code, two parameter sets, a switch, aliases, pipeline input,
    # wildcards, ValidateSet values and relative and absolute links.
    $page = @'
---
external help file: DaytonaPS.dll-Help.xml
Module Name: SampleHelpMod
online version: https://example.com/docs/Get-SampleThing
schema: 2.0.0
---

# Get-SampleThing

## SYNOPSIS
Gets sample things & <widgets> "quoted".

## SYNTAX

### ByName (Default)
```
Get-SampleThing [[-Name] <String[]>] [-Kind <String>] [-Force] [<CommonParameters>]
```

### ById
```
Get-SampleThing -Id <String> [-Force] [<CommonParameters>]
```

## DESCRIPTION
The **Get-SampleThing** cmdlet gets things
from a place.

Second paragraph, with a [link](https://example.com/x) and a [page](Other-Thing.md).

## EXAMPLES

### Example 1: Filter things
```powershell
# a comment, not a heading
Get-SampleThing -Name 'a&b' | Where-Object { $_.Size -lt 3 -and $_.Tag -gt "<x>" }
```

Gets things whose size is < 3.

### Example 2: One thing by id
```powershell
Get-SampleThing -Id 42
```

Gets one thing.

## PARAMETERS

### -Force
Do it & don't ask.

```yaml
Type: SwitchParameter
Parameter Sets: (All)
Aliases:

Required: False
Position: Named
Default value: None
Accept pipeline input: False
Accept wildcard characters: False
```

### -Id
The thing's id.

```yaml
Type: String
Parameter Sets: ById
Aliases: ThingId, Key

Required: True
Position: Named
Default value: None
Accept pipeline input: True (ByPropertyName)
Accept wildcard characters: False
```

### -Kind
The kind of thing.

```yaml
Type: String
Parameter Sets: ByName
Aliases:
Accepted values: small, large

Required: False
Position: Named
Default value: None
Accept pipeline input: False
Accept wildcard characters: False
```

### -Name
Names to match; wildcards allowed.

```yaml
Type: String[]
Parameter Sets: ByName
Aliases:

Required: False
Position: 0
Default value: *
Accept pipeline input: True (ByValue)
Accept wildcard characters: True
```

### CommonParameters
This cmdlet supports the common parameters. For more information, see [about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).

## INPUTS

### System.String[]
Names.

## OUTPUTS

### SampleHelpMod.Thing
A thing.

## NOTES
Note <one> & two.

## RELATED LINKS

[Other-Thing](Other-Thing.md)

[Daytona docs](https://www.daytona.io/docs)
'@
    Set-Content -LiteralPath (Join-Path $Docs 'Get-SampleThing.md') -Value $page -Encoding utf8

    $about = @'
---
external help file:
Module Name: SampleHelpMod
online version:
schema: 2.0.0
---

# about_SampleHelpMod

## SHORT DESCRIPTION
Describes the **SampleHelpMod** module.

## LONG DESCRIPTION
SampleHelpMod does things. This sentence is long enough that it has to be wrapped at eighty columns by the converter.

```powershell
Get-SampleThing -Name web*
```

## SEE ALSO
[Get-SampleThing](Get-SampleThing.md)
'@
    Set-Content -LiteralPath (Join-Path $Docs 'about_SampleHelpMod.md') -Value $about -Encoding utf8

    # A script module whose function takes its help from the converted file, to check Get-Help renders it.
    Set-Content -LiteralPath (Join-Path $ModuleBase 'SampleHelpMod.psm1') -Encoding utf8 -Value @'
function Get-SampleThing {
    # .ExternalHelp DaytonaPS.dll-Help.xml
    [CmdletBinding(DefaultParameterSetName = 'ByName')]
    param(
        [Parameter(Position = 0, ParameterSetName = 'ByName', ValueFromPipeline)][SupportsWildcards()][string[]] $Name = '*',
        [Parameter(ParameterSetName = 'ByName')][ValidateSet('small', 'large')][string] $Kind,
        [Parameter(Mandatory, ParameterSetName = 'ById', ValueFromPipelineByPropertyName)][Alias('ThingId', 'Key')][string] $Id,
        [switch] $Force
    )
}
'@

    $Produced = & $Converter -Path $Docs -OutputPath $Out -UseBuiltInConverter -PassThru
    $MamlPath = Join-Path $Out 'DaytonaPS.dll-Help.xml'
    $Raw = Get-Content -LiteralPath $MamlPath -Raw
    $Doc = New-Object System.Xml.XmlDocument
    $Doc.LoadXml($Raw)
    $Ns = New-Object System.Xml.XmlNamespaceManager($Doc.NameTable)
    $Ns.AddNamespace('msh', 'http://msh')
    $Ns.AddNamespace('maml', 'http://schemas.microsoft.com/maml/2004/10')
    $Ns.AddNamespace('command', 'http://schemas.microsoft.com/maml/dev/command/2004/10')
    $Ns.AddNamespace('dev', 'http://schemas.microsoft.com/maml/dev/2004/10')
    $Command = $Doc.SelectSingleNode('/msh:helpItems/command:command', $Ns)

    function Get-ParamNode([string] $Name, [System.Xml.XmlNode] $Scope = $Command) {
        $Scope.SelectSingleNode("command:parameters/command:parameter[maml:name='$Name']", $Ns)
    }
}

Describe 'ConvertTo-MamlHelp.ps1' {
    Context 'the MAML file' {
        It 'writes DaytonaPS.dll-Help.xml and the about topic, and returns them with -PassThru' {
            @($Produced).Name | Should -Be @('DaytonaPS.dll-Help.xml', 'about_SampleHelpMod.help.txt')
        }

        It 'is well-formed MAML: helpItems schema="maml" holding one command:command' {
            $Doc.DocumentElement.LocalName | Should -Be 'helpItems'
            $Doc.DocumentElement.NamespaceURI | Should -Be 'http://msh'
            $Doc.DocumentElement.GetAttribute('schema') | Should -Be 'maml'
            $Doc.SelectNodes('/msh:helpItems/command:command', $Ns).Count | Should -Be 1
        }

        It 'names the command, its verb and noun' {
            $Command.SelectSingleNode('command:details/command:name', $Ns).InnerText | Should -Be 'Get-SampleThing'
            $Command.SelectSingleNode('command:details/command:verb', $Ns).InnerText | Should -Be 'Get'
            $Command.SelectSingleNode('command:details/command:noun', $Ns).InnerText | Should -Be 'SampleThing'
        }

        It 'escapes markup characters and keeps their text' {
            $Raw | Should -Match ([regex]::Escape('Gets sample things &amp; &lt;widgets&gt;'))
            $Command.SelectSingleNode('command:details/maml:description/maml:para', $Ns).InnerText | Should -Be 'Gets sample things & <widgets> "quoted".'
            $Command.SelectSingleNode('maml:alertSet/maml:alert/maml:para', $Ns).InnerText | Should -Be 'Note <one> & two.'
        }

        It 'makes one para per markdown paragraph, joins wrapped lines and flattens inline markup' {
            $paras = @($Command.SelectNodes('maml:description/maml:para', $Ns) | ForEach-Object InnerText)
            $paras | Should -Be @(
                'The Get-SampleThing cmdlet gets things from a place.'
                'Second paragraph, with a link (https://example.com/x) and a page.'
            )
        }
    }

    Context 'parameters' {
        It 'lists every documented parameter once, without CommonParameters' {
            @($Command.SelectNodes('command:parameters/command:parameter/maml:name', $Ns) | ForEach-Object InnerText) |
                Should -Be @('Force', 'Id', 'Kind', 'Name')
        }

        It 'carries required, position, pipeline input, aliases and type from the yaml' {
            $id = Get-ParamNode 'Id'
            $id.required | Should -Be 'true'
            $id.position | Should -Be 'named'
            $id.pipelineInput | Should -Be 'True (ByPropertyName)'
            $id.aliases | Should -Be 'ThingId, Key'
            $id.globbing | Should -Be 'false'
            $id.SelectSingleNode('dev:type/maml:name', $Ns).InnerText | Should -Be 'String'
            $id.SelectSingleNode('maml:description/maml:para', $Ns).InnerText | Should -Be "The thing's id."

            $name = Get-ParamNode 'Name'
            $name.required | Should -Be 'false'
            $name.position | Should -Be '0'
            $name.globbing | Should -Be 'true'
            $name.aliases | Should -Be 'none'
            $name.pipelineInput | Should -Be 'True (ByValue)'
            $name.SelectSingleNode('command:parameterValue', $Ns).InnerText | Should -Be 'String[]'
            $name.SelectSingleNode('dev:defaultValue', $Ns).InnerText | Should -Be '*'
        }

        It 'treats a switch as PlatyPS does: SwitchParameter, default False' {
            $force = Get-ParamNode 'Force'
            $force.SelectSingleNode('dev:type/maml:name', $Ns).InnerText | Should -Be 'SwitchParameter'
            $force.SelectSingleNode('dev:defaultValue', $Ns).InnerText | Should -Be 'False'
            $force.SelectSingleNode('maml:description/maml:para', $Ns).InnerText | Should -Be "Do it & don't ask."
        }
    }

    Context 'syntax' {
        It 'has one syntaxItem per parameter set, parameters in the SYNTAX block order' {
            $items = @($Command.SelectNodes('command:syntax/command:syntaxItem', $Ns))
            $items.Count | Should -Be 2
            @($items[0].SelectNodes('command:parameter/maml:name', $Ns) | ForEach-Object InnerText) | Should -Be @('Name', 'Kind', 'Force')
            @($items[1].SelectNodes('command:parameter/maml:name', $Ns) | ForEach-Object InnerText) | Should -Be @('Id', 'Force')
            $items[0].SelectSingleNode('maml:name', $Ns).InnerText | Should -Be 'Get-SampleThing'
        }

        It 'uses the metadata of the set: a switch has no value, accepted values become a value group' {
            $first = $Command.SelectSingleNode('command:syntax/command:syntaxItem[1]', $Ns)
            $first.SelectSingleNode("command:parameter[maml:name='Force']/command:parameterValue", $Ns) | Should -BeNullOrEmpty
            @($first.SelectNodes("command:parameter[maml:name='Kind']/command:parameterValueGroup/command:parameterValue", $Ns) | ForEach-Object InnerText) |
                Should -Be @('small', 'large')
            $Command.SelectSingleNode("command:syntax/command:syntaxItem[2]/command:parameter[maml:name='Id']", $Ns).required | Should -Be 'true'
        }
    }

    Context 'examples, inputs, outputs and links' {
        It 'keeps example code verbatim, comment lines included, with titles and remarks' {
            $examples = @($Command.SelectNodes('command:examples/command:example', $Ns))
            $examples.Count | Should -Be 2
            $examples[0].SelectSingleNode('maml:title', $Ns).InnerText | Should -Match '^-+ Example 1: Filter things -+$'
            $examples[0].SelectSingleNode('dev:code', $Ns).InnerText | Should -Be ("# a comment, not a heading`n" +
                'Get-SampleThing -Name ''a&b'' | Where-Object { $_.Size -lt 3 -and $_.Tag -gt "<x>" }')
            $examples[0].SelectSingleNode('dev:remarks/maml:para', $Ns).InnerText | Should -Be 'Gets things whose size is < 3.'
            $examples[1].SelectSingleNode('dev:code', $Ns).InnerText | Should -Be 'Get-SampleThing -Id 42'
        }

        It 'writes input and output types with their text' {
            $Command.SelectSingleNode('command:inputTypes/command:inputType/dev:type/maml:name', $Ns).InnerText | Should -Be 'System.String[]'
            $Command.SelectSingleNode('command:returnValues/command:returnValue/dev:type/maml:name', $Ns).InnerText | Should -Be 'SampleHelpMod.Thing'
            $Command.SelectSingleNode('command:returnValues/command:returnValue/maml:description/maml:para', $Ns).InnerText | Should -Be 'A thing.'
        }

        It 'puts the online version first and keeps only absolute link addresses' {
            $links = @($Command.SelectNodes('command:relatedLinks/maml:navigationLink', $Ns))
            @($links | ForEach-Object { $_.SelectSingleNode('maml:linkText', $Ns).InnerText }) | Should -Be @('Online Version:', 'Other-Thing', 'Daytona docs')
            @($links | ForEach-Object { $_.SelectSingleNode('maml:uri', $Ns).InnerText }) | Should -Be @('https://example.com/docs/Get-SampleThing', '', 'https://www.daytona.io/docs')
        }
    }

    Context 'about topics' {
        BeforeAll {
            $AboutText = Get-Content -LiteralPath (Join-Path $Out 'about_SampleHelpMod.help.txt') -Raw
        }

        It 'drops the front matter and uses the about layout' {
            $AboutText | Should -Not -Match 'schema: 2.0.0'
            $AboutText | Should -Not -Match '(?m)^---'
            $AboutText | Should -Match '(?m)^TOPIC\r?\n    about_SampleHelpMod\r?\n'
            $AboutText | Should -Match '(?m)^SHORT DESCRIPTION\r?\n    Describes the SampleHelpMod module\.'
        }

        It 'wraps prose at 80 columns and indents code without wrapping it' {
            @($AboutText -split '\r?\n' | Where-Object Length -GT 80) | Should -BeNullOrEmpty
            $AboutText | Should -Match '(?m)^        Get-SampleThing -Name web\*$'
        }
    }

    Context 'Get-Help on the converted file' {
        BeforeAll {
            $SampleModule = Import-Module (Join-Path $ModuleBase 'SampleHelpMod.psm1') -PassThru -Force
        }
        AfterAll {
            $SampleModule | Remove-Module -Force
        }

        It 'shows synopsis, syntax, parameters and examples with -Full' {
            $help = Get-Help Get-SampleThing -Full
            $help.Synopsis | Should -Be 'Gets sample things & <widgets> "quoted".'
            @($help.examples.example).Count | Should -Be 2
            $text = $help | Out-String -Width 200
            $text | Should -Match ([regex]::Escape('Get-SampleThing [[-Name] <String[]>] [-Kind {small | large}] [-Force] [<CommonParameters>]'))
            $text | Should -Match ([regex]::Escape('Get-SampleThing -Id <String> [-Force] [<CommonParameters>]'))
            $text | Should -Match ([regex]::Escape('# a comment, not a heading'))
            $text | Should -Match 'Accept pipeline input\?\s+True \(ByPropertyName\)'
        }

        It 'shows one parameter with -Parameter' {
            $p = Get-Help Get-SampleThing -Parameter Id
            $p.aliases | Should -Be 'ThingId, Key'
            ($p | Out-String) | Should -Match "The thing's id\."
        }

        It 'separates the examples with a blank line in -Examples' {
            $lines = @((Get-Help Get-SampleThing -Examples | Out-String -Width 200) -split '\r?\n')
            $second = [array]::FindIndex($lines, [Predicate[string]] { param($l) $l -match 'Example 2: One thing by id' })
            $second | Should -BeGreaterThan 0
            $lines[$second - 1].Trim() | Should -BeNullOrEmpty -Because 'the remarks of example 1 end before the blank line'
            $lines[$second - 2].Trim() | Should -Be 'Gets things whose size is < 3.'
        }

        It 'shows the about topic' {
            (Get-Help about_SampleHelpMod | Out-String) | Should -Match 'Describes the SampleHelpMod module'
        }
    }

    Context 'New-HelpMarkdown.ps1 skeletons' {
        BeforeAll {
            $Skeletons = Join-Path $TestDrive 'skeletons'
            $null = & (Join-Path $RepoRoot 'tools/New-HelpMarkdown.ps1') -ModulePath (Join-Path $ModuleBase 'SampleHelpMod.psm1') -OutputPath $Skeletons
            Remove-Module SampleHelpMod -Force -ErrorAction SilentlyContinue
            Import-Module (Join-Path $RepoRoot 'tools/HelpMarkdown.psm1') -Force
            $Skeleton = ConvertFrom-HelpMarkdown -Path (Join-Path $Skeletons 'Get-SampleThing.md')
        }

        It 'takes syntax and parameter metadata from the code' {
            @($Skeleton.Syntax | ForEach-Object Name) | Should -Be @('ByName', 'ById')
            @($Skeleton.Parameters.Name) | Should -Be @('Force', 'Id', 'Kind', 'Name')
            $id = ($Skeleton.Parameters | Where-Object Name -EQ 'Id').Metadata[0]
            $id.Required | Should -BeTrue
            $id.ParameterSets | Should -Be @('ById')
            $id.Aliases | Should -Be @('ThingId', 'Key')
            $id.PipelineInput | Should -Be 'True (ByPropertyName)'
            $name = ($Skeleton.Parameters | Where-Object Name -EQ 'Name').Metadata[0]
            $name.Position | Should -Be '0'
            $name.Globbing | Should -BeTrue
            $name.Type | Should -Be 'String[]'
            ($Skeleton.Parameters | Where-Object Name -EQ 'Kind').Metadata[0].AcceptedValues | Should -Be @('small', 'large')
            ($Skeleton.Parameters | Where-Object Name -EQ 'Force').Metadata[0].ParameterSets | Should -Be @('(All)')
        }

        It 'leaves the prose as placeholders the doc guard rejects' {
            ($Skeleton.Synopsis -join ' ') | Should -Match '\{\{ Fill in the Synopsis \}\}'
            ($Skeleton.Notes -join ' ') | Should -Match '\{\{ Fill in the Notes'
            $Skeleton.EmptySections | Should -BeNullOrEmpty -Because 'every section of a skeleton holds a placeholder'
            @($Skeleton.Examples).Count | Should -Be 2
        }

        It 'never overwrites a page without -Force' {
            $page = Join-Path $Skeletons 'Get-SampleThing.md'
            Set-Content -LiteralPath $page -Value 'kept'
            $null = & (Join-Path $RepoRoot 'tools/New-HelpMarkdown.ps1') -ModulePath (Join-Path $ModuleBase 'SampleHelpMod.psm1') -OutputPath $Skeletons
            Remove-Module SampleHelpMod -Force -ErrorAction SilentlyContinue
            (Get-Content -LiteralPath $page -Raw).Trim() | Should -Be 'kept'
        }
    }

    Context 'markdown that regular expressions got wrong' {
        BeforeAll {
            $MdDocs = Join-Path $TestDrive 'md-docs'
            $MdOut = Join-Path $TestDrive 'md-out'
            $null = New-Item -ItemType Directory -Path $MdDocs
            Set-Content -LiteralPath (Join-Path $MdDocs 'Get-CodeThing.md') -Encoding utf8 -Value @'
---
external help file: DaytonaPS.dll-Help.xml
Module Name: SampleHelpMod
online version:
schema: 2.0.0
---

# Get-CodeThing

## SYNOPSIS
Shows tokens as `***`.

## SYNTAX

```
Get-CodeThing [-Name <String>] [<CommonParameters>]
```

## DESCRIPTION
Sessions named `daytonaps-exec-*` are hidden; `a*b*c`, `**not bold**` and `_x_` stay as
written, while **bold**, *italic* and _under_ lose their markers.

An escaped \*star\*, a literal 2 * 3 * 4 and a `` `tick` `` span stay.
- one item
  wrapped
- two

```text
code in a description
  indented
```

## EXAMPLES

### Example 1: Code with stars
```powershell
Get-CodeThing -Name '*' | Where-Object { $_.N -like '**x**' }
```

Remark with `*` and `**`.

### Example 2: Another
```powershell
Get-CodeThing
```

## PARAMETERS

### -Name
Names like `web-*`; see [the docs](https://example.com/a_b_c).

```yaml
Type: String
Parameter Sets: (All)
Aliases:

Required: False
Position: Named
Default value: None
Accept pipeline input: False
Accept wildcard characters: True
```

### CommonParameters
See about_CommonParameters.

## INPUTS

### None
Nothing.

## OUTPUTS

### System.Object
Things.

## NOTES
`a_b_c` and `*` in a note.

## RELATED LINKS
'@
            Set-Content -LiteralPath (Join-Path $MdDocs 'about_CodeThing.md') -Encoding utf8 -Value @'
---
schema: 2.0.0
---

# about_CodeThing

## SHORT DESCRIPTION
Masks tokens as `***` in `daytonaps-exec-*` sessions; **bold** goes.

## LONG DESCRIPTION

| Name | Value |
| --- | --- |
| `a*b*c` | *x* |

1. First, with `**`.
2. Second.
'@
            $null = & $Converter -Path $MdDocs -OutputPath $MdOut -UseBuiltInConverter
            $MdDoc = [xml](Get-Content -LiteralPath (Join-Path $MdOut 'DaytonaPS.dll-Help.xml') -Raw)
            $MdCommand = $MdDoc.SelectSingleNode('/msh:helpItems/command:command', $Ns)
            $MdAbout = Get-Content -LiteralPath (Join-Path $MdOut 'about_CodeThing.help.txt') -Raw
        }

        It 'keeps code spans as written, stars and underscores included' {
            $MdCommand.SelectSingleNode('command:details/maml:description/maml:para', $Ns).InnerText | Should -BeExactly 'Shows tokens as `***`.'
            $paras = @($MdCommand.SelectNodes('maml:description/maml:para', $Ns) | ForEach-Object InnerText)
            $paras[0] | Should -BeExactly 'Sessions named `daytonaps-exec-*` are hidden; `a*b*c`, `**not bold**` and `_x_` stay as written, while bold, italic and under lose their markers.'
        }

        It 'reads escapes, lone stars and double-backtick spans as CommonMark does' {
            $paras = @($MdCommand.SelectNodes('maml:description/maml:para', $Ns) | ForEach-Object InnerText)
            $paras[1] | Should -BeExactly 'An escaped *star*, a literal 2 * 3 * 4 and a `` `tick` `` span stay.'
        }

        It 'keeps a list that follows a paragraph as its own paragraph, and code in a description indented' {
            $paras = @($MdCommand.SelectNodes('maml:description/maml:para', $Ns) | ForEach-Object InnerText)
            $paras[2] | Should -BeExactly "- one item wrapped`n- two"
            $paras[3] | Should -BeExactly "    code in a description`n      indented"
            $paras.Count | Should -Be 4
        }

        It 'keeps example code and remarks, parameter text and notes as written' {
            $example = $MdCommand.SelectSingleNode('command:examples/command:example', $Ns)
            $example.SelectSingleNode('dev:code', $Ns).InnerText | Should -BeExactly 'Get-CodeThing -Name ''*'' | Where-Object { $_.N -like ''**x**'' }'
            $example.SelectSingleNode('dev:remarks/maml:para', $Ns).InnerText | Should -BeExactly 'Remark with `*` and `**`.'
            $MdCommand.SelectSingleNode("command:parameters/command:parameter[maml:name='Name']/maml:description/maml:para", $Ns).InnerText |
                Should -BeExactly 'Names like `web-*`; see the docs (https://example.com/a_b_c).'
            $MdCommand.SelectSingleNode('maml:alertSet/maml:alert/maml:para', $Ns).InnerText | Should -BeExactly '`a_b_c` and `*` in a note.'
        }

        It 'ends every example with an empty paragraph, for the blank line before the next' {
            foreach ($example in $MdCommand.SelectNodes('command:examples/command:example', $Ns)) {
                $paras = @($example.SelectNodes('dev:remarks/maml:para', $Ns))
                $paras[-1].InnerText | Should -BeExactly ''
            }
        }

        It 'keeps code spans in about topics, and renders tables and numbered lists' {
            $MdAbout | Should -Match ([regex]::Escape('Masks tokens as `***` in `daytonaps-exec-*` sessions; bold goes.'))
            $MdAbout | Should -Match ('(?m)^    ' + [regex]::Escape('| `a*b*c` | x |') + '\r?$')
            $MdAbout | Should -Match '(?m)^    1\. First, with `\*\*`\.\r?$'
            $MdAbout | Should -Match '(?m)^    2\. Second\.\r?$'
        }
    }

    Context 'bad input' {
        It 'fails on a page with no cmdlet heading, naming the file' {
            $bad = Join-Path $TestDrive 'bad'
            $null = New-Item -ItemType Directory -Path $bad
            Set-Content -LiteralPath (Join-Path $bad 'Get-Nothing.md') -Value "---`nschema: 2.0.0`n---`n`n## SYNOPSIS`nNo title.`n"
            { & $Converter -Path $bad -OutputPath (Join-Path $TestDrive 'bad-out') -UseBuiltInConverter } | Should -Throw '*Get-Nothing.md*'
        }

        It 'fails on front matter that is never closed, naming the file' {
            $bad = Join-Path $TestDrive 'bad-front'
            $null = New-Item -ItemType Directory -Path $bad
            Set-Content -LiteralPath (Join-Path $bad 'Get-Open.md') -Value "---`nschema: 2.0.0`n`n# Get-Open`n`n## SYNOPSIS`nOpen.`n"
            { & $Converter -Path $bad -OutputPath (Join-Path $TestDrive 'bad-front-out') -UseBuiltInConverter } | Should -Throw '*Get-Open.md*never closed*'
        }
    }
}
