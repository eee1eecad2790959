<#
.SYNOPSIS
    Runs several coding agents side by side, each in its own Daytona sandbox with a live preview,
    the way a multi-agent coding app does.
.DESCRIPTION
    1. Creates -AgentCount sandboxes at once (the creates return at once; one Wait-DaytonaSandbox
       waits for all of them concurrently) and copies the local project tree into each.
    2. Starts the project's dev server in a session of each sandbox (it keeps running after the
       command that started it returns) and waits for its port with a bounded health-check loop
       run inside the sandbox.
    3. Hands out a signed preview URL per agent that expires after -PreviewExpirySec (a signed URL
       is a credential: the objects show it masked; its Url property has the real one).
    4. Runs each agent's task (-AgentCommand) with retries on transient errors only (Daytona
       throttling, a 5xx, a lost connection), never on a failing command or a rejected key.
    5. Tears every sandbox down, also when a step failed, unless -KeepSandboxes is given (then
       the previews stay up; remove them later with the line the script prints).

    Outputs one object per agent: Agent, SandboxName, SandboxId, Preview (a DaytonaPS.PreviewUrl),
    ExitCode and Output of its task. Exits with 1 when a step failed.
    Credentials come from the environment (DAYTONA_API_KEY; DAYTONA_API_URL for another endpoint)
    or an earlier Connect-Daytona.
.PARAMETER AgentCount
    How many agents (sandboxes) to run.
.PARAMETER ProjectPath
    The local project folder copied into every sandbox (to -RemoteProject).
.PARAMETER ServerCommand
    The bash command that starts the dev server, run in -RemoteProject; it must listen on -Port.
.PARAMETER Port
    The dev server's port, checked by the health check and exposed as the preview.
.PARAMETER AgentCommand
    The bash command each agent runs in -RemoteProject once its server is up. AGENT_ID is set to
    the agent's number.
.PARAMETER PreviewExpirySec
    How long the signed preview URLs stay valid.
.PARAMETER KeepSandboxes
    Leaves the sandboxes (and their previews) running instead of tearing them down.
.EXAMPLE
    ./Start-ParallelAgents.ps1 -ProjectPath ./my-app -AgentCount 4 -ServerCommand 'npm run dev -- --port 3000' -Port 3000 -KeepSandboxes
.EXAMPLE
    ./Start-ParallelAgents.ps1 -ProjectPath ./site -AgentCommand './run-agent.sh' | Format-Table Agent, ExitCode, Preview
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 32)]
    [int] $AgentCount = 3,
    [Parameter(Mandatory)]
    [string] $ProjectPath,
    [string] $RemoteProject = '/home/daytona/project',
    [string] $ServerCommand = 'python3 -m http.server 8080',
    [ValidateRange(1, 65535)]
    [int] $Port = 8080,
    [string] $AgentCommand = 'echo "agent $AGENT_ID ready in $PWD"',
    [ValidateRange(60, 86400)]
    [int] $PreviewExpirySec = 3600,
    [int] $HealthCheckSec = 30,
    [int] $MaxAttempts = 3,
    [string] $Label = 'parallel-agents',
    [switch] $KeepSandboxes
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module DaytonaPS

# Transient: worth another try after a pause. Anything else (a rejected key, bad input, a failing
# command) fails at once. DaytonaPS already retries each request; this covers a whole step.
$transient = 'DaytonaRateLimited', 'DaytonaServerError', 'DaytonaConnectionFailed', 'DaytonaTimeout'
function Invoke-WithRetry([scriptblock] $Step, [string] $What) {
    for ($attempt = 1; ; $attempt++) {
        try { return & $Step }
        catch {
            $id = ($_.FullyQualifiedErrorId -split ',')[0]
            if ($id -notin $transient -or $attempt -ge $MaxAttempts) { throw }
            $delay = [math]::Pow(2, $attempt)
            Write-Warning "$What failed ($id); retry $attempt/$($MaxAttempts - 1) in $delay s."
            Start-Sleep -Seconds $delay
        }
    }
}

$run = [guid]::NewGuid().ToString('N').Substring(0, 8)
$sandboxes = @()
$failed = $false
try {
    # 1. Create all at once, then wait for all of them together.
    $sandboxes = @(1..$AgentCount | ForEach-Object {
        New-DaytonaSandbox -Name "agent-$run-$_" -Label @{ app = $Label; run = $run; agent = "$_" } -NoWait
    })
    $sandboxes = @($sandboxes | Wait-DaytonaSandbox -State started -TimeoutSec 300)
    Write-Host "Created $($sandboxes.Count) sandboxes for run $run."
    # The folder itself: a new sandbox has no -RemoteProject yet, so it becomes that folder.
    Copy-DaytonaItem -Path $ProjectPath -Destination $RemoteProject -InputObject $sandboxes -Recurse -Force

    # 2. A dev server per sandbox, in its own session so it outlives the call.
    $sandboxes | Start-DaytonaCommand "cd '$RemoteProject' && $ServerCommand" -SessionId preview | Out-Null
    $probe = "for i in `$(seq 1 $($HealthCheckSec * 2)); do (exec 3<>/dev/tcp/127.0.0.1/$Port) 2>/dev/null && exit 0; sleep 0.5; done; exit 1"
    $health = @($sandboxes | Invoke-DaytonaCommand $probe)
    $down = @($health | Where-Object ExitCode -ne 0)
    if ($down) { throw "The dev server did not answer on port $Port within $HealthCheckSec s in: $($down.SandboxName -join ', ')." }

    # 3. Signed preview URLs that expire.
    $previews = @{}
    foreach ($p in @($sandboxes | Get-DaytonaPreviewUrl -Port $Port -Signed -ExpiresInSeconds $PreviewExpirySec)) { $previews[$p.SandboxId] = $p }

    # 4. Each agent's task, with retries on transient errors.
    $index = 0
    foreach ($sb in $sandboxes) {
        $index++
        $result = Invoke-WithRetry -What "agent $index" -Step {
            $sb | Invoke-DaytonaCommand $AgentCommand -WorkingDirectory $RemoteProject -Environment @{ AGENT_ID = "$index" }
        }
        if ($result.ExitCode -ne 0) { $failed = $true }
        [pscustomobject]@{
            Agent       = $index
            SandboxName = $sb.Name
            SandboxId   = $sb.Id
            Preview     = $previews[$sb.Id]
            ExitCode    = $result.ExitCode
            Output      = $result.Stdout.TrimEnd()
        }
    }
}
catch {
    $failed = $true
    Write-Error -ErrorRecord $_ -ErrorAction Continue
}
finally {
    # 5. Everything goes, whatever happened (unless asked to keep it).
    $mine = @(Get-DaytonaSandbox -Label @{ app = $Label; run = $run })
    if ($KeepSandboxes -and -not $failed) {
        Write-Host "Kept $($mine.Count) sandboxes; remove them with: Get-DaytonaSandbox -Label @{ app = '$Label'; run = '$run' } | Remove-DaytonaSandbox -Force"
    }
    elseif ($mine) {
        $mine | Remove-DaytonaSandbox -Force -Wait -ErrorAction Continue
        Write-Host "Removed $($mine.Count) sandboxes of run $run."
    }
}
if ($failed) { exit 1 }
