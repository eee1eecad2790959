#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.1' }
# Where the module's third-party assemblies come from (src/DaytonaPS/ModuleInit.cs), each case in
# a fresh pwsh: our Polly.Core from dependencies/ in the private "DaytonaPS" load context, pwsh's
# own System.Text.Json, and what happens next to another module's Polly.Core 8.1.0.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ModulePath = (Resolve-Path (Get-TestModulePath)).Path
    $Dependencies = Join-Path $ModulePath 'dependencies'

    # Runs $Body in a fresh pwsh connected to the emulator and returns the JSON it prints last:
    # the body's own result plus every loaded assembly (name, file version, path, load context).
    function Invoke-Probe([string] $Body) {
        $script = @"
`$ErrorActionPreference = 'Stop'
function Get-Loaded([string[]] `$Name) {
    @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -in `$Name } | ForEach-Object {
        [pscustomobject]@{
            Name        = `$_.GetName().Name
            FileVersion = if (`$_.Location) { (Get-Item `$_.Location).VersionInfo.FileVersion } else { '' }
            Location    = `$_.Location
            Context     = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name
        }
    })
}
`$env:DAYTONA_API_KEY = '$($Emulator.ApiKey)'
`$env:DAYTONA_API_URL = '$($Emulator.ApiUrl)'
`$result = & { $Body }
`$names = 'Polly.Core', 'System.Text.Json', 'System.Text.Encodings.Web', 'System.Memory', 'Microsoft.Bcl.AsyncInterfaces', 'Microsoft.Bcl.TimeProvider'
@{ result = `$result; loaded = @(Get-Loaded `$names) } | ConvertTo-Json -Depth 5 -Compress
"@
        $out = @(Invoke-FreshPwsh -Script $script)
        $last = $out | Select-Object -Last 1
        try { $last | ConvertFrom-Json }
        catch { throw "The probe printed no JSON:`n$($out -join "`n")" }
    }

    $Emulator = Start-TestEmulator

    # Another module's Polly.Core: 8.1.0 from NuGet, restored by a throwaway project into the
    # NuGet package cache (nothing binary in the repository). Its assembly version is 8.0.0.0,
    # the same as our 8.9.1's: Polly keeps the assembly version at the major version.
    $OtherPolly = $null
    $OtherPollyProblem = $null
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $candidate = Join-Path $packages 'polly.core/8.1.0/lib/net6.0/Polly.Core.dll'
    if (-not (Test-Path $candidate)) {
        $project = Join-Path $TestDrive 'other-polly'
        New-Item -ItemType Directory -Force -Path $project | Out-Null
        Set-Content -Path (Join-Path $project 'OtherPolly.csproj') -Value @'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Polly.Core" Version="[8.1.0]" /></ItemGroup>
</Project>
'@
        $restore = & dotnet restore (Join-Path $project 'OtherPolly.csproj') --nologo -v quiet 2>&1
        if ($LASTEXITCODE -ne 0) { $OtherPollyProblem = "dotnet restore of Polly.Core 8.1.0 failed: $($restore -join ' ')" }
    }
    if (Test-Path $candidate) { $OtherPolly = $candidate }
    elseif (-not $OtherPollyProblem) { $OtherPollyProblem = "Polly.Core 8.1.0 was restored but $candidate is missing." }
}

AfterAll {
    if ($Emulator) { $Emulator | Stop-TestEmulator }
}

Describe 'The module''s third-party assemblies' {
    It 'ship in dependencies/, not beside DaytonaPS.dll' {
        Join-Path $Dependencies 'Polly.Core.dll' | Should -Exist
        Join-Path $Dependencies 'System.Text.Json.dll' | Should -Exist
        @(Get-ChildItem $ModulePath -Filter *.dll | ForEach-Object Name) | Should -Be @('DaytonaPS.dll')
    }

    It 'are not loaded by Import-Module, only when a cmdlet needs them' {
        $probe = Invoke-Probe "Import-Module '$ModulePath/DaytonaPS.psd1'; 'imported'"
        $probe.result | Should -Be 'imported'
        @($probe.loaded | Where-Object Name -EQ 'Polly.Core') | Should -HaveCount 0
        @($probe.loaded | Where-Object { $_.Location -like "$Dependencies*" }) | Should -HaveCount 0
    }

    It 'Polly.Core comes from dependencies/ in the DaytonaPS load context; System.Text.Json is pwsh''s own' {
        $probe = Invoke-Probe "Import-Module '$ModulePath/DaytonaPS.psd1'; `$null = New-DaytonaSandbox -Name deps-a; @(Get-DaytonaSandbox -Name deps-a).Count"
        $probe.result | Should -Be 1

        $polly = @($probe.loaded | Where-Object Name -EQ 'Polly.Core')
        $polly | Should -HaveCount 1
        $polly[0].Location | Should -Be (Join-Path $Dependencies 'Polly.Core.dll')
        $polly[0].Context | Should -Be 'DaytonaPS'
        $polly[0].FileVersion | Should -BeLike '8.9.1.*'

        # In-box, higher versions win and our copies are never opened: one of each in the process.
        $runtimeDir = [Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()
        $stj = @($probe.loaded | Where-Object Name -EQ 'System.Text.Json')
        $stj | Should -HaveCount 1
        $stj[0].Location | Should -BeLike "$runtimeDir*"
        $stj[0].Context | Should -Be 'Default'
        foreach ($name in 'System.Text.Encodings.Web', 'System.Memory', 'Microsoft.Bcl.AsyncInterfaces') {
            foreach ($a in @($probe.loaded | Where-Object Name -EQ $name)) {
                $a.Location | Should -Not -BeLike "$Dependencies*" -Because "$name ships with .NET or pwsh"
            }
        }
        # What .NET 10 lacks comes from us, into our context too.
        foreach ($a in @($probe.loaded | Where-Object Name -EQ 'Microsoft.Bcl.TimeProvider')) {
            $a.Location | Should -BeLike "$Dependencies*"
            $a.Context | Should -Be 'DaytonaPS'
        }
    }

    It 'a module that loads Polly.Core 8.1.0 after us gets its own copy, and both keep working' {
        if (-not $OtherPolly) { Set-ItResult -Skipped -Because $OtherPollyProblem; return }
        $probe = Invoke-Probe @"
Import-Module '$ModulePath/DaytonaPS.psd1'
`$null = New-DaytonaSandbox -Name deps-b
# What PowerShell does for a binary module with Polly.Core beside it: a load by path into the default context.
`$other = [Reflection.Assembly]::LoadFrom('$OtherPolly')
`$context = `$other.GetType('Polly.ResilienceContextPool', `$true)::Shared.Get([Threading.CancellationToken]::None)
`$otherWorks = `$context.GetType().Assembly -eq `$other
@{ count = @(Get-DaytonaSandbox -Name deps-b).Count; otherWorks = `$otherWorks }
"@
        $probe.result.count | Should -Be 1
        $probe.result.otherWorks | Should -BeTrue
        $polly = @($probe.loaded | Where-Object Name -EQ 'Polly.Core' | Sort-Object Context)
        $polly | Should -HaveCount 2
        ($polly | Where-Object Context -EQ 'Default').FileVersion | Should -BeLike '8.1.0.*'
        ($polly | Where-Object Context -EQ 'DaytonaPS').FileVersion | Should -BeLike '8.9.1.*'
    }

    # The limit of one netstandard2.0 assembly (see ModuleInit.cs): PowerShell loads DaytonaPS.dll
    # into the default context, where a Polly.Core 8.x already loaded satisfies our reference
    # (same assembly version 8.0.0.0) without any resolve event, so we run on the other module's
    # copy. This records what that means with 8.1.0, the oldest Polly.Core on NuGet: every Polly
    # member DaytonaPS uses exists there, and calls with retries work.
    It 'a module that loaded Polly.Core 8.1.0 first: DaytonaPS binds to that copy, and still works, retries included' {
        if (-not $OtherPolly) { Set-ItResult -Skipped -Because $OtherPollyProblem; return }
        Invoke-RestMethod -Method Post -Uri "$($Emulator.ApiUrl)/sandbox" -Headers @{ Authorization = "Bearer $($Emulator.ApiKey)" } `
            -ContentType 'application/json' -Body '{"name":"deps-c"}' | Out-Null
        Set-TestEmulatorFault $Emulator @{ faultRate = 0.5; faultKinds = @('503'); seed = 11 }
        try {
            $probe = Invoke-Probe @"
`$null = [Reflection.Assembly]::LoadFrom('$OtherPolly')
Import-Module '$ModulePath/DaytonaPS.psd1'
`$errors = @()
`$records = try { @(Get-DaytonaSandbox -Verbose -ErrorAction Stop 4>&1) } catch { `$errors += `$_.Exception.GetType().FullName + ': ' + `$_.Exception.Message; @() }
`$verbose = @(`$records | Where-Object { `$_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
@{ retries = @(`$verbose -match 'retry \d+/\d+').Count; sandboxes = @(`$records | Where-Object { `$_ -is [DaytonaPS.Sandbox] }).Count; errors = `$errors }
"@
        }
        finally { Set-TestEmulatorFault $Emulator @{ faultRate = 0 } }
        $probe.result.errors | Should -BeNullOrEmpty
        $probe.result.sandboxes | Should -BeGreaterOrEqual 1
        $probe.result.retries | Should -BeGreaterThan 0 -Because 'half of the calls get a 503 and must be retried through Polly 8.1.0'

        $polly = @($probe.loaded | Where-Object Name -EQ 'Polly.Core')
        $polly | Should -HaveCount 1 -Because 'our dependencies/Polly.Core.dll is never asked for'
        $polly[0].FileVersion | Should -BeLike '8.1.0.*'
        $polly[0].Context | Should -Be 'Default'
    }
}
