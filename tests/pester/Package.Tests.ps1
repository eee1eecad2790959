#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.1' }
# The Package task's nupkg installs with Install-PSResource from a local file repository and imports.

BeforeAll {
    $RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $ModulePath = if ($env:DAYTONA_MODULE_PATH) { $env:DAYTONA_MODULE_PATH } else { Join-Path $RepoRoot 'out/DaytonaPS' }
    $Manifest = Import-PowerShellDataFile (Join-Path $ModulePath 'DaytonaPS.psd1')
}

Describe 'The module package' {
    It 'installs from a local repository into a private home and imports from there' {
        $repo = Join-Path $TestDrive 'repo'
        $home_ = Join-Path $TestDrive 'home'
        New-Item -ItemType Directory -Path $repo, $home_ | Out-Null
        # The same script the Package task runs.
        $nupkg = & (Join-Path $RepoRoot 'tools/New-ModulePackage.ps1') -ModulePath $ModulePath -OutputPath $repo
        $nupkg.Name | Should -Be "DaytonaPS.$($Manifest.ModuleVersion).nupkg"

        # A child pwsh whose HOME is a temp folder, so the repository registration and the
        # CurrentUser install land there and nothing touches the real profile.
        $script = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name DaytonaLocal -Uri '$repo' -Trusted
Install-PSResource -Name DaytonaPS -Repository DaytonaLocal -Scope CurrentUser -TrustRepository -Quiet
`$installed = Get-InstalledPSResource -Name DaytonaPS
Import-Module DaytonaPS -RequiredVersion `$installed.Version -ErrorAction Stop
`$m = Get-Module DaytonaPS
@{ base = `$m.ModuleBase; version = `$m.Version.ToString(); commands = @(Get-Command -Module DaytonaPS).Count; dependencies = @(Get-ChildItem (Join-Path `$m.ModuleBase 'dependencies') -Filter *.dll | ForEach-Object Name | Sort-Object) } | ConvertTo-Json -Compress
"@
        $env:HOME_BACKUP = $env:HOME
        try {
            $env:HOME = $home_
            # .NET reports a special folder only if it exists; a missing one makes PSResourceGet
            # fall back to a path relative to the working directory.
            $env:XDG_DATA_HOME = New-Item -ItemType Directory -Force -Path (Join-Path $home_ '.local/share') | ForEach-Object FullName
            $env:XDG_CONFIG_HOME = New-Item -ItemType Directory -Force -Path (Join-Path $home_ '.config') | ForEach-Object FullName
            Push-Location $home_
            try { $out = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $script }
            finally { Pop-Location }
        }
        finally {
            $env:HOME = $env:HOME_BACKUP
            Remove-Item Env:XDG_DATA_HOME, Env:XDG_CONFIG_HOME, Env:HOME_BACKUP -ErrorAction SilentlyContinue
        }
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $result = $out | Select-Object -Last 1 | ConvertFrom-Json
        $result.base | Should -BeLike "$home_*"
        $result.version | Should -Be $Manifest.ModuleVersion
        $result.commands | Should -Be @($Manifest.CmdletsToExport).Count
        # The third-party assemblies travel in dependencies/ (loaded by DaytonaPS's resolver).
        @($result.dependencies) | Should -Be @(Get-ChildItem (Join-Path $ModulePath 'dependencies') -Filter *.dll | ForEach-Object Name | Sort-Object)
        @($result.dependencies) | Should -Contain 'Polly.Core.dll'
    }

    It 'installs from the .nupkg alone, unpacked into a module folder (no repository, no PSResourceGet)' {
        $drop = Join-Path $TestDrive 'drop'
        $modules = Join-Path $TestDrive 'modules'
        New-Item -ItemType Directory -Path $drop, $modules | Out-Null
        $nupkg = & (Join-Path $RepoRoot 'tools/New-ModulePackage.ps1') -ModulePath $ModulePath -OutputPath $drop
        # What README says for Windows PowerShell 5.1 or a machine without PSResourceGet.
        $target = Join-Path $modules "DaytonaPS/$($Manifest.ModuleVersion)"
        Copy-Item -LiteralPath $nupkg.FullName -Destination (Join-Path $drop 'DaytonaPS.zip')
        Expand-Archive -LiteralPath (Join-Path $drop 'DaytonaPS.zip') -DestinationPath $target
        $script = @"
`$ErrorActionPreference = 'Stop'
`$env:PSModulePath = '$modules' + [IO.Path]::PathSeparator + `$env:PSModulePath
Import-Module DaytonaPS
`$m = Get-Module DaytonaPS
@{ base = `$m.ModuleBase; commands = @(Get-Command -Module DaytonaPS).Count; help = [bool](Get-Help Get-DaytonaSandbox -Examples).examples } | ConvertTo-Json -Compress
"@
        $out = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $result = $out | Select-Object -Last 1 | ConvertFrom-Json
        $result.base | Should -Be $target
        $result.commands | Should -Be @($Manifest.CmdletsToExport).Count
        $result.help | Should -BeTrue
    }
}
