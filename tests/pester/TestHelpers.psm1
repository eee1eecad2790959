# Shared helpers for the Pester suites: where the built module is, and an emulator process.
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot '../../tools/DaytonaEmulator.psm1') -Force

function Get-TestRepoRoot {
    $dir = $PSScriptRoot
    while ($dir -and -not (Test-Path (Join-Path $dir 'DaytonaPS.sln'))) { $dir = Split-Path $dir -Parent }
    if (-not $dir) { throw 'DaytonaPS.sln not found above tests/pester.' }
    $dir
}

function Get-TestModulePath {
    <# The built module folder: $env:DAYTONA_MODULE_PATH (set by build.ps1) or out/DaytonaPS. #>
    if ($env:DAYTONA_MODULE_PATH) { return $env:DAYTONA_MODULE_PATH }
    Join-Path (Get-TestRepoRoot) 'out/DaytonaPS'
}

function Get-TestEmulatorDll {
    <# $env:DAYTONA_EMULATOR_DLL (set by build.ps1), else out/emulator, else a fresh publish into a temp folder. #>
    if ($env:DAYTONA_EMULATOR_DLL -and (Test-Path $env:DAYTONA_EMULATOR_DLL)) { return $env:DAYTONA_EMULATOR_DLL }
    $root = Get-TestRepoRoot
    $built = Join-Path $root 'out/emulator/DaytonaPS.Emulator.dll'
    if (Test-Path $built) { return $built }
    $target = Join-Path ([IO.Path]::GetTempPath()) 'daytonaps-test-emulator'
    & dotnet publish (Join-Path $root 'src/DaytonaPS.Emulator/DaytonaPS.Emulator.csproj') -c Release -o $target --nologo -v quiet | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'Could not publish the emulator.' }
    Join-Path $target 'DaytonaPS.Emulator.dll'
}

function Start-TestEmulator {
    <#
    .SYNOPSIS
        Starts the emulator as a process on a free loopback port and returns its Process, ApiUrl, BaseUrl and ApiKey.
    .DESCRIPTION
        tools/DaytonaEmulator.psm1 (Start-EmulatorProcess) with the test defaults: the built emulator
        and 100 ms transitions. The key reaches the emulator through its environment, not its command line.
    .PARAMETER ArgumentList
        Extra emulator options, e.g. '--latency-ms', '50'.
    #>
    [CmdletBinding()]
    param(
        [string] $ApiKey = ('dtn_pester_' + [guid]::NewGuid().ToString('N')),
        [string[]] $ArgumentList = @(),
        [int] $TimeoutSec = 60
    )
    Start-EmulatorProcess -EmulatorDll (Get-TestEmulatorDll) -ApiKey $ApiKey -TransitionMs 100 -ArgumentList $ArgumentList -TimeoutSec $TimeoutSec
}

function Stop-TestEmulator {
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] $Emulator)
    process { $Emulator | Stop-EmulatorProcess }
}

function Set-TestEmulatorFault {
    <# PUT /_emulator/faults, e.g. Set-TestEmulatorFault $emu @{ faultRate = 0.3 } #>
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [hashtable] $Settings)
    Invoke-RestMethod -Method Put -Uri "$($Emulator.BaseUrl)/_emulator/faults" -Headers @{ Authorization = "Bearer $($Emulator.ApiKey)" } `
        -ContentType 'application/json' -Body ($Settings | ConvertTo-Json -Compress) | Out-Null
}

function Invoke-FreshPwsh {
    <# Runs a script in a new pwsh process (environment inherited plus -Environment) and returns its output lines. #>
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
    $pwsh = foreach ($name in 'pwsh', 'pwsh.exe') { $c = Join-Path $PSHOME $name; if (Test-Path $c) { $c; break } }
    if (-not $pwsh) { $pwsh = 'pwsh' }
    $saved = @{}
    foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
    try { & $pwsh -NoProfile -NonInteractive -Command $Script 2>&1 | ForEach-Object { "$_" } }
    finally { foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) } }
}

function Get-AgentCommand {
    <# The lines an Azure DevOps agent would execute as logging commands: "##vso[" anywhere, "##[" at the start (after white space). #>
    param([string[]] $Lines)
    @($Lines | ForEach-Object { $_ -split "`r|`n" } | Where-Object { $_ -match '##vso\[' -or $_.TrimStart().StartsWith('##[') })
}

Export-ModuleMember -Function Get-AgentCommand, Get-TestRepoRoot, Get-TestModulePath, Get-TestEmulatorDll, Start-TestEmulator, Stop-TestEmulator, Set-TestEmulatorFault, Invoke-FreshPwsh
