#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.1' }
# The connection and sandbox lifecycle cmdlets of the built module against an emulator process.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ModulePath = Get-TestModulePath
    Import-Module (Join-Path $ModulePath 'DaytonaPS.psd1') -Force
    $Emu = Start-TestEmulator
    $Key = ConvertTo-SecureString $Emu.ApiKey -AsPlainText -Force
    Connect-Daytona -ApiKey $Key -ApiUrl $Emu.ApiUrl
    function New-TestName([string] $Prefix) { '{0}-{1}' -f $Prefix, [guid]::NewGuid().ToString('N').Substring(0, 8) }
}

AfterAll {
    Disconnect-Daytona
    $Emu | Stop-TestEmulator
    Remove-Module DaytonaPS -ErrorAction SilentlyContinue
}

Describe 'Connect-Daytona and Get-DaytonaContext' {
    It 'returns a context that names the source but never the key' {
        $ctx = Connect-Daytona -ApiKey $Key -ApiUrl $Emu.ApiUrl -PassThru
        $ctx | Should -BeOfType DaytonaPS.Context
        $ctx.SourceDetail | Should -Be 'Connect-Daytona -ApiKey'
        ($ctx | Format-List * | Out-String) + "$ctx" | Should -Not -Match ([regex]::Escape($Emu.ApiKey))
        (Get-DaytonaContext).ApiUrl | Should -Be $Emu.ApiUrl
    }

    It 'fails with DaytonaUnauthorized for a wrong key and keeps the earlier connection' {
        { Connect-Daytona -ApiKey (ConvertTo-SecureString 'wrong' -AsPlainText -Force) -ApiUrl $Emu.ApiUrl -ErrorAction Stop } |
            Should -Throw -ErrorId 'DaytonaUnauthorized,DaytonaPS.Commands.Connection.ConnectDaytonaCommand'
        (Get-DaytonaContext).SourceDetail | Should -Be 'Connect-Daytona -ApiKey'
    }
}

Describe 'The emulator process (tools/DaytonaEmulator.psm1)' {
    It 'gets its key through the environment, never on its command line' {
        $Emu.Process.HasExited | Should -BeFalse
        $Emu.Process.StartInfo.ArgumentList | Should -Not -Contain $Emu.ApiKey
        $Emu.Process.StartInfo.ArgumentList | Should -Not -Contain '--api-key'
        $cmdline = "/proc/$($Emu.Process.Id)/cmdline"
        if (Test-Path $cmdline) { (Get-Content -Raw $cmdline) | Should -Not -Match ([regex]::Escape($Emu.ApiKey)) }
    }
}

Describe 'The sandbox lifecycle through the pipeline' {
    It 'Get-DaytonaSandbox -Label | Remove-DaytonaSandbox -Force removes exactly those; -WhatIf removes nothing' {
        $team = New-TestName 'team'
        1..3 | ForEach-Object { New-DaytonaSandbox -Name "$team-$_" -Label @{ team = $team } -NoWait } | Out-Null
        $other = New-DaytonaSandbox -Name "$team-other" -Label @{ team = "$team-other" } -NoWait

        Get-DaytonaSandbox -Label @{ team = $team } | Remove-DaytonaSandbox -WhatIf
        @(Get-DaytonaSandbox -Label @{ team = $team }).Count | Should -Be 3

        Get-DaytonaSandbox -Label @{ team = $team } | Remove-DaytonaSandbox -Force -Wait
        @(Get-DaytonaSandbox -Label @{ team = $team }).Count | Should -Be 0
        (Get-DaytonaSandbox -Id $other.Id).Name | Should -Be "$team-other"
    }

    It 'looks up piped names, and piped sandboxes by id' {
        $name = New-TestName 'piped'
        $s = New-DaytonaSandbox -Name $name -NoWait
        ($name | Get-DaytonaSandbox).Id | Should -Be $s.Id
        ($s | Get-DaytonaSandbox).Name | Should -Be $name
        $s | Remove-DaytonaSandbox -Force
    }

    It 'creates, stops, starts, sets and waits with typed objects' {
        $name = New-TestName 'life'
        $s = New-DaytonaSandbox -Name $name -Label @{ a = '1' }
        $s | Should -BeOfType DaytonaPS.Sandbox
        $s.State | Should -Be 'started'
        ($s | Stop-DaytonaSandbox -PassThru).State | Should -Be 'stopped'
        ($s | Start-DaytonaSandbox -PassThru).State | Should -Be 'started'
        ($s | Set-DaytonaSandbox -Label @{ b = '2' } -PassThru).Labels['b'] | Should -Be '2'
        ($s | Wait-DaytonaSandbox -State started).Id | Should -Be $s.Id
        $s | Remove-DaytonaSandbox -Force
    }

    It 'reports an unknown id as a non-terminating ObjectNotFound and goes on' {
        $name = New-TestName 'keep'
        New-DaytonaSandbox -Name $name -NoWait | Out-Null
        'no-such-sandbox', $name | Remove-DaytonaSandbox -Force -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'DaytonaNotFound,DaytonaPS.Commands.Sandbox.RemoveDaytonaSandboxCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].TargetObject | Should -Be 'no-such-sandbox'
        Get-DaytonaSandbox -Name $name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'throws DaytonaTimeout from Wait-DaytonaSandbox' {
        $name = New-TestName 'wait'
        New-DaytonaSandbox -Name $name | Out-Null
        { Wait-DaytonaSandbox -Id $name -State archived -TimeoutSec 1 -ErrorAction Stop } |
            Should -Throw -ErrorId 'DaytonaTimeout,DaytonaPS.Commands.Sandbox.WaitDaytonaSandboxCommand'
    }

    It 'rejects resources with a snapshot (parameter sets)' {
        { New-DaytonaSandbox -Name x -Snapshot s -Cpu 2 -ErrorAction Stop } | Should -Throw
    }
}

Describe 'Credentials from the environment in a fresh pwsh' {
    It 'uses DAYTONA_API_KEY and DAYTONA_API_URL' {
        $out = Invoke-FreshPwsh -Script "Import-Module '$ModulePath/DaytonaPS.psd1'; (Get-DaytonaContext).SourceDetail; @(Get-DaytonaSandbox).Count -ge 0" `
            -Environment @{ DAYTONA_API_KEY = $Emu.ApiKey; DAYTONA_API_URL = $Emu.ApiUrl; DAYTONA_JWT_TOKEN = $null; DAYTONA_SECRET_NAME = $null }
        $out | Should -Contain 'DAYTONA_API_KEY'
        $out | Should -Contain 'True'
    }

    It 'refuses a JWT without an organization before any call' {
        $out = Invoke-FreshPwsh -Script "Import-Module '$ModulePath/DaytonaPS.psd1'; try { Get-DaytonaSandbox -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId }" `
            -Environment @{ DAYTONA_API_KEY = $null; DAYTONA_JWT_TOKEN = 'some.jwt.token'; DAYTONA_ORGANIZATION_ID = $null; DAYTONA_API_URL = $Emu.ApiUrl }
        $out | Should -Contain 'DaytonaJwtWithoutOrganization,DaytonaPS.Commands.Sandbox.GetDaytonaSandboxCommand'
    }
}
