# Tests Remove-StoppedSandbox.ps1 offline: a local Daytona emulator per test file, started in
# BeforeAll on a free loopback port, with DAYTONA_API_URL/DAYTONA_API_KEY pointing at it, and
# stopped in AfterAll. Needs the DaytonaPS module and the emulator tool:
#   dotnet tool install --global DaytonaPS.Emulator --add-source <folder with the .nupkg>
# (or DAYTONA_EMULATOR_PATH set to a DaytonaPS.Emulator.dll). Run: Invoke-Pester ./Remove-StoppedSandbox.Tests.ps1

BeforeAll {
    Import-Module DaytonaPS
    $Emulator = Start-DaytonaEmulator -SetEnvironment -ArgumentList '--transition-ms', '0'
    $Script = Join-Path $PSScriptRoot 'Remove-StoppedSandbox.ps1'
}

AfterAll {
    $Emulator | Stop-DaytonaEmulator
}

Describe 'Remove-StoppedSandbox.ps1' {
    BeforeEach {
        Get-DaytonaSandbox | Remove-DaytonaSandbox -Force -Wait
        $running = New-DaytonaSandbox -Name web-1 -Label @{ team = 'web' }
        $stopped = New-DaytonaSandbox -Name web-2 -Label @{ team = 'web' } | Stop-DaytonaSandbox -PassThru
        $other = New-DaytonaSandbox -Name data-1 -Label @{ team = 'data' } | Stop-DaytonaSandbox -PassThru
    }

    It 'removes the stopped sandboxes of the team and names them' {
        & $Script -Team web | Should -Be 'web-2'
        (Get-DaytonaSandbox | Sort-Object Name).Name | Should -Be 'data-1', 'web-1'
    }

    It 'changes nothing with -WhatIf' {
        & $Script -Team web -WhatIf | Should -BeNullOrEmpty
        @(Get-DaytonaSandbox).Count | Should -Be 3
    }
}
