# Starts and stops the local Daytona emulator (src/DaytonaPS.Emulator) as a process on a free
# loopback port. Used by tools/Start-Demo.ps1 and tests/pester/TestHelpers.psm1 (and through it bench/).
Set-StrictMode -Version 3.0

function Start-EmulatorProcess {
    <#
    .SYNOPSIS
        Starts the emulator and returns its process, URLs and API key once it listens.
    .DESCRIPTION
        The key reaches the emulator through its DAYTONA_EMULATOR_API_KEY environment variable, never
        its command line. stderr (and stdout after the URL line) is drained so the emulator never
        blocks on a full pipe. Stop it with Stop-EmulatorProcess.
    .PARAMETER EmulatorDll
        The built DaytonaPS.Emulator.dll (run with dotnet).
    .PARAMETER ApiKey
        The API key the emulator accepts; a fresh random one by default.
    .PARAMETER TransitionMs
        How long each sandbox state transition takes (--transition-ms).
    .PARAMETER ArgumentList
        Extra emulator options, e.g. '--latency-ms', '50' (they come last, so they win).
    .OUTPUTS
        An object with Process, ApiUrl (…/api), BaseUrl and ApiKey.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $EmulatorDll,
        [ValidateNotNullOrEmpty()] [string] $ApiKey = ('dtn_emulator_' + [guid]::NewGuid().ToString('N')),
        [ValidateRange(0, [int]::MaxValue)] [int] $TransitionMs = 100,
        [string[]] $ArgumentList = @(),
        [ValidateRange(1, 600)] [int] $TimeoutSec = 60
    )
    if (-not (Test-Path -LiteralPath $EmulatorDll)) { throw "The emulator is not built: $EmulatorDll not found." }
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($EmulatorDll, '--urls', 'http://127.0.0.1:0', '--transition-ms', "$TransitionMs") + $ArgumentList) { $psi.ArgumentList.Add($a) }
    $psi.Environment['DAYTONA_EMULATOR_API_KEY'] = $ApiKey
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($psi)
    $stderr = $process.StandardError.ReadToEndAsync()
    # The emulator's one line on stdout: its API base URL.
    $read = $process.StandardOutput.ReadLineAsync()
    if (-not $read.Wait([TimeSpan]::FromSeconds($TimeoutSec)) -or -not $read.Result) {
        if (-not $process.HasExited) { $process.Kill($true) }
        $null = $process.WaitForExit(5000)
        $detail = if ($stderr.Wait(2000) -and $stderr.Result) { ': ' + $stderr.Result.Trim() } else { '.' }
        $process.Dispose()
        throw "The emulator did not print its URL within $TimeoutSec s$detail"
    }
    $null = $process.StandardOutput.ReadToEndAsync()
    $apiUrl = $read.Result.Trim()
    [pscustomobject]@{
        Process = $process
        ApiUrl  = $apiUrl
        BaseUrl = $apiUrl -replace '/api$', ''
        ApiKey  = $ApiKey
    }
}

function Stop-EmulatorProcess {
    <# .SYNOPSIS Stops an emulator from Start-EmulatorProcess (its process tree). #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] [AllowNull()] $Emulator)
    process {
        if (-not $Emulator -or -not $Emulator.Process) { return }
        if (-not $Emulator.Process.HasExited) {
            $Emulator.Process.Kill($true)
            $null = $Emulator.Process.WaitForExit(10000)
        }
    }
}

Export-ModuleMember -Function Start-EmulatorProcess, Stop-EmulatorProcess
