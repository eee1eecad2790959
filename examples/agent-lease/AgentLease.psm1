<#
    Sandbox leases for an agent platform, the way an agent platform's Daytona sandbox plugin
    manages them: probe the configuration, acquire a lease (a new sandbox with a workspace folder),
    resume it later (start or recover it; only "not found" means the lease is gone), run commands
    in a login shell, release it (stop and keep, auto-delete disabled) or destroy it.

    Import-Module ./AgentLease.psm1, then Get-Help New-AgentLease (and the others). Credentials
    are DaytonaPS's: DAYTONA_API_KEY in the environment or Connect-Daytona.
#>
Set-StrictMode -Version 3.0
if (-not (Get-Module DaytonaPS)) { Import-Module DaytonaPS }

function Get-ErrorId($ErrorRecord) { $ErrorRecord.FullyQualifiedErrorId -replace ',.*' }

function Initialize-LeaseSandbox($Sandbox, [string] $Folder, [bool] $Resumed) {
    # The workspace folder, and which shell the sandbox has: what a lease needs to run commands.
    $userHome = (Invoke-DaytonaCommand -InputObject $Sandbox 'printf %s "$HOME"' -ErrorAction Stop).Stdout
    $cwd = "$userHome/$Folder"
    New-DaytonaItem -InputObject $Sandbox -Path $cwd -ItemType Directory -Force -ErrorAction Stop | Out-Null
    $shell = (Invoke-DaytonaCommand -InputObject $Sandbox 'command -v bash >/dev/null && printf bash || printf sh' -ErrorAction Stop).Stdout
    [pscustomobject]@{
        PSTypeName = 'AgentLease'; LeaseId = $Sandbox.Id; SandboxName = $Sandbox.Name
        RemoteCwd = $cwd; Shell = $shell; Resumed = $Resumed; Expired = $false
    }
}

function New-AgentLease {
    <#
    .SYNOPSIS
        Acquires a lease: a new sandbox labelled for the environment and run, with a workspace folder.
    .DESCRIPTION
        Creates the sandbox and waits up to -TimeoutSec for it to start (New-DaytonaSandbox removes
        a sandbox that fails to start or does not start in time). When preparing the workspace
        fails afterwards, the sandbox is removed too before the error is reported: a failed
        acquire leaves nothing behind.
    .PARAMETER EnvironmentId
        The agent environment the lease belongs to (label agent-environment-id).
    .PARAMETER RunId
        The run that asked for the lease (label agent-run-id).
    .PARAMETER Snapshot
        The snapshot to create from (its resources are the snapshot's).
    .PARAMETER WorkspaceFolder
        The folder under the sandbox user's home that commands run in.
    .EXAMPLE
        $lease = New-AgentLease -EnvironmentId env-1 -RunId run-42
    #>
    [CmdletBinding(SupportsShouldProcess)]
    [OutputType('AgentLease')]
    param(
        [Parameter(Mandatory)] [string] $EnvironmentId,
        [string] $RunId,
        [string] $Snapshot,
        [string] $WorkspaceFolder = 'agent-workspace',
        [int] $TimeoutSec = 300
    )
    $labels = @{ 'agent-provider' = 'daytona'; 'agent-environment-id' = $EnvironmentId }
    if ($RunId) { $labels['agent-run-id'] = $RunId }
    $create = @{ Label = $labels; TimeoutSec = $TimeoutSec; ErrorAction = 'Stop' }
    if ($Snapshot) { $create.Snapshot = $Snapshot }
    $sandbox = New-DaytonaSandbox @create
    if (-not $sandbox) { return } # -WhatIf
    try {
        Initialize-LeaseSandbox $sandbox $WorkspaceFolder $false
    } catch {
        $sandbox | Remove-DaytonaSandbox -Force -Wait -ErrorAction Continue
        throw
    }
}

function Test-AgentSandbox {
    <#
    .SYNOPSIS
        Probes the configuration: acquires a throw-away lease, reports, and always destroys it.
    .OUTPUTS
        An object with Ok, Summary and, when it failed, Error (the error id and message). Never throws.
    #>
    [CmdletBinding()]
    param([string] $Snapshot, [int] $TimeoutSec = 300)
    $lease = $null
    try {
        $lease = New-AgentLease -EnvironmentId 'probe' -Snapshot $Snapshot -TimeoutSec $TimeoutSec
        [pscustomobject]@{ Ok = $true; Summary = "Connected to Daytona sandbox $($lease.SandboxName)."; Shell = $lease.Shell; RemoteCwd = $lease.RemoteCwd; Error = $null }
    } catch {
        [pscustomobject]@{ Ok = $false; Summary = 'Daytona sandbox probe failed.'; Shell = $null; RemoteCwd = $null; Error = "$(Get-ErrorId $_): $($_.Exception.Message)" }
    } finally {
        if ($lease) { Remove-DaytonaSandbox -Id $lease.LeaseId -Force -Wait -ErrorAction SilentlyContinue }
    }
}

function Resume-AgentLease {
    <#
    .SYNOPSIS
        Resumes a lease: starts the sandbox when it is stopped or archived, recovers it when it is
        in a recoverable error, and prepares the workspace again.
    .DESCRIPTION
        Only DaytonaNotFound means that the lease is gone: then the result has Expired = $true and
        no LeaseId. Any other failure (429 Too Many Requests or a 5xx that outlasted DaytonaPS's
        retries, a timeout) is an error: the lease may well still exist and must not be replaced.
    #>
    [CmdletBinding(SupportsShouldProcess)]
    [OutputType('AgentLease')]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [string] $LeaseId,
        [string] $WorkspaceFolder = 'agent-workspace',
        [int] $TimeoutSec = 300
    )
    process {
        try {
            $sandbox = Get-DaytonaSandbox -Id $LeaseId -ErrorAction Stop
        } catch {
            if ((Get-ErrorId $_) -ne 'DaytonaNotFound') { throw }
            return [pscustomobject]@{ PSTypeName = 'AgentLease'; LeaseId = $null; SandboxName = $null; RemoteCwd = $null; Shell = $null; Resumed = $false; Expired = $true }
        }
        if ($sandbox.State -ne 'started') {
            # Start-DaytonaSandbox also recovers a recoverable error, and fails for one that is not.
            $sandbox = $sandbox | Start-DaytonaSandbox -TimeoutSec $TimeoutSec -PassThru -ErrorAction Stop
        }
        if ($sandbox) { Initialize-LeaseSandbox $sandbox $WorkspaceFolder $true }
    }
}

function Invoke-AgentLeaseCommand {
    <#
    .SYNOPSIS
        Runs a program in the lease's sandbox in a login shell (profiles sourced, so PATH is as in
        an interactive shell), with environment, working directory, stdin and a timeout.
    .DESCRIPTION
        The program and its arguments are passed as separate strings and quoted for bash, so no
        argument is split or expanded. The result has ExitCode, TimedOut, Stdout and Stderr; a
        timeout is a result (TimedOut = $true, ExitCode = $null), not an error.
    .EXAMPLE
        $lease | Invoke-AgentLeaseCommand -FilePath node -ArgumentList '-e', 'console.log(process.env.MODE)' -Environment @{ MODE = 'test' }
    #>
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [string] $LeaseId,
        [Parameter(Mandatory)] [string] $FilePath,
        [string[]] $ArgumentList = @(),
        [hashtable] $Environment,
        [Parameter(ValueFromPipelineByPropertyName)] [Alias('RemoteCwd')] [string] $WorkingDirectory,
        [string] $InputText,
        [int] $TimeoutSec = 300
    )
    process {
        $quote = { param($s) "'" + ($s -replace "'", "'\''") + "'" }
        $line = (@($FilePath) + $ArgumentList | ForEach-Object { & $quote $_ }) -join ' '
        $run = @{ Id = $LeaseId; LoginShell = $true; AutoStart = $true; TimeoutSec = $TimeoutSec }
        if ($Environment) { $run.Environment = $Environment }
        if ($WorkingDirectory) { $run.WorkingDirectory = $WorkingDirectory }
        if ($PSBoundParameters.ContainsKey('InputText')) { $run.InputText = $InputText }
        $result = Invoke-DaytonaCommand $line @run -ErrorVariable failed -ErrorAction SilentlyContinue
        if ($failed | Where-Object { (Get-ErrorId $_) -eq 'DaytonaCommandTimeout' }) {
            return [pscustomobject]@{ ExitCode = $null; TimedOut = $true; Stdout = ''; Stderr = "$($failed[0].Exception.Message)`n" }
        }
        if ($failed) { throw $failed[0] }
        if ($result) { [pscustomobject]@{ ExitCode = $result.ExitCode; TimedOut = $false; Stdout = $result.Stdout; Stderr = $result.Stderr } }
    }
}

function New-AgentWorkspace {
    <#
    .SYNOPSIS
        Creates a workspace folder in the lease's sandbox (starting it when needed) and returns its path.
    #>
    [CmdletBinding(SupportsShouldProcess)]
    [OutputType([string])]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [string] $LeaseId,
        [Parameter(Mandatory)] [string] $Path
    )
    process {
        $sandbox = Get-DaytonaSandbox -Id $LeaseId -ErrorAction Stop
        if ($sandbox.State -ne 'started') { $sandbox = $sandbox | Start-DaytonaSandbox -PassThru -ErrorAction Stop }
        New-DaytonaItem -InputObject $sandbox -Path $Path -ItemType Directory -Force -ErrorAction Stop | Out-Null
        $Path
    }
}

function Stop-AgentLease {
    <#
    .SYNOPSIS
        Releases a lease: stops the sandbox and keeps it for a later Resume-AgentLease (auto-delete
        disabled first, so the stop does not delete it), or deletes it with -Delete.
    .DESCRIPTION
        A lease whose sandbox is already gone is released without error. When the stop fails, the
        sandbox is deleted instead, so a release never leaves a running sandbox behind.
    #>
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [AllowNull()] [AllowEmptyString()] [string] $LeaseId,
        [switch] $Delete
    )
    process {
        if (-not $LeaseId) { return }
        $sandbox = Get-DaytonaSandbox -Id $LeaseId -ErrorAction SilentlyContinue -ErrorVariable lookup
        if (-not $sandbox) {
            if ($lookup -and (Get-ErrorId $lookup[0]) -ne 'DaytonaNotFound') { throw $lookup[0] }
            return
        }
        if ($Delete) { $sandbox | Remove-DaytonaSandbox -Force -Wait; return }
        try {
            $sandbox | Stop-DaytonaSandbox -Retain -ErrorAction Stop
        } catch {
            Write-Warning "Could not stop sandbox $($sandbox.Name) ($(Get-ErrorId $_)); deleting it instead."
            $sandbox | Remove-DaytonaSandbox -Force -Wait
        }
    }
}

function Remove-AgentLease {
    <#
    .SYNOPSIS
        Destroys a lease: deletes its sandbox. A sandbox that is already gone is not an error.
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    param([Parameter(Mandatory, ValueFromPipelineByPropertyName)] [AllowNull()] [AllowEmptyString()] [string] $LeaseId)
    process {
        if (-not $LeaseId) { return }
        Remove-DaytonaSandbox -Id $LeaseId -Force -Wait -ErrorAction SilentlyContinue -ErrorVariable failed
        if ($failed -and (Get-ErrorId $failed[0]) -ne 'DaytonaNotFound') { throw $failed[0] }
    }
}

Export-ModuleMember -Function New-AgentLease, Test-AgentSandbox, Resume-AgentLease, Invoke-AgentLeaseCommand, New-AgentWorkspace, Stop-AgentLease, Remove-AgentLease
