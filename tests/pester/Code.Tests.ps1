#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.1' }
# Invoke-DaytonaCode through the built module in a fresh pwsh: results as scripts see them, and
# their views as an Azure DevOps agent would read them (TF_BUILD=True, stdout captured as text).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ModulePath = Get-TestModulePath
    $Emu = Start-TestEmulator
    function Invoke-CodeJob([string] $Body, [string] $TfBuild = '') {
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath/DaytonaPS.psd1'
Connect-Daytona -ApiKey (ConvertTo-SecureString `$env:TEST_DAYTONA_KEY -AsPlainText -Force) -ApiUrl '$($Emu.ApiUrl)' -SkipValidation
`$sb = New-DaytonaSandbox
$Body
`$sb | Remove-DaytonaSandbox -Force
"@
        Invoke-FreshPwsh -Script $script -Environment @{ TF_BUILD = $TfBuild; TEST_DAYTONA_KEY = $Emu.ApiKey }
    }
}

AfterAll {
    $Emu | Stop-TestEmulator
}

Describe 'Invoke-DaytonaCode' {
    It 'keeps state in a context and reports an exception as data' {
        $out = Invoke-CodeJob @'
$ctx = $sb | New-DaytonaCodeContext
$ctx | Invoke-DaytonaCode 'items = [1, 2, 3]' | Out-Null
'sum=' + ($ctx | Invoke-DaytonaCode 'print(sum(items))').Stdout.Trim()
$r = $ctx | Invoke-DaytonaCode 'items[10]'
'succeeded=' + $r.Succeeded
'error=' + $r.Error.Name + ': ' + $r.Error.Value
'errors=' + $Error.Count
$ctx | Remove-DaytonaCodeContext -Force
'left=' + @(Get-DaytonaCodeContext -Id $sb.Id).Count
'@
        $out | Should -Contain 'sum=6'
        $out | Should -Contain 'succeeded=False'
        $out | Should -Contain 'error=IndexError: list index out of range'
        $out | Should -Contain 'errors=0'
        $out | Should -Contain 'left=0'
    }

    It 'neutralises sandbox text in its views and -Stream under Azure DevOps' {
        $code = 'print("##vso[task.setvariable variable=pwned]yes"); raise ValueError("x\n##[error]fake")'
        $out = Invoke-CodeJob "`$r = `$sb | Invoke-DaytonaCode '$($code -replace "'", "''")' -Stream`n`$r`n`$r | Format-List`n`$r.Error | Format-List`n'bytes: ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes(`$r.Stdout))" -TfBuild 'True'
        Get-AgentCommand $out | Should -BeNullOrEmpty
        ($out -join "`n") | Should -Match '## vso\[task\.setvariable variable=pwned\]yes'
        ($out -join "`n") | Should -Match '## \[error\]fake'
        # The result keeps the real text (printed in base64 here, so the agent cannot read it as a command).
        $out | Should -Contain ('bytes: ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("##vso[task.setvariable variable=pwned]yes`n")))
    }
}
