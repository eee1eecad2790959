<#
.SYNOPSIS
    A short scripted tour of DaytonaPS against the embedded local emulator (build.ps1 -Task Demo).
.DESCRIPTION
    Starts the emulator on a free loopback port with a throwaway API key, points DAYTONA_API_URL and
    DAYTONA_API_KEY at it in a fresh pwsh, runs the tour there, prints what it did, then stops the
    emulator and removes its data, leaving nothing behind.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $EmulatorDll
)
$ErrorActionPreference = 'Stop'

Import-Module (Join-Path $PSScriptRoot 'DaytonaEmulator.psm1') -Force
# The key reaches the emulator through its environment, never its command line.
$emulator = Start-EmulatorProcess -EmulatorDll $EmulatorDll -ApiKey ('demo-' + [guid]::NewGuid().ToString('N')) -TransitionMs 300 -TimeoutSec 30
try {
    $apiUrl = $emulator.ApiUrl
    $key = $emulator.ApiKey
    Write-Host "Emulator listening at $apiUrl" -ForegroundColor Cyan

    $tour = @'
$ErrorActionPreference = 'Stop'
Import-Module $env:DEMO_MODULE_PATH
function Step([string] $text) { Write-Host "`n> $text" -ForegroundColor Yellow }

Step 'Get-DaytonaContext   # where the credential comes from (never its value)'
Get-DaytonaContext | Format-List

Step "New-DaytonaSandbox -Name demo-web -Label @{ team = 'demo' }   # waits until started"
New-DaytonaSandbox -Name demo-web -Label @{ team = 'demo' } | Format-Table

Step "1..2 | ForEach-Object { New-DaytonaSandbox -Name demo-worker-`$_ -Label @{ team = 'demo'; role = 'worker' } -NoWait }"
1..2 | ForEach-Object { New-DaytonaSandbox -Name "demo-worker-$_" -Label @{ team = 'demo'; role = 'worker' } -NoWait } | Format-Table

Step "Get-DaytonaSandbox -Label @{ team = 'demo' }"
Get-DaytonaSandbox -Label @{ team = 'demo' } | Format-Table

if (Get-Command Invoke-DaytonaCommand -ErrorAction Ignore) {
    Step "Get-DaytonaSandbox -Name demo-web | Invoke-DaytonaCommand 'echo ""hello from `$HOME""; uname -s'"
    Get-DaytonaSandbox -Name demo-web | Invoke-DaytonaCommand 'echo "hello from $HOME"; uname -s' | Format-List SandboxId, Command, ExitCode, Output
}

Step 'Get-DaytonaSandbox -Name demo-web | Stop-DaytonaSandbox -PassThru'
Get-DaytonaSandbox -Name demo-web | Stop-DaytonaSandbox -PassThru | Format-Table

Step "Get-DaytonaSandbox -Label @{ team = 'demo' } | Remove-DaytonaSandbox -WhatIf"
Get-DaytonaSandbox -Label @{ team = 'demo' } | Remove-DaytonaSandbox -WhatIf

Step "Get-DaytonaSandbox -Label @{ team = 'demo' } | Remove-DaytonaSandbox -Force -Wait"
Get-DaytonaSandbox -Label @{ team = 'demo' } | Remove-DaytonaSandbox -Force -Wait

Step "Get-DaytonaSandbox -Label @{ team = 'demo' }   # nothing left"
$left = @(Get-DaytonaSandbox -Label @{ team = 'demo' })
"$($left.Count) sandboxes left"
if ($left.Count) { throw 'The demo left sandboxes behind.' }
'@
    $pwsh = foreach ($name in 'pwsh', 'pwsh.exe') { $p = Join-Path $PSHOME $name; if (Test-Path $p) { $p; break } }
    if (-not $pwsh) { $pwsh = 'pwsh' }
    $env:DEMO_MODULE_PATH = $ModulePath
    $env:DAYTONA_API_URL = $apiUrl
    $env:DAYTONA_API_KEY = $key
    try {
        & $pwsh -NoProfile -NonInteractive -Command $tour
        if ($LASTEXITCODE -ne 0) { throw "The demo tour failed (exit code $LASTEXITCODE)." }
    }
    finally {
        Remove-Item Env:DEMO_MODULE_PATH, Env:DAYTONA_API_URL, Env:DAYTONA_API_KEY -ErrorAction Ignore
    }
    Write-Host "`nDemo finished; stopping the emulator." -ForegroundColor Cyan
}
finally {
    $emulator | Stop-EmulatorProcess
    $emulator.Process.Dispose()
}
