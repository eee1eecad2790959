@{
    RootModule           = 'DaytonaPS.dll'
    # Stamped from Directory.Build.props by build.ps1; this value is a placeholder in the source tree.
    ModuleVersion        = '0.0.0'
    CompatiblePSEditions = @('Desktop', 'Core')
    GUID                 = '5b7c2f0e-3d41-4a8e-9f6c-2d8a1e4b7c90'
    Author               = 'DaytonaPS contributors'
    CompanyName          = 'DaytonaPS'
    Copyright            = '(c) 2026 DaytonaPS contributors. MIT License.'
    Description          = 'PowerShell cmdlets for Daytona sandboxes (daytona.io): create, find, run commands in, shell into and remove sandboxes, with a local Daytona emulator for offline testing.'
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('DaytonaPS.Format.ps1xml')
    # Explicit, and one comma-separated array: in a multi-line @( ) without commas every line is a
    # statement the manifest evaluator runs, ~9 ms more per Import-Module (bench/results.md).
    CmdletsToExport      = @(
        'Connect-Daytona',
        'Disconnect-Daytona',
        'Get-DaytonaContext',
        'New-DaytonaSandbox',
        'Get-DaytonaSandbox',
        'Get-DaytonaSandboxMetric',
        'Get-DaytonaSandboxDirectory',
        'Remove-DaytonaSandbox',
        'Start-DaytonaSandbox',
        'Stop-DaytonaSandbox',
        'Wait-DaytonaSandbox',
        'Set-DaytonaSandbox',
        'Copy-DaytonaSandbox',
        'Invoke-DaytonaCommand',
        'Start-DaytonaCommand',
        'Receive-DaytonaCommandLog',
        'Send-DaytonaCommandInput',
        'Get-DaytonaSession',
        'Remove-DaytonaSession',
        'Enter-DaytonaSsh',
        'New-DaytonaSshAccess',
        'Revoke-DaytonaSshAccess',
        'Test-DaytonaSshAccess',
        'Get-DaytonaPreviewUrl',
        'Copy-DaytonaItem',
        'Get-DaytonaChildItem',
        'Get-DaytonaItem',
        'Get-DaytonaContent',
        'Set-DaytonaContent',
        'New-DaytonaItem',
        'Remove-DaytonaItem',
        'Move-DaytonaItem',
        'Set-DaytonaItemPermission',
        'Get-DaytonaFileUrl',
        'Revoke-DaytonaFileUrl',
        'Start-DaytonaEmulator',
        'Stop-DaytonaEmulator',
        'Invoke-DaytonaCode',
        'New-DaytonaCodeContext',
        'Get-DaytonaCodeContext',
        'Remove-DaytonaCodeContext',
        'Enter-DaytonaTerminal',
        'Copy-DaytonaGitRepository',
        'Get-DaytonaGitStatus',
        'Get-DaytonaGitBranch',
        'New-DaytonaGitBranch',
        'Remove-DaytonaGitBranch',
        'Switch-DaytonaGitBranch',
        'Add-DaytonaGitItem',
        'New-DaytonaGitCommit',
        'Push-DaytonaGitBranch',
        'Update-DaytonaGitBranch',
        'Get-DaytonaGitLog',
        'New-DaytonaGitRepository',
        'Reset-DaytonaGitBranch',
        'Restore-DaytonaGitItem',
        'Get-DaytonaGitRemote',
        'Add-DaytonaGitRemote',
        'Set-DaytonaGitCredential',
        'Select-DaytonaString',
        'Edit-DaytonaContent',
        'Get-DaytonaSnapshot',
        'New-DaytonaSnapshot',
        'Remove-DaytonaSnapshot',
        'Enable-DaytonaSnapshot',
        'Disable-DaytonaSnapshot',
        'Get-DaytonaSecret',
        'New-DaytonaSecret',
        'Set-DaytonaSecret',
        'Remove-DaytonaSecret',
        'Get-DaytonaVolume',
        'New-DaytonaVolume',
        'Remove-DaytonaVolume',
        'Resize-DaytonaSandbox',
        'Suspend-DaytonaSandbox',
        'Resume-DaytonaSandbox',
        'Revoke-DaytonaPreviewUrl',
        'Invoke-DaytonaApi'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS', 'Daytona', 'Sandbox')
            ProjectUri   = 'https://github.com/daytonaps/DaytonaPS'
            LicenseUri   = 'https://github.com/daytonaps/DaytonaPS/blob/main/LICENSE'
            ReleaseNotes = 'See CHANGELOG.md.'
        }
    }
}
