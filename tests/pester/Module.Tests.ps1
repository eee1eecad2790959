#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.1' }
# The built module folder (out/DaytonaPS): manifest, exports, version stamp, contents.

BeforeDiscovery {
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
}

BeforeAll {
    $RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $ModulePath = if ($env:DAYTONA_MODULE_PATH) { $env:DAYTONA_MODULE_PATH } else { Join-Path $RepoRoot 'out/DaytonaPS' }
    $ManifestPath = Join-Path $ModulePath 'DaytonaPS.psd1'
    $Manifest = Import-PowerShellDataFile $ManifestPath
    $Version = ([xml](Get-Content -Raw (Join-Path $RepoRoot 'Directory.Build.props'))).Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1
}

Describe 'The built manifest' {
    It 'passes Test-ModuleManifest' {
        { Test-ModuleManifest -Path $ManifestPath -ErrorAction Stop } | Should -Not -Throw
    }

    It 'carries the version from Directory.Build.props, as does the assembly' {
        $Manifest.ModuleVersion | Should -Be $Version
        [Reflection.AssemblyName]::GetAssemblyName((Join-Path $ModulePath 'DaytonaPS.dll')).Version.ToString(3) | Should -Be $Version
    }

    It 'exports cmdlets explicitly and nothing else' {
        $Manifest.CmdletsToExport | Should -Not -Contain '*'
        @($Manifest.FunctionsToExport).Count | Should -Be 0
        @($Manifest.VariablesToExport).Count | Should -Be 0
        @($Manifest.AliasesToExport).Count | Should -Be 0
    }

    It 'declares both editions, PowerShell 5.1 and the gallery metadata' {
        $Manifest.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $Manifest.PowerShellVersion | Should -Be '5.1'
        $Manifest.GUID | Should -Be '5b7c2f0e-3d41-4a8e-9f6c-2d8a1e4b7c90'
        foreach ($tag in 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS', 'Daytona', 'Sandbox') {
            $Manifest.PrivateData.PSData.Tags | Should -Contain $tag
        }
        $Manifest.PrivateData.PSData.ProjectUri | Should -Not -BeNullOrEmpty
        $Manifest.PrivateData.PSData.LicenseUri | Should -Not -BeNullOrEmpty
        $Manifest.PrivateData.PSData.ReleaseNotes | Should -Not -BeNullOrEmpty
    }

    It 'ships every file the manifest names' {
        foreach ($file in @($Manifest.RootModule) + @($Manifest.FormatsToProcess)) {
            Join-Path $ModulePath $file | Should -Exist
        }
        Join-Path $ModulePath 'en-US/DaytonaPS.dll-Help.xml' | Should -Exist
    }

    It 'keeps third-party assemblies in dependencies/, only DaytonaPS.dll beside the manifest' {
        @(Get-ChildItem $ModulePath -Filter *.dll | ForEach-Object Name) | Should -Be @('DaytonaPS.dll')
        foreach ($name in 'Polly.Core.dll', 'System.Text.Json.dll') {
            Join-Path $ModulePath "dependencies/$name" | Should -Exist
        }
    }
}

Describe 'Importing the built module' {
    It 'exports exactly the cmdlets the manifest lists, and every public cmdlet class is listed' {
        $script = @"
Import-Module '$ManifestPath' -ErrorAction Stop
`$exported = @(Get-Command -Module DaytonaPS | ForEach-Object Name | Sort-Object)
`$asm = (Get-Module DaytonaPS).ImplementingAssembly
`$classes = @(`$asm.GetExportedTypes() | Where-Object { -not `$_.IsAbstract -and `$_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], `$false) } |
    ForEach-Object { `$a = `$_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], `$false)[0]; "`$(`$a.VerbName)-`$(`$a.NounName)" } | Sort-Object)
@{ exported = `$exported; classes = `$classes } | ConvertTo-Json -Compress
"@
        $json = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $script | ConvertFrom-Json
        $listed = @($Manifest.CmdletsToExport | Sort-Object)
        @($json.exported) | Should -Be $listed
        @($json.classes) | Should -Be $listed
    }

    It 'uses only approved verbs' {
        $approved = (Get-Verb).Verb
        foreach ($name in $Manifest.CmdletsToExport) {
            $approved | Should -Contain ($name -split '-')[0] -Because "$name must use an approved verb"
        }
    }
}

Describe 'Sandbox parameters' {
    It 'take a plain string from the pipeline wherever a sandbox is taken (''web-1'', ''web-2'' | <cmdlet>)' {
        # Where the pipeline carries something else, the sandbox comes by property name or -Id.
        $pipelineIsOther = @{ 'Set-DaytonaContent' = 'the content (-Value)'; 'Revoke-DaytonaSshAccess' = 'SshAccess objects'; 'Get-DaytonaSandbox' = 'names (-Name, with wildcards)' }
        $script = @"
Import-Module '$ManifestPath' -ErrorAction Stop
@(foreach (`$c in Get-Command -Module DaytonaPS) {
    `$p = `$c.Parameters['Id']
    if (-not `$p -or `$p.Aliases -notcontains 'SandboxId') { continue }
    `$attrs = @(`$p.Attributes | Where-Object { `$_ -is [System.Management.Automation.ParameterAttribute] })
    @{ name = `$c.Name; byValue = [bool](`$attrs | Where-Object ValueFromPipeline); byName = [bool](`$attrs | Where-Object ValueFromPipelineByPropertyName) }
}) | ConvertTo-Json -Compress -AsArray
"@
        $cases = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $script | ConvertFrom-Json
        $cases.Count | Should -BeGreaterThan 10
        foreach ($c in $cases) {
            $c.byName | Should -BeTrue -Because "$($c.name) -Id binds SandboxId/Id/Name by property name"
            if ($pipelineIsOther.ContainsKey($c.name)) { continue }
            $c.byValue | Should -BeTrue -Because "a plain sandbox id or name piped to $($c.name) binds to -Id"
        }
    }
}

Describe 'The README and CI' {
    It 'CI runs exactly the README''s test command' {
        $readme = Get-Content -Raw (Join-Path $RepoRoot 'README.md')
        $ci = Get-Content (Join-Path $RepoRoot '.ci/run')
        $command = [regex]::Matches($readme, '(?m)^dotnet tool restore && .*-Task Test\s*$') | Select-Object -First 1
        $command | Should -Not -BeNullOrEmpty
        $ci | Should -Contain $command.Value.Trim()
    }
}
