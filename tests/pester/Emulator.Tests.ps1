#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.1' }
# Start-/Stop-DaytonaEmulator as users run them in their own tests, and the emulator packaged as a
# .NET tool. Each case runs in a fresh pwsh with the built module.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ModulePath = Get-TestModulePath
    $EmulatorDll = Get-TestEmulatorDll
    $RepoRoot = Get-TestRepoRoot
    function Invoke-Job([string] $Body, [hashtable] $Environment = @{}) {
        $vars = @{ DAYTONA_EMULATOR_PATH = $EmulatorDll; DAYTONA_API_URL = $null; DAYTONA_API_KEY = $null }
        foreach ($k in $Environment.Keys) { $vars[$k] = $Environment[$k] }
        Invoke-FreshPwsh -Script "Import-Module '$ModulePath/DaytonaPS.psd1'`n$Body" -Environment $vars
    }
}

Describe 'Start-DaytonaEmulator and Stop-DaytonaEmulator' {
    It 'start an emulator that the module reaches through -SetEnvironment, then stop it and restore the environment' {
        $out = Invoke-Job @'
$env:DAYTONA_API_URL = 'https://before.example/api'
$env:DAYTONA_API_KEY = 'before-key'
$emu = Start-DaytonaEmulator -SetEnvironment -ArgumentList '--transition-ms', '0'
'url: ' + ($env:DAYTONA_API_URL -eq $emu.ApiUrl) + ' ' + ($emu.ApiUrl -match '^http://127\.0\.0\.1:\d+/api$')
'key type: ' + $emu.ApiKey.GetType().Name
$sb = New-DaytonaSandbox -Name from-test
'state: ' + $sb.State
'pid alive: ' + [bool](Get-Process -Id $emu.ProcessId -ErrorAction SilentlyContinue)
$emu | Stop-DaytonaEmulator
'exited: ' + $emu.HasExited
'after: ' + $env:DAYTONA_API_URL + ' ' + $env:DAYTONA_API_KEY
'@
        $out | Should -Contain 'url: True True'
        $out | Should -Contain 'key type: SecureString'
        $out | Should -Contain 'state: started'
        $out | Should -Contain 'pid alive: True'
        $out | Should -Contain 'exited: True'
        $out | Should -Contain 'after: https://before.example/api before-key'
    }

    It 'never puts the key on the emulator''s command line nor in its display' {
        $out = Invoke-Job @'
$key = ConvertTo-SecureString 'canary-key-5b1f9' -AsPlainText -Force
$emu = Start-DaytonaEmulator -ApiKey $key
'cmdline: ' + ((Get-Content -Raw "/proc/$($emu.ProcessId)/cmdline") -replace "`0", ' ')
$emu | Format-List * | Out-String
$emu | Format-Table | Out-String
Connect-Daytona -ApiKey $key -ApiUrl $emu.ApiUrl | Out-Null
'count: ' + @(Get-DaytonaSandbox).Count
Stop-DaytonaEmulator
'@
        ($out -join "`n") | Should -Not -Match 'canary-key-5b1f9'
        ($out | Where-Object { $_ -like 'cmdline: *' }) | Should -Match '--urls http://127\.0\.0\.1:0'
        $out | Should -Contain 'count: 0' -Because 'the key given reaches the emulator through its environment'
    }

    It 'resolves a relative -Path against PowerShell''s location' {
        $dir = Split-Path $EmulatorDll
        $out = Invoke-Job "Set-Location -LiteralPath '$dir'; `$emu = Start-DaytonaEmulator -Path ./DaytonaPS.Emulator.dll; 'path: ' + `$emu.Path; `$emu | Stop-DaytonaEmulator" -Environment @{ DAYTONA_EMULATOR_PATH = $null }
        $out | Should -Contain ('path: ' + (Join-Path $dir 'DaytonaPS.Emulator.dll')) -Because ($out -join "`n")
    }

    It 'starts nothing with -WhatIf' {
        # Counts this pwsh's own child processes: other emulators may run on the machine meanwhile.
        $out = Invoke-Job "Start-DaytonaEmulator -WhatIf; 'running: ' + @(Get-Process | Where-Object { `$_.Parent.Id -eq `$PID }).Count"
        ($out -join "`n") | Should -Match 'What if: .*Start the local Daytona emulator'
        $out | Should -Contain 'running: 0'
    }

    It 'says how to install the emulator when none is found' {
        $out = Invoke-Job "try { Start-DaytonaEmulator } catch { 'id: ' + `$_.FullyQualifiedErrorId; 'advice: ' + `$_.ErrorDetails.RecommendedAction }" -Environment @{ DAYTONA_EMULATOR_PATH = $null; PATH = '/nonexistent'; HOME = (Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid())) }
        $out | Should -Contain 'id: DaytonaEmulatorNotFound,DaytonaPS.Commands.Emulator.StartDaytonaEmulatorCommand'
        ($out | Where-Object { $_ -like 'advice: *' }) | Should -Match 'dotnet tool install --global DaytonaPS.Emulator'
    }

    It 'reports the emulator''s own reason when it cannot start' {
        $out = Invoke-Job "try { Start-DaytonaEmulator -ArgumentList '--no-such-option' } catch { 'id: ' + `$_.FullyQualifiedErrorId; 'message: ' + `$_.Exception.Message }"
        $out | Should -Contain 'id: DaytonaEmulatorFailed,DaytonaPS.Commands.Emulator.StartDaytonaEmulatorCommand'
        ($out | Where-Object { $_ -like 'message: *' }) | Should -Match 'no-such-option'
    }
}

Describe 'The emulator as a .NET tool, and the example test file that uses it' {
    BeforeAll {
        $Work = Join-Path ([IO.Path]::GetTempPath()) ("daytonaps-tool-" + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $Work
        $packages = Join-Path $Work 'packages'
        $tools = Join-Path $Work 'tools'
        $PackOutput = & dotnet pack (Join-Path $RepoRoot 'src/DaytonaPS.Emulator/DaytonaPS.Emulator.csproj') -c Release -o $packages --nologo -v quiet 2>&1
        $PackExit = $LASTEXITCODE
        & dotnet tool install DaytonaPS.Emulator --tool-path $tools --add-source $packages --ignore-failed-sources 2>&1 | Out-Null
        $InstallExit = $LASTEXITCODE
    }
    AfterAll {
        Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'packs and installs with dotnet tool install' {
        $PackExit | Should -Be 0 -Because ($PackOutput -join "`n")
        $InstallExit | Should -Be 0
        Join-Path $tools 'daytona-emulator' | Should -Exist
    }

    It 'runs examples/offline-tests with the installed tool found on PATH' {
        $pester = Get-Module Pester | Select-Object -First 1
        $out = Invoke-FreshPwsh -Script @"
Import-Module '$($pester.Path)'
`$env:PSModulePath = '$(Split-Path $ModulePath)' + [IO.Path]::PathSeparator + `$env:PSModulePath
`$r = Invoke-Pester -Path '$RepoRoot/examples/offline-tests' -PassThru -Output None
'result: ' + `$r.PassedCount + ' passed, ' + `$r.FailedCount + ' failed'
`$r.Failed | ForEach-Object { 'failed: ' + `$_.ExpandedName + ': ' + `$_.ErrorRecord[0] }
"@ -Environment @{ PATH = $tools + [IO.Path]::PathSeparator + $env:PATH; DAYTONA_EMULATOR_PATH = $null; DAYTONA_API_URL = $null; DAYTONA_API_KEY = $null }
        $out | Should -Contain 'result: 2 passed, 0 failed' -Because ($out -join "`n")
    }
}
