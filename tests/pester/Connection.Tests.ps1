#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.1' }
# What Connect-Daytona and Get-DaytonaContext tell a user at the console, in a fresh pwsh.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ModulePath = Get-TestModulePath
    $Jwt = 'eyJhbGciOiJub25lIn0.canary-jwt-body.sig'
    $Emu = Start-TestEmulator -ArgumentList '--jwt', $Jwt, '--organization-id', 'org-4711'
    function Invoke-Job([string] $Body) {
        Invoke-FreshPwsh -Script "Import-Module '$ModulePath/DaytonaPS.psd1'`n$Body" -Environment @{ TEST_KEY = $Emu.ApiKey; TEST_JWT = $Jwt; DAYTONA_API_KEY = $null; DAYTONA_API_URL = $null }
    }
}

AfterAll {
    $Emu | Stop-TestEmulator
}

Describe 'Connect-Daytona' {
    It 'says in one line where it connected and how, never the key, and outputs nothing' {
        $out = Invoke-Job "`$r = Connect-Daytona -ApiKey (ConvertTo-SecureString `$env:TEST_KEY -AsPlainText -Force) -ApiUrl '$($Emu.ApiUrl)' -Target eu; 'output: ' + @(`$r).Count"
        $line = @($out | Where-Object { $_ -like 'Connected to *' })
        $line.Count | Should -Be 1
        $line[0] | Should -BeExactly "Connected to $($Emu.ApiUrl) with an API key from Connect-Daytona -ApiKey, default target eu; checked."
        $out | Should -Contain 'output: 0'
        ($out -join "`n") | Should -Not -Match ([regex]::Escape($Emu.ApiKey))
    }

    It 'names the organization of a JWT and says when it did not check' {
        $out = Invoke-Job "Connect-Daytona -JwtToken (ConvertTo-SecureString `$env:TEST_JWT -AsPlainText -Force) -OrganizationId org-4711 -ApiUrl '$($Emu.ApiUrl)' -SkipValidation"
        $out | Should -Contain "Connected to $($Emu.ApiUrl) with a JWT for organization org-4711 from Connect-Daytona -JwtToken; not checked (-SkipValidation)."
        ($out -join "`n") | Should -Not -Match 'canary-jwt-body'
    }

    It 'is silent with -InformationAction Ignore, and the line can be captured from stream 6' {
        $out = Invoke-Job @"
Connect-Daytona -ApiKey (ConvertTo-SecureString `$env:TEST_KEY -AsPlainText -Force) -ApiUrl '$($Emu.ApiUrl)' -InformationAction Ignore
'captured: ' + ((Connect-Daytona -ApiKey (ConvertTo-SecureString `$env:TEST_KEY -AsPlainText -Force) -ApiUrl '$($Emu.ApiUrl)' 6>&1) -join '|')
"@
        @($out | Where-Object { $_ -like 'Connected to *' }).Count | Should -Be 0
        ($out | Where-Object { $_ -like 'captured: *' }) | Should -BeLike 'captured: Connected to *'
    }
}

Describe 'Get-DaytonaContext' {
    It 'shows the organization in its table' {
        $out = Invoke-Job "Connect-Daytona -JwtToken (ConvertTo-SecureString `$env:TEST_JWT -AsPlainText -Force) -OrganizationId org-4711 -ApiUrl '$($Emu.ApiUrl)' -InformationAction Ignore`nGet-DaytonaContext | Format-Table | Out-String -Width 200"
        ($out -join "`n") | Should -Match 'Organization'
        ($out -join "`n") | Should -Match 'org-4711'
    }
}

Describe 'Connect-Daytona -Profile (the Daytona CLI login)' {
    BeforeAll {
        # A config as 'daytona login --api-key' leaves it, in a temporary DAYTONA_CONFIG_DIR of the child pwsh only
        # (the CLI's own override, on every platform; the per-platform default folders are covered by DaytonaCliProfileTests).
        $CliHome = Join-Path ([IO.Path]::GetTempPath()) ("dps-cli-pester-" + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path (Join-Path $CliHome 'daytona') -Force | Out-Null
        @{ activeProfile = 'initial'; profiles = @(@{ id = 'initial'; name = 'initial'; api = @{ url = $Emu.ApiUrl; key = $Emu.ApiKey; token = $null }; activeOrganizationId = $null }) } |
            ConvertTo-Json -Depth 5 | Set-Content -Path (Join-Path $CliHome 'daytona/config.json') -Encoding utf8NoBOM
        function Invoke-CliJob([string] $Body) {
            Invoke-FreshPwsh -Script "Import-Module '$ModulePath/DaytonaPS.psd1'`n$Body" -Environment @{
                XDG_CONFIG_HOME = $null; DAYTONA_CONFIG_DIR = (Join-Path $CliHome 'daytona'); DAYTONA_API_KEY = $null; DAYTONA_API_URL = $null; DAYTONA_JWT_TOKEN = $null; DAYTONA_SECRET_NAME = $null }
        }
    }
    AfterAll { Remove-Item -Recurse -Force $CliHome -ErrorAction SilentlyContinue }

    It 'connects with the active profile and says so in one line, never the key' {
        $out = Invoke-CliJob "Connect-Daytona -DaytonaCli; (Get-DaytonaSandbox | Measure-Object).Count -ge 0"
        $out | Should -Contain "Connected to $($Emu.ApiUrl) with an API key from Daytona CLI profile 'initial' (Connect-Daytona -Profile); checked."
        $out | Should -Contain 'True'
        ($out -join "`n") | Should -Not -Match ([regex]::Escape($Emu.ApiKey))
    }

    It 'uses the active profile without Connect-Daytona, below the environment' {
        $out = Invoke-CliJob "(Get-DaytonaContext).SourceDetail"
        $out | Should -Contain "Daytona CLI profile 'initial' (active, $(Join-Path $CliHome 'daytona/config.json'))"
    }
}
