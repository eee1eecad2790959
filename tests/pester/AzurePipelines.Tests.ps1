#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.1' }
# DaytonaPS as an Azure DevOps job runs it: a fresh `pwsh -NonInteractive` with TF_BUILD=True and
# the key from the environment. Its output (stdout and stderr, as the agent reads both) is checked
# for the logging commands the agent would execute.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ModulePath = Get-TestModulePath
    $Emu = Start-TestEmulator
    function Invoke-Job([string] $Body, [string] $TfBuild = 'True') {
        $script = @"
Import-Module '$ModulePath/DaytonaPS.psd1'
Connect-Daytona -ApiKey (ConvertTo-SecureString `$env:TEST_DAYTONA_KEY -AsPlainText -Force) -ApiUrl '$($Emu.ApiUrl)' -SkipValidation
$Body
"@
        Invoke-FreshPwsh -Script $script -Environment @{ TF_BUILD = $TfBuild; TEST_DAYTONA_KEY = $Emu.ApiKey }
    }
    $Missing = 'no-such-sandbox-7f3a'
}

AfterAll {
    $Emu | Stop-TestEmulator
}

Describe 'Errors under an Azure DevOps agent' {
    It 'are reported as task issues with the error id as their code' {
        $out = Invoke-Job "Get-DaytonaSandbox -Id $Missing; 'after'"
        $issues = @(Get-AgentCommand $out)
        $issues.Count | Should -Be 1
        $issues[0] | Should -Match "^##vso\[task\.logissue type=error;code=DaytonaNotFound\]Get-DaytonaSandbox: .*$Missing"
        $out | Should -Contain 'after' -Because 'a non-terminating error does not end the script'
    }

    It 'are reported when they terminate the command too' {
        $out = Invoke-Job "try { New-DaytonaSandbox -Snapshot x -Cpu 2 } catch { 'caught ' + `$_.FullyQualifiedErrorId }"
        @(Get-AgentCommand $out) | Should -Match '^##vso\[task\.logissue type=error;code=DaytonaInvalidArgument\]New-DaytonaSandbox: '
        $out | Should -Contain 'caught DaytonaInvalidArgument,DaytonaPS.Commands.Sandbox.NewDaytonaSandboxCommand'
    }

    It 'are not reported when the script silenced them (-ErrorAction <_>)' -ForEach 'SilentlyContinue', 'Ignore' {
        $out = Invoke-Job "Get-DaytonaSandbox -Id $Missing -ErrorAction $_; 'after'"
        Get-AgentCommand $out | Should -BeNullOrEmpty
        $out | Should -Contain 'after'
    }

    It 'are not reported outside Azure DevOps' {
        $out = Invoke-Job "Get-DaytonaSandbox -Id $Missing" -TfBuild ''
        Get-AgentCommand $out | Should -BeNullOrEmpty
        ($out -join "`n") | Should -Match $Missing
    }

    It 'carry no logging command of their own, even when they quote one (the issue line and the error display)' {
        # Built from pieces in the job, so that PowerShell's echo of the script line (in its error view) is not a command itself.
        $out = Invoke-Job "`$h = '##'; `$evil = 'echo hi; echo ""' + `$h + 'vso[task.setvariable variable=pwned]yes""; echo ""' + `$h + '[error]fake""; exit 3'
`$sb = New-DaytonaSandbox; try { `$sb | Invoke-DaytonaCommand `$evil -ErrorOnNonZeroExit | Out-Null } finally { `$sb | Remove-DaytonaSandbox -Force }"
        $commands = @(Get-AgentCommand $out)
        $commands.Count | Should -Be 1 -Because "only DaytonaPS's own issue line is a logging command: $($commands -join ' | ')"
        $commands[0] | Should -Match '^##vso\[task\.logissue type=error;code=DaytonaCommandFailed\]'
        ([regex]::Matches($commands[0], '##vso\[')).Count | Should -Be 1
        $commands[0] | Should -Match '## vso\[task\.setvariable'
        ($out -join "`n") | Should -Match 'exited with code 3'
    }
}

Describe 'A confirmation prompt in a non-interactive PowerShell' {
    It 'fails with DaytonaConfirmationRequired that says how to confirm, and removes nothing' {
        $out = Invoke-Job @"
`$a = New-DaytonaSandbox -Name ci-confirm-a; `$b = New-DaytonaSandbox -Name ci-confirm-b
try { `$a, `$b | Remove-DaytonaSandbox } catch { 'id: ' + `$_.FullyQualifiedErrorId; 'category: ' + `$_.CategoryInfo.Category; 'advice: ' + `$_.ErrorDetails.RecommendedAction }
'left: ' + ((Get-DaytonaSandbox -Name ci-confirm-a, ci-confirm-b | Sort-Object Name | ForEach-Object Name) -join ',')
`$a, `$b | Remove-DaytonaSandbox -Force
'after force: ' + @(Get-DaytonaSandbox -Name ci-confirm-a, ci-confirm-b).Count
"@ -TfBuild ''
        $out | Should -Contain 'id: DaytonaConfirmationRequired,DaytonaPS.Commands.Sandbox.RemoveDaytonaSandboxCommand'
        $out | Should -Contain 'category: InvalidOperation'
        ($out | Where-Object { $_ -like 'advice: *' }) | Should -Match '-Force'
        $out | Should -Contain 'left: ci-confirm-a,ci-confirm-b'
        $out | Should -Contain 'after force: 0'
    }

    It 'is answered in advance by -Confirm:$false on a cmdlet without -Force' {
        $out = Invoke-Job @"
try { New-DaytonaSandbox -Name ci-confirm-c -Confirm | Out-Null } catch { 'id: ' + `$_.FullyQualifiedErrorId; 'advice: ' + `$_.ErrorDetails.RecommendedAction }
'made: ' + @(Get-DaytonaSandbox -Name ci-confirm-c).Count
"@ -TfBuild ''
        $out | Should -Contain 'id: DaytonaConfirmationRequired,DaytonaPS.Commands.Sandbox.NewDaytonaSandboxCommand'
        ($out | Where-Object { $_ -like 'advice: *' }) | Should -Match '-Confirm:\$false'
        $out | Should -Contain 'made: 0'
    }
}

Describe 'Invoke-DaytonaCommand -Stream under an Azure DevOps agent' {
    It 'folds the live output into a ##[group] section that sandbox text cannot end or command' {
        # The sandbox prints an endgroup, a group and a vso command of its own; only DaytonaPS's two markers may count.
        $out = Invoke-Job @"
`$h = '##'
`$sb = New-DaytonaSandbox
try { `$sb | Invoke-DaytonaCommand ('echo one; echo "' + `$h + '[endgroup]"; echo "' + `$h + '[group]fake"; echo "x ' + `$h + 'vso[task.setvariable variable=pwned]yes"; echo two') -Stream | Out-Null }
finally { `$sb | Remove-DaytonaSandbox -Force }
"@
        $commands = @(Get-AgentCommand $out)
        $commands.Count | Should -Be 2 -Because "only the group and its end are logging commands: $($commands -join ' | ')"
        $commands[0] | Should -Match "^##\[group\]Invoke-DaytonaCommand: 'echo one; .*' in sandbox '.+'"
        $commands[1] | Should -BeExactly '##[endgroup]'
        $lines = @($out)
        $start = [array]::IndexOf($lines, $commands[0]); $end = [array]::IndexOf($lines, '##[endgroup]')
        $lines[($start + 1)..($end - 1)] | Should -Be @('one', '## [endgroup]', '## [group]fake', 'x ## vso[task.setvariable variable=pwned]yes', 'two')
    }

    It 'shows one sandbox at a time when several run at once, each in its own group' {
        $out = Invoke-Job @"
`$boxes = 1..2 | ForEach-Object { New-DaytonaSandbox }
try { `$boxes | Invoke-DaytonaCommand 'for i in 1 2 3; do echo "`$(hostname) line `$i"; sleep 0.3; done' -Stream | Out-Null }
finally { `$boxes | Remove-DaytonaSandbox -Force }
"@
        $lines = @($out)
        $groups = @(); $current = $null
        foreach ($l in $lines) {
            if ($l -like '##`[group`]*') { $current | Should -BeNullOrEmpty -Because 'groups never nest or overlap'; $current = [System.Collections.Generic.List[string]]::new() }
            elseif ($l -eq '##[endgroup]') { $groups += , $current.ToArray(); $current = $null }
            elseif ($null -ne $current) { $current.Add($l) }
        }
        $groups.Count | Should -Be 2
        foreach ($g in $groups) {
            $g.Count | Should -Be 3
            @($g | ForEach-Object { ($_ -split ' line ')[0] } | Select-Object -Unique).Count | Should -Be 1 -Because "one group holds one sandbox's lines: $($g -join ' | ')"
        }
        (($groups[0][0] -split ' line ')[0]) | Should -Not -Be (($groups[1][0] -split ' line ')[0])
    }

    It 'writes no group markers outside Azure DevOps' {
        $out = Invoke-Job "`$sb = New-DaytonaSandbox; try { `$sb | Invoke-DaytonaCommand 'echo plain' -Stream | Out-Null } finally { `$sb | Remove-DaytonaSandbox -Force }" -TfBuild ''
        $out | Should -Contain 'plain'
        Get-AgentCommand $out | Should -BeNullOrEmpty
    }
}
