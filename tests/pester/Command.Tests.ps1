#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.1' }
# Command output as an Azure DevOps agent would read it: a fresh pwsh started with TF_BUILD=True,
# its standard output (what the agent parses for logging commands) captured as text.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ModulePath = Get-TestModulePath
    $Emu = Start-TestEmulator
    function Invoke-AsAgentJob([string] $Body, [string] $TfBuild = 'True') {
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
    $Evil = 'echo "##vso[task.setvariable variable=pwned]yes"; echo "##[error]fake" >&2; echo "  ##vso[task.complete result=Failed]"'
}

AfterAll {
    $Emu | Stop-TestEmulator
}

Describe 'Sandbox text reaching an Azure DevOps log' {
    It 'is neutralised in the default table and list views of a command result' {
        $out = Invoke-AsAgentJob "`$r = `$sb | Invoke-DaytonaCommand '$($Evil -replace "'", "''")'`n`$r`n`$r | Format-List`n'stdout-bytes: ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes(`$r.Stdout))"
        Get-AgentCommand $out | Should -BeNullOrEmpty
        ($out -join "`n") | Should -Match '## vso\[task\.setvariable variable=pwned\]yes'
        ($out -join "`n") | Should -Match '## \[error\]fake'
        # the object keeps the real bytes (printed in base64 here, so the agent cannot read them as a command)
        $real = "##vso[task.setvariable variable=pwned]yes`n  ##vso[task.complete result=Failed]`n"
        ($out | Where-Object { $_ -like 'stdout-bytes: *' }) | Should -Be ('stdout-bytes: ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($real)))
    }

    It 'is neutralised live (-Stream) and in the view of Receive-DaytonaCommandLog' {
        $out = Invoke-AsAgentJob "`$sb | Invoke-DaytonaCommand '$($Evil -replace "'", "''")' -Stream | Out-Null`n`$sb | Start-DaytonaCommand '$($Evil -replace "'", "''")' | Receive-DaytonaCommandLog -Follow"
        # The only logging commands are DaytonaPS's own log group around the -Stream output (its title,
        # which quotes the command, neutralised too); nothing from the sandbox.
        $commands = @(Get-AgentCommand $out)
        $commands.Count | Should -Be 2 -Because ($commands -join ' | ')
        $commands[0] | Should -BeLike '##`[group`]Invoke-DaytonaCommand: *'
        $commands[0] | Should -Not -Match '##vso\['
        $commands[1] | Should -BeExactly '##[endgroup]'
        @($out | Where-Object { $_ -match '## vso\[task\.setvariable' }).Count | Should -BeGreaterOrEqual 3
    }

    It 'is shown as it is outside Azure DevOps' {
        $out = Invoke-AsAgentJob "`$sb | Invoke-DaytonaCommand 'echo ""##vso[x]""' | Format-List" -TfBuild ''
        ($out -join "`n") | Should -Match '##vso\[x\]'
    }
}
