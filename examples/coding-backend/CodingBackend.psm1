<#
.SYNOPSIS
    A coding tool's sandbox backend on DaytonaPS, as a Go backend's plan for Daytona lays it out:
    Setup (create from an image, wait, clone the repository), Exec, ReadFile/WriteFile/ListFiles,
    Status, reconnect by sandbox id after a restart, a preview link for the tool's agent port, a
    pre-built snapshot for fast starts, and Teardown.
.DESCRIPTION
    Each function takes or returns a backend object (SandboxId, WorkDir, AgentPort) that a tool can
    save (for example as JSON) and reconnect to later with Connect-CodingBackend, also from another
    process. Credentials come from the environment (DAYTONA_API_KEY; DAYTONA_API_URL for another
    endpoint) or an earlier Connect-Daytona. Errors are DaytonaPS's own (stable ids such as
    DaytonaNotFound); a failing command is an error of Invoke-CodingCommand, as the plan's Exec
    returns one.
.EXAMPLE
    Import-Module ./CodingBackend.psm1
    $b = New-CodingBackend -Image 'python:3.12' -RepositoryUrl 'https://github.com/octocat/Hello-World.git'
    $b | Invoke-CodingCommand 'ls -la'
    $b | Set-CodingFile -Path notes.md -Value '# Notes'
    $b | Get-CodingBackendStatus
    $b | Remove-CodingBackend
#>

Set-StrictMode -Version Latest
if (-not (Get-Module DaytonaPS)) { Import-Module DaytonaPS }

$script:LabelKey = 'coding-backend'

function New-BackendObject([DaytonaPS.Sandbox] $Sandbox, [string] $WorkDir, [int] $AgentPort) {
    [pscustomobject]@{
        PSTypeName = 'CodingBackend'
        SandboxId  = $Sandbox.Id
        Name       = $Sandbox.Name
        WorkDir    = $WorkDir
        AgentPort  = $AgentPort
    }
}

function New-CodingBackend {
    <#
    .SYNOPSIS
        Setup: creates a sandbox from an image (or a pre-built snapshot), waits until it is started
        and clones the repository into WorkDir. A setup that fails removes its sandbox.
    #>
    [CmdletBinding(DefaultParameterSetName = 'Image')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Image')] [string] $Image,
        [Parameter(Mandatory, ParameterSetName = 'Snapshot')] [string] $Snapshot,
        [string] $RepositoryUrl,
        [string] $Branch,
        [string] $WorkDir = '/home/daytona/workspace',
        [int] $AgentPort = 7422,
        [string] $Name,
        [int] $TimeoutSec = 120
    )
    $create = @{ Label = @{ $script:LabelKey = 'true' }; TimeoutSec = $TimeoutSec; ErrorAction = 'Stop' }
    if ($Name) { $create.Name = $Name }
    if ($PSCmdlet.ParameterSetName -eq 'Image') { $create.Image = $Image } else { $create.Snapshot = $Snapshot }
    $sandbox = New-DaytonaSandbox @create
    $backend = New-BackendObject $sandbox $WorkDir $AgentPort
    try {
        if ($RepositoryUrl) { $backend = $backend | Copy-CodingRepository -Url $RepositoryUrl -Branch $Branch }
        else { $sandbox | New-DaytonaItem -Path $WorkDir -ItemType Directory -Force -ErrorAction Stop | Out-Null }
    }
    catch {
        $sandbox | Remove-DaytonaSandbox -Force -Wait -ErrorAction SilentlyContinue
        throw
    }
    $backend
}

function Copy-CodingRepository {
    <#
    .SYNOPSIS
        Clones a repository into the backend's WorkDir (or -WorkDir, a folder that must not exist
        yet) with Daytona's git service; returns the backend with that WorkDir.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Url,
        [string] $Branch,
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [string] $SandboxId,
        [Parameter(ValueFromPipelineByPropertyName)] [string] $WorkDir = '/home/daytona/workspace',
        [Parameter(ValueFromPipelineByPropertyName)] [int] $AgentPort = 7422
    )
    process {
        $clone = @{ Id = $SandboxId; Url = $Url; Path = $WorkDir; ErrorAction = 'Stop' }
        if ($Branch) { $clone.Branch = $Branch }
        Copy-DaytonaGitRepository @clone
        [pscustomobject]@{ PSTypeName = 'CodingBackend'; SandboxId = $SandboxId; Name = $null; WorkDir = $WorkDir; AgentPort = $AgentPort }
    }
}

function Start-CodingAgent {
    <# .SYNOPSIS Starts the tool's agent in the sandbox (a session command that keeps running), listening on AgentPort. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Command,
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [string] $SandboxId,
        [Parameter(ValueFromPipelineByPropertyName)] [string] $WorkDir = '/home/daytona/workspace'
    )
    process { Start-DaytonaCommand -Id $SandboxId -Command $Command -WorkingDirectory $WorkDir -SessionId coding-agent -ErrorAction Stop }
}

function Connect-CodingBackend {
    <#
    .SYNOPSIS
        Reconnects to the backend of a sandbox id after a restart of the tool (starts it when it was stopped).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [string] $SandboxId,
        [Parameter(ValueFromPipelineByPropertyName)] [string] $WorkDir = '/home/daytona/workspace',
        [Parameter(ValueFromPipelineByPropertyName)] [int] $AgentPort = 7422
    )
    process {
        $sandbox = Get-DaytonaSandbox -Id $SandboxId -ErrorAction Stop
        if ($sandbox.State -ne 'started') { $sandbox = $sandbox | Start-DaytonaSandbox -PassThru -ErrorAction Stop }
        New-BackendObject $sandbox $WorkDir $AgentPort
    }
}

function Invoke-CodingCommand {
    <# .SYNOPSIS Exec: runs a command in WorkDir; returns its stdout, or fails with the exit code and output. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Command,
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [string] $SandboxId,
        [Parameter(ValueFromPipelineByPropertyName)] [string] $WorkDir = '/home/daytona/workspace',
        [int] $TimeoutSec = 120
    )
    process {
        $result = Invoke-DaytonaCommand -Id $SandboxId -Command $Command -WorkingDirectory $WorkDir -TimeoutSec $TimeoutSec -ErrorAction Stop
        if ($result.ExitCode -ne 0) {
            throw "command failed (exit $($result.ExitCode)): $($result.Output.TrimEnd())"
        }
        $result.Stdout
    }
}

function Resolve-BackendPath([string] $WorkDir, [string] $Path) {
    if ($Path.StartsWith('/')) { $Path } else { $WorkDir.TrimEnd('/') + '/' + $Path }
}

function Get-CodingFile {
    <# .SYNOPSIS ReadFile: a file's text (a path relative to WorkDir, or absolute). #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Path,
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [string] $SandboxId,
        [Parameter(ValueFromPipelineByPropertyName)] [string] $WorkDir = '/home/daytona/workspace'
    )
    process { Get-DaytonaContent -Id $SandboxId -Path (Resolve-BackendPath $WorkDir $Path) -Raw -ErrorAction Stop }
}

function Set-CodingFile {
    <# .SYNOPSIS WriteFile: writes a file's text, creating its folders. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Path,
        [Parameter(Mandatory)] [AllowEmptyString()] [string] $Value,
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [string] $SandboxId,
        [Parameter(ValueFromPipelineByPropertyName)] [string] $WorkDir = '/home/daytona/workspace'
    )
    process {
        $full = Resolve-BackendPath $WorkDir $Path
        $parent = $full.Substring(0, $full.LastIndexOf('/'))
        if ($parent) { New-DaytonaItem -Id $SandboxId -Path $parent -ItemType Directory -Force -ErrorAction Stop | Out-Null }
        Set-DaytonaContent -Id $SandboxId -Path $full -Value $Value -ErrorAction Stop
    }
}

function Get-CodingFileList {
    <# .SYNOPSIS ListFiles: the entries of a folder (Name, Path, IsDirectory, Size). #>
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)] [string] $Path = '.',
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [string] $SandboxId,
        [Parameter(ValueFromPipelineByPropertyName)] [string] $WorkDir = '/home/daytona/workspace'
    )
    process {
        $folder = if ($Path -eq '.') { $WorkDir } else { Resolve-BackendPath $WorkDir $Path }
        Get-DaytonaChildItem -Id $SandboxId -Path $folder -ErrorAction Stop |
            Select-Object Name, @{ n = 'Path'; e = { $folder.TrimEnd('/') + '/' + $_.Name } }, IsDirectory, Size
    }
}

function Get-CodingBackendStatus {
    <# .SYNOPSIS Status: Running, Stopped, Starting or Error (with Daytona's reason), never throwing for a sandbox that is gone. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipelineByPropertyName)] [string] $SandboxId)
    process {
        try { $sandbox = Get-DaytonaSandbox -Id $SandboxId -ErrorAction Stop }
        catch {
            if ($_.FullyQualifiedErrorId -like 'DaytonaNotFound,*') { return [pscustomobject]@{ SandboxId = $SandboxId; State = 'Stopped'; Message = 'the sandbox is gone' } }
            return [pscustomobject]@{ SandboxId = $SandboxId; State = 'Error'; Message = $_.Exception.Message }
        }
        $state = switch ($sandbox.State) {
            'started' { 'Running' }
            { $_ -in 'stopped', 'archived', 'destroyed' } { 'Stopped' }
            { $_ -in 'creating', 'starting', 'pending_build', 'building_snapshot', 'restoring' } { 'Starting' }
            default { 'Error' }
        }
        [pscustomobject]@{ SandboxId = $SandboxId; State = $state; Message = $sandbox.ErrorReason }
    }
}

function Get-CodingPreview {
    <# .SYNOPSIS The preview link of the tool's agent port (a DaytonaPS.PreviewUrl: its token is in Token, never shown). #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [string] $SandboxId,
        [Parameter(ValueFromPipelineByPropertyName)] [int] $AgentPort = 7422
    )
    process { Get-DaytonaPreviewUrl -Id $SandboxId -Port $AgentPort -ErrorAction Stop }
}

function New-CodingSnapshot {
    <#
    .SYNOPSIS
        Pre-builds a snapshot of the tool's image (resources fixed at build time) so that later
        backends start from it fast: New-CodingBackend -Snapshot <name>.
    #>
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [string] $Image,
        [int] $Cpu, [int] $Memory, [int] $Disk
    )
    $build = @{ Name = $Name; Image = $Image; ErrorAction = 'Stop' }
    foreach ($k in 'Cpu', 'Memory', 'Disk') { if ($PSBoundParameters.ContainsKey($k)) { $build[$k] = $PSBoundParameters[$k] } }
    if ($PSCmdlet.ShouldProcess("snapshot '$Name' of $Image", 'Build')) { New-DaytonaSnapshot @build }
}

function Remove-CodingBackend {
    <# .SYNOPSIS Teardown: deletes the sandbox (a backend that is gone already is fine). #>
    [CmdletBinding(SupportsShouldProcess)]
    param([Parameter(Mandatory, ValueFromPipelineByPropertyName)] [string] $SandboxId)
    process {
        if (-not $PSCmdlet.ShouldProcess($SandboxId, 'Remove coding backend')) { return }
        try { Remove-DaytonaSandbox -Id $SandboxId -Force -Wait -ErrorAction Stop }
        catch { if ($_.FullyQualifiedErrorId -notlike 'DaytonaNotFound,*') { throw } }
    }
}

Export-ModuleMember -Function New-CodingBackend, Copy-CodingRepository, Start-CodingAgent, Connect-CodingBackend, Invoke-CodingCommand, Get-CodingFile, Set-CodingFile,
    Get-CodingFileList, Get-CodingBackendStatus, Get-CodingPreview, New-CodingSnapshot, Remove-CodingBackend
