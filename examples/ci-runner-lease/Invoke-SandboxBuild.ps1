<#
.SYNOPSIS
    Runs a build in a leased Daytona sandbox, the way a CI runner's Daytona provider does.
.DESCRIPTION
    1. Doctor: checks that credentials are set and that Daytona answers; prints one line per check
       and exits with code 2 when one fails (-Doctor runs only this step).
    2. Lease: reuses a free sandbox of the pool (labels ci-pool=<Pool>, ci-busy=false), starting it
       when it is stopped, else creates one; marks it busy.
    3. Syncs the local workspace into the sandbox, runs the build with live output, and copies the
       artifacts back. Last activity is recorded before each step, and for the build itself the
       sandbox's auto-stop interval is raised to cover -BuildTimeoutSec (then put back), so an
       auto-stop does not end a long build whose only request is its live output.
    4. Releases the sandbox, whatever happened: stops it and marks it free (-ReleasePolicy Stop, for
       reuse by the next job) or deletes it (-ReleasePolicy Delete).

    Credentials come from the environment (DAYTONA_API_KEY, or DAYTONA_JWT_TOKEN with
    DAYTONA_ORGANIZATION_ID; DAYTONA_API_URL for another endpoint) or an earlier Connect-Daytona.
    The script exits with the build's exit code.
.PARAMETER Workspace
    The local folder to build. Its contents are copied to -RemoteWorkspace in the sandbox.
.PARAMETER BuildCommand
    The bash command line that builds, run in -RemoteWorkspace.
.PARAMETER ArtifactPath
    The folder, relative to -RemoteWorkspace, that the build writes its artifacts to.
.PARAMETER ArtifactDestination
    The local folder that receives the artifact folder (created when missing).
.PARAMETER Pool
    The value of the ci-pool label: sandboxes of one pool are reused by its jobs.
.PARAMETER Snapshot
    The snapshot to create sandboxes from. It fixes their resources, so -Cpu, -Memory and -Disk
    are refused with it (Daytona rejects resources together with a snapshot).
.PARAMETER Image
    An image to create sandboxes from instead of a snapshot; -Cpu, -Memory, -Disk apply to it.
.PARAMETER ReleasePolicy
    Stop (keep the sandbox for the next job) or Delete.
.PARAMETER SshAccess
    Also prints how a human can attach over SSH while the build runs (the token is never printed).
.PARAMETER Doctor
    Only checks credentials and reachability.
.EXAMPLE
    ./Invoke-SandboxBuild.ps1 -Workspace ./src -BuildCommand 'make all' -ArtifactPath out -Image ubuntu:24.04 -Cpu 2
.EXAMPLE
    ./Invoke-SandboxBuild.ps1 -Doctor
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [string] $Workspace = '.',
    [string] $BuildCommand = 'bash build.sh',
    [string] $ArtifactPath = 'out',
    [string] $ArtifactDestination = './artifacts',
    [string] $RemoteWorkspace = '/home/daytona/workspace',
    [string] $Pool = 'ci',
    [string] $Snapshot,
    [string] $Image,
    [int] $Cpu,
    [int] $Memory,
    [int] $Disk,
    [ValidateSet('Stop', 'Delete')]
    [string] $ReleasePolicy = 'Stop',
    [int] $BuildTimeoutSec = 1800,
    [switch] $SshAccess,
    [switch] $Doctor
)
$ErrorActionPreference = 'Stop'
Import-Module DaytonaPS

if ($Snapshot -and $Image) { throw 'Give -Snapshot or -Image, not both.' }
if ($Snapshot -and ($Cpu -or $Memory -or $Disk)) {
    throw 'A snapshot fixes the sandbox resources: give -Cpu/-Memory/-Disk only with -Image.'
}

function Test-DaytonaSetup {
    # One line per check, like `crabbox doctor`; $true when all passed.
    $ok = $true
    if ($env:DAYTONA_JWT_TOKEN -and -not $env:DAYTONA_ORGANIZATION_ID) {
        Write-Host 'failed  credentials  DAYTONA_JWT_TOKEN needs DAYTONA_ORGANIZATION_ID'
        return $false
    }
    $context = Get-DaytonaContext -ErrorAction SilentlyContinue
    if ($context) {
        Write-Host "ok      credentials  $($context.AuthType) from $($context.Source) ($($context.SourceDetail))"
    } else {
        Write-Host 'failed  credentials  set DAYTONA_API_KEY (or DAYTONA_JWT_TOKEN and DAYTONA_ORGANIZATION_ID)'
        return $false
    }
    try {
        $leases = @(Get-DaytonaSandbox -Label @{ 'ci-pool' = $Pool })
        Write-Host "ok      api          $($context.ApiUrl) answers; pool '$Pool' has $($leases.Count) sandbox(es)"
    } catch {
        $id = $_.FullyQualifiedErrorId -replace ',.*'
        $why = switch ($id) {
            'DaytonaUnauthorized' { 'the key was rejected' }
            'DaytonaForbidden' { 'the key may not list sandboxes' }
            'DaytonaConnectionFailed' { 'cannot reach the API' }
            default { $_.Exception.Message }
        }
        Write-Host "failed  api          $($context.ApiUrl): $why ($id)"
        $ok = $false
    }
    $ok
}

if (-not (Test-DaytonaSetup)) { exit 2 }
if ($Doctor) { exit 0 }

$free = @{ 'ci-pool' = $Pool; 'ci-busy' = 'false' }
$sandbox = $null
$exitCode = 1
try {
    # Lease: reuse a free sandbox of the pool, else create one. (Two runners may pick the same
    # free sandbox at once; a real provider would re-read the labels after claiming it.)
    $sandbox = Get-DaytonaSandbox -Label $free -State started, stopped, archived | Select-Object -First 1
    if ($sandbox) {
        Write-Host "Reusing sandbox $($sandbox.Name) ($($sandbox.State))"
        $sandbox = $sandbox | Set-DaytonaSandbox -Label @{ 'ci-busy' = 'true' } -PassThru
        if ($sandbox.State -ne 'started') { $sandbox = $sandbox | Start-DaytonaSandbox -PassThru }
    } else {
        $create = @{ Label = @{ 'ci-pool' = $Pool; 'ci-busy' = 'true' } }
        if ($Image) {
            $create.Image = $Image
            if ($Cpu) { $create.Cpu = $Cpu }
            if ($Memory) { $create.Memory = $Memory }
            if ($Disk) { $create.Disk = $Disk }
        } elseif ($Snapshot) {
            $create.Snapshot = $Snapshot
        }
        $sandbox = New-DaytonaSandbox @create
        Write-Host "Created sandbox $($sandbox.Name)"
    }
    if (-not $sandbox) { return } # -WhatIf

    if ($SshAccess) {
        $access = $sandbox | New-DaytonaSshAccess -ExpiresInMinutes 60
        Write-Host "To attach: Enter-DaytonaSsh -Id $($sandbox.Name)   (or with a token from New-DaytonaSshAccess: $($access.SshCommand))"
    }

    $sandbox | Set-DaytonaSandbox -TouchActivity
    Copy-DaytonaItem -Path (Join-Path $Workspace '*') -Destination $RemoteWorkspace -ToSandbox $sandbox.Id -Recurse -Force

    $sandbox | Set-DaytonaSandbox -TouchActivity
    # The build may outlast the auto-stop interval with no request but its own live output: give it
    # room (its timeout plus 5 minutes, so a dead agent still lets the sandbox stop), then put it back.
    $autoStop = (Get-DaytonaSandbox -Id $sandbox.Id).AutoStopMinutes
    $buildMinutes = [int][math]::Ceiling($BuildTimeoutSec / 60) + 5
    $raised = $autoStop -gt 0 -and $autoStop -lt $buildMinutes
    if ($raised) {
        $sandbox | Set-DaytonaSandbox -AutoStopMinutes $buildMinutes
        Write-Host "Auto-stop set to $buildMinutes minutes for the build (was $autoStop)"
    }
    try {
        $result = $sandbox | Invoke-DaytonaCommand $BuildCommand -WorkingDirectory $RemoteWorkspace -TimeoutSec $BuildTimeoutSec -Stream -ErrorOnNonZeroExit -ErrorAction Continue
    } finally {
        if ($raised) { $sandbox | Set-DaytonaSandbox -AutoStopMinutes $autoStop }
    }
    $exitCode = if ($result) { $result.ExitCode } else { 1 }

    if ($exitCode -eq 0) {
        $sandbox | Set-DaytonaSandbox -TouchActivity
        New-Item -ItemType Directory -Path $ArtifactDestination -Force | Out-Null
        Copy-DaytonaItem -Path "$RemoteWorkspace/$ArtifactPath" -Destination $ArtifactDestination -FromSandbox $sandbox.Id -Recurse -Force
        Write-Host "Artifacts in $(Join-Path $ArtifactDestination (Split-Path $ArtifactPath -Leaf))"
    }
} finally {
    if ($sandbox) {
        if ($ReleasePolicy -eq 'Delete') {
            $sandbox | Remove-DaytonaSandbox -Force -Wait
            Write-Host "Deleted sandbox $($sandbox.Name)"
        } else {
            $sandbox | Stop-DaytonaSandbox
            $sandbox | Set-DaytonaSandbox -Label @{ 'ci-busy' = 'false' }
            Write-Host "Stopped sandbox $($sandbox.Name); it is free for the next job"
        }
    }
}
exit $exitCode
