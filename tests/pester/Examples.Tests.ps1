#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.1' }
# The scripts in examples/ run against the emulator as a user (or an Azure DevOps job) runs them:
# `pwsh -NonInteractive -File <script>` with the built module on PSModulePath and the key in
# DAYTONA_API_KEY. Their output, exit code and the sandboxes they leave behind are checked.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ModulePath = Get-TestModulePath
    $Root = Get-TestRepoRoot
    $Emu = Start-TestEmulator
    $Pwsh = foreach ($name in 'pwsh', 'pwsh.exe') { $c = Join-Path $PSHOME $name; if (Test-Path $c) { $c; break } }
    Import-Module (Join-Path $ModulePath 'DaytonaPS.psd1') -Force
    Connect-Daytona -ApiKey (ConvertTo-SecureString $Emu.ApiKey -AsPlainText -Force) -ApiUrl $Emu.ApiUrl -SkipValidation

    # Runs an example script in a new non-interactive pwsh; returns its output lines and exit code.
    function Invoke-Example([string] $Script, [string[]] $ArgumentList = @(), [hashtable] $Environment = @{}) {
        $vars = @{
            DAYTONA_API_URL = $Emu.ApiUrl; DAYTONA_API_KEY = $Emu.ApiKey; TF_BUILD = $null
            PSModulePath    = (Split-Path $ModulePath) + [IO.Path]::PathSeparator + $env:PSModulePath
        }
        foreach ($k in $Environment.Keys) { $vars[$k] = $Environment[$k] }
        $saved = @{}
        foreach ($k in $vars.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $vars[$k]) }
        try {
            $lines = & $Pwsh -NoProfile -NonInteractive -File (Join-Path $Root $Script) @ArgumentList 2>&1 | ForEach-Object { "$_" }
            [pscustomobject]@{ Lines = @($lines); Text = ($lines -join "`n"); ExitCode = $LASTEXITCODE }
        } finally {
            foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        }
    }

    function New-Workspace([string] $BuildScript) {
        $dir = Join-Path ([IO.Path]::GetTempPath()) ('daytonaps-ws-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path (Join-Path $dir 'src') -Force | Out-Null
        Set-Content -Path (Join-Path $dir 'src/input.txt') -Value 'source text'
        Set-Content -Path (Join-Path $dir 'build.sh') -Value $BuildScript -NoNewline
        $dir
    }
}

AfterAll {
    $Emu | Stop-TestEmulator
}

Describe 'examples/ci-runner-lease/Invoke-SandboxBuild.ps1' {
    BeforeAll {
        $Script = 'examples/ci-runner-lease/Invoke-SandboxBuild.ps1'
        $Build = "set -e`nmkdir -p out`ntr a-z A-Z < src/input.txt > out/result.txt`necho building step 1`necho building step 2`n"
    }
    BeforeEach {
        Get-DaytonaSandbox | Remove-DaytonaSandbox -Force -Wait
        $Workspace = New-Workspace $Build
        $Artifacts = Join-Path $Workspace 'artifacts'
    }

    It 'doctor exits 2 and says why when the key is rejected, without showing it' {
        $bad = 'dtn_wrong_' + [guid]::NewGuid().ToString('N')
        $run = Invoke-Example $Script '-Doctor' -Environment @{ DAYTONA_API_KEY = $bad }
        $run.ExitCode | Should -Be 2
        ($run.Lines -match '^failed  api ') | Should -Match 'the key was rejected \(DaytonaUnauthorized\)'
        $run.Text | Should -Not -Match $bad
    }

    It 'doctor exits 2 when no credentials are set' {
        $run = Invoke-Example $Script '-Doctor' -Environment @{ DAYTONA_API_KEY = $null }
        $run.ExitCode | Should -Be 2
        ($run.Lines -match '^failed  credentials ') | Should -Match 'set DAYTONA_API_KEY'
    }

    It 'refuses resources together with a snapshot before creating anything' {
        $run = Invoke-Example $Script '-Workspace', $Workspace, '-Snapshot', 'daytonaio/sandbox:0.4.3', '-Cpu', '2'
        $run.ExitCode | Should -Not -Be 0
        $run.Text | Should -Match 'A snapshot fixes the sandbox resources'
        Get-DaytonaSandbox | Should -BeNullOrEmpty
    }

    It 'builds in a new sandbox with live output, pulls the artifacts back and stops it for reuse' {
        $run = Invoke-Example $Script '-Workspace', $Workspace, '-ArtifactDestination', $Artifacts
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Lines | Should -Contain 'ok      credentials  ApiKey from Environment (DAYTONA_API_KEY)' -Because 'the doctor runs first'
        ($run.Lines -match '^ok      api ') | Should -Match ([regex]::Escape($Emu.ApiUrl))
        $run.Text | Should -Not -Match $Emu.ApiKey
        $run.Lines | Should -Contain 'building step 1'
        $run.Lines | Should -Contain 'building step 2'
        Get-Content (Join-Path $Artifacts 'out/result.txt') | Should -Be 'SOURCE TEXT'
        $sandbox = @(Get-DaytonaSandbox -Label @{ 'ci-pool' = 'ci' })
        $sandbox.Count | Should -Be 1
        $sandbox[0].State | Should -Be 'stopped'
        $sandbox[0].Labels['ci-busy'] | Should -Be 'false'
        # The build's 30 minutes outlast the default 15-minute auto-stop: raised for the build, then put back.
        $run.Lines | Should -Contain 'Auto-stop set to 35 minutes for the build (was 15)'
        $sandbox[0].AutoStopMinutes | Should -Be 15
    }

    It 'reuses the free sandbox of its pool, starting it, and leaves a busy one alone' {
        $first = Invoke-Example $Script '-Workspace', $Workspace, '-ArtifactDestination', $Artifacts
        $first.ExitCode | Should -Be 0 -Because $first.Text
        $reused = Get-DaytonaSandbox -Label @{ 'ci-pool' = 'ci' }
        $busy = New-DaytonaSandbox -Label @{ 'ci-pool' = 'ci'; 'ci-busy' = 'true' }

        $second = Invoke-Example $Script '-Workspace', $Workspace, '-ArtifactDestination', $Artifacts, '-SshAccess'
        $second.ExitCode | Should -Be 0 -Because $second.Text
        $attach = @($second.Lines -match '^To attach: ')
        $attach.Count | Should -Be 1
        $attach[0] | Should -Match "Enter-DaytonaSsh -Id $($reused.Name) .*ssh -p \d+ \*\*\*@"  # the token masked
        $second.Lines | Should -Contain "Reusing sandbox $($reused.Name) (stopped)"
        @(Get-DaytonaSandbox -Label @{ 'ci-pool' = 'ci' }).Count | Should -Be 2
        (Get-DaytonaSandbox -Id $busy.Id).State | Should -Be 'started' -Because 'a busy sandbox is not released by another job'
    }

    It 'exits with the build''s exit code, reports it as an error and still releases (-ReleasePolicy Delete)' {
        $failing = New-Workspace "echo compiling`nexit 7`n"
        $run = Invoke-Example $Script '-Workspace', $failing, '-ReleasePolicy', 'Delete'
        $run.ExitCode | Should -Be 7
        $run.Lines | Should -Contain 'compiling'
        $run.Text | Should -Match 'exited with code 7'
        Get-DaytonaSandbox | Should -BeNullOrEmpty
    }

    It 'changes nothing with -WhatIf' {
        $run = Invoke-Example $Script '-Workspace', $Workspace, '-WhatIf'
        $run.ExitCode | Should -Be 0 -Because $run.Text
        Get-DaytonaSandbox | Should -BeNullOrEmpty
    }
}

Describe 'examples/agent-lease/AgentLease.psm1' {
    BeforeAll {
        # In this PowerShell (connected to the emulator above), as an agent platform's host loads it.
        Import-Module (Join-Path $Root 'examples/agent-lease/AgentLease.psm1') -Force
        function Add-Fault([hashtable] $Rule) {
            Invoke-RestMethod -Method Post -Uri "$($Emu.BaseUrl)/_emulator/faults/next" -Headers @{ Authorization = "Bearer $($Emu.ApiKey)" } `
                -ContentType 'application/json' -Body ($Rule | ConvertTo-Json -Compress) | Out-Null
        }
        function Clear-Fault {
            Invoke-RestMethod -Method Delete -Uri "$($Emu.BaseUrl)/_emulator/faults/next" -Headers @{ Authorization = "Bearer $($Emu.ApiKey)" } | Out-Null
        }
    }
    BeforeEach { Get-DaytonaSandbox | Remove-DaytonaSandbox -Force -Wait }
    AfterEach { Clear-Fault }

    It 'probes with a throw-away lease and removes it' {
        $probe = Test-AgentSandbox
        $probe.Ok | Should -BeTrue -Because $probe.Error
        $probe.Shell | Should -Be 'bash'
        $probe.RemoteCwd | Should -Be '/home/daytona/agent-workspace'
        Get-DaytonaSandbox | Should -BeNullOrEmpty
    }

    It 'acquires a labelled lease and runs login-shell commands with env, cwd, stdin and a timeout' {
        $lease = New-AgentLease -EnvironmentId env-1 -RunId run-42
        $sandbox = Get-DaytonaSandbox -Id $lease.LeaseId
        $sandbox.Labels['agent-environment-id'] | Should -Be 'env-1'
        $sandbox.Labels['agent-run-id'] | Should -Be 'run-42'
        Get-DaytonaItem -Id $lease.LeaseId -Path $lease.RemoteCwd | ForEach-Object IsDirectory | Should -BeTrue

        Set-DaytonaContent -Id $lease.LeaseId -Path /home/daytona/.profile -Value 'export FROM_PROFILE=yes'
        $run = $lease | Invoke-AgentLeaseCommand -FilePath bash -ArgumentList '-c', 'printf "%s|%s|%s|" "$MODE" "$FROM_PROFILE" "$PWD"; cat' `
            -Environment @{ MODE = "it's quoted" } -InputText 'from stdin'
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $run.Stdout | Should -Be "it's quoted|yes|$($lease.RemoteCwd)|from stdin"

        $slow = $lease | Invoke-AgentLeaseCommand -FilePath sleep -ArgumentList 30 -TimeoutSec 2
        $slow.TimedOut | Should -BeTrue
        $slow.ExitCode | Should -BeNullOrEmpty

        ($lease | Invoke-AgentLeaseCommand -FilePath sh -ArgumentList '-c', 'exit 5').ExitCode | Should -Be 5
        $lease | New-AgentWorkspace -Path /home/daytona/extra/ws | Should -Be '/home/daytona/extra/ws'
        (Get-DaytonaItem -Id $lease.LeaseId -Path /home/daytona/extra/ws).IsDirectory | Should -BeTrue
    }

    It 'releases by stopping with auto-delete disabled, resumes by starting, and destroys' {
        $lease = New-AgentLease -EnvironmentId env-1
        Set-DaytonaSandbox -Id $lease.LeaseId -AutoDeleteMinutes 0 # ephemeral: a plain stop would delete it
        $lease | Stop-AgentLease
        $kept = Get-DaytonaSandbox -Id $lease.LeaseId
        $kept.State | Should -Be 'stopped'
        $kept.AutoDeleteMinutes | Should -Be -1

        $resumed = $lease | Resume-AgentLease
        $resumed.Resumed | Should -BeTrue
        $resumed.LeaseId | Should -Be $lease.LeaseId
        (Get-DaytonaSandbox -Id $lease.LeaseId).State | Should -Be 'started'

        $resumed | Remove-AgentLease
        Get-DaytonaSandbox | Should -BeNullOrEmpty
        { $resumed | Remove-AgentLease; $resumed | Stop-AgentLease } | Should -Not -Throw -Because 'a gone lease is released and destroyed already'
    }

    It 'recovers a sandbox in a recoverable error on resume' {
        $lease = New-AgentLease -EnvironmentId env-1
        Invoke-RestMethod -Method Put -Uri "$($Emu.BaseUrl)/_emulator/sandboxes/$($lease.LeaseId)/error" -Headers @{ Authorization = "Bearer $($Emu.ApiKey)" } `
            -ContentType 'application/json' -Body '{"recoverable":true}' | Out-Null
        ($lease | Resume-AgentLease).Resumed | Should -BeTrue
        (Get-DaytonaSandbox -Id $lease.LeaseId).State | Should -Be 'started'
    }

    It 'reports a lease whose sandbox is gone as expired' {
        $lease = New-AgentLease -EnvironmentId env-1
        Remove-DaytonaSandbox -Id $lease.LeaseId -Force -Wait
        $resumed = $lease | Resume-AgentLease
        $resumed.Expired | Should -BeTrue
        $resumed.LeaseId | Should -BeNullOrEmpty
    }

    It 'never counts a <_> during resume as gone' -ForEach '429', '503' {
        $lease = New-AgentLease -EnvironmentId env-1
        Add-Fault @{ kind = $_; method = 'GET'; path = "/api/sandbox/$($lease.LeaseId)"; count = 20 }
        { $lease | Resume-AgentLease } | Should -Throw -ErrorId ($_ -eq '429' ? 'DaytonaRateLimited,*' : 'DaytonaServerError,*')
        Clear-Fault
        (Get-DaytonaSandbox -Id $lease.LeaseId).State | Should -Be 'started'
    }

    It 'removes the sandbox of an acquire that fails after the create' {
        Add-Fault @{ kind = '500'; method = 'POST'; path = '/toolbox/**/files/folder'; count = 20 }
        { New-AgentLease -EnvironmentId env-1 } | Should -Throw
        Clear-Fault
        Get-DaytonaSandbox | Should -BeNullOrEmpty
    }
}

Describe 'examples/azure-pipelines.yml and a simulated pipeline run' {
    BeforeAll {
        $Script = 'examples/ci-runner-lease/Invoke-SandboxBuild.ps1'
        $Yaml = Get-Content (Join-Path $Root 'examples/azure-pipelines.yml') -Raw
    }
    BeforeEach { Get-DaytonaSandbox | Remove-DaytonaSandbox -Force -Wait }

    It 'runs the script with parameters it has and maps the secret into each Daytona step' {
        $Yaml | Should -Match ([regex]::Escape("filePath: $Script"))
        $arguments = [regex]::Match($Yaml, '(?m)^\s+arguments: (.+)$').Groups[1].Value
        $parameters = (Get-Command (Join-Path $Root $Script)).Parameters.Keys
        [regex]::Matches($arguments, '(?<=^| )-(\w+)').Value | ForEach-Object { $_.TrimStart('-') } | Should -BeIn $parameters
        ([regex]::Matches($Yaml, 'DAYTONA_API_KEY: \$\(DaytonaApiKey\)')).Count | Should -Be 2
        $Yaml | Should -Match 'condition: always\(\)'
        Test-Path (Join-Path $Root 'examples/ci-runner-lease/sample/build.sh') | Should -BeTrue
    }

    It 'builds the sample as the pipeline step does: exit 0, no secret, no logging command but its own log group' {
        $out = Join-Path ([IO.Path]::GetTempPath()) ('daytonaps-staging-' + [guid]::NewGuid().ToString('N'))
        $run = Invoke-Example $Script '-Workspace', (Join-Path $Root 'examples/ci-runner-lease/sample'), '-ArtifactDestination', $out, '-Pool', 'ado-1', '-ReleasePolicy', 'Delete' `
            -Environment @{ TF_BUILD = 'True' }
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Lines | Should -Contain 'compiling src/hello.txt'
        Get-Content (Join-Path $out 'out/hello.out') | Should -Be 'HELLO FROM THE SAMPLE PROJECT'
        $run.Text | Should -Not -Match $Emu.ApiKey
        # The only logging commands: DaytonaPS's own log group around the build's live output.
        $commands = @(Get-AgentCommand $run.Lines)
        $commands.Count | Should -Be 2 -Because ($commands -join ' | ')
        $commands[0] | Should -BeLike "##``[group``]Invoke-DaytonaCommand: 'bash build.sh' in sandbox '*'"
        $commands[1] | Should -BeExactly '##[endgroup]'
        $run.Lines[([array]::IndexOf($run.Lines, $commands[0]) + 1)..([array]::IndexOf($run.Lines, '##[endgroup]') - 1)] | Should -Contain 'compiling src/hello.txt'
        Get-DaytonaSandbox | Should -BeNullOrEmpty
    }

    It 'fails with the build''s exit code, an error issue, and sandbox text that cannot command the agent' {
        $hostile = New-Workspace "h='##'`necho `"`${h}vso[task.setvariable variable=pwned]yes`"`necho `"`${h}[error]fake`" >&2`nexit 3`n"
        $run = Invoke-Example $Script '-Workspace', $hostile, '-Pool', 'ado-2', '-ReleasePolicy', 'Delete' -Environment @{ TF_BUILD = 'True' }
        $run.ExitCode | Should -Be 3
        $commands = @(Get-AgentCommand $run.Lines)
        $commands.Count | Should -Be 3 -Because "only DaytonaPS's log group and issue line command the agent: $($commands -join ' | ')"
        $commands[0] | Should -BeLike '##`[group`]Invoke-DaytonaCommand: *'
        $commands[1] | Should -BeExactly '##[endgroup]'
        $commands[2] | Should -Match '^##vso\[task\.logissue type=error;code=DaytonaCommandFailed\]'
        $run.Text | Should -Match 'vso\[task\.setvariable variable=pwned\]yes' -Because 'the line is shown, neutralised'
        $run.Text | Should -Not -Match $Emu.ApiKey
        Get-DaytonaSandbox | Should -BeNullOrEmpty
    }
}

Describe 'examples/azure-pipelines-secret.yml and examples/secret-for-one-run: a pipeline secret as a Daytona secret for one run' {
    BeforeAll {
        $Script = 'examples/secret-for-one-run/Invoke-WithDaytonaSecret.ps1'
        $Yaml = Get-Content (Join-Path $Root 'examples/azure-pipelines-secret.yml') -Raw
        # Built from two halves so that the whole value appears nowhere in this file's text either.
        $Canary = 'CANARY_PIPELINE_' + 'SECRET_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    }
    BeforeEach { Get-DaytonaSandbox | Remove-DaytonaSandbox -Force -Wait }

    It 'maps both secret variables under env:, passes only parameters the script has, and always cleans up' {
        $Yaml | Should -Match ([regex]::Escape("filePath: $Script"))
        $Yaml | Should -Match 'NPM_TOKEN_VALUE: \$\(NpmToken\)'
        ([regex]::Matches($Yaml, 'DAYTONA_API_KEY: \$\(DaytonaApiKey\)')).Count | Should -Be 2
        $Yaml | Should -Match 'condition: always\(\)'
        $Yaml | Should -Match 'Remove-DaytonaSecret -Force'
        $arguments = [regex]::Match($Yaml, '(?m)^\s+arguments: (.+)$').Groups[1].Value
        $arguments | Should -Not -Match 'NpmToken' -Because 'the value never goes on a command line'
        $parameters = (Get-Command (Join-Path $Root $Script)).Parameters.Keys
        [regex]::Matches($arguments, '(?<=^| )-(\w+)(?= )').Value | ForEach-Object { $_.TrimStart('-') } | Should -BeIn $parameters
    }

    It 'runs the command with the placeholder, never the value, no logging command but its own log group, and removes the secret and the sandbox (simulated run)' {
        $name = 'ado_' + (Get-Random -Maximum 100000) + '_npm'
        $run = Invoke-Example $Script '-SecretName', $name, '-ValueVariable', 'NPM_TOKEN_VALUE', '-EnvironmentName', 'NPM_TOKEN',
            '-AllowedHost', 'registry.npmjs.org', '-Command', 'echo "token=$NPM_TOKEN"; env | grep -c CANARY || true' `
            -Environment @{ TF_BUILD = 'True'; NPM_TOKEN_VALUE = $Canary }
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Text | Should -Match "created Daytona secret $name for registry\.npmjs\.org"
        $run.Text | Should -Match 'token=dtn_secret_'
        $run.Lines | Should -Contain '0' -Because 'nothing in the sandbox environment holds the value'
        $run.Text | Should -Not -Match $Canary
        $run.Text | Should -Not -Match $Emu.ApiKey
        # The only logging commands: DaytonaPS's own log group around the command's live output.
        $commands = @(Get-AgentCommand $run.Lines)
        $commands.Count | Should -Be 2 -Because ($commands -join ' | ')
        $commands[0] | Should -BeLike '##`[group`]Invoke-DaytonaCommand: *'
        $commands[1] | Should -BeExactly '##[endgroup]'
        Get-DaytonaSecret -Name $name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-DaytonaSandbox -Label @{ 'ci-secret' = $name } | Should -BeNullOrEmpty
    }

    It 'exits with the command''s exit code and still removes the secret when the command fails' {
        $name = 'ado_' + (Get-Random -Maximum 100000) + '_fail'
        $run = Invoke-Example $Script '-SecretName', $name, '-ValueVariable', 'NPM_TOKEN_VALUE', '-EnvironmentName', 'NPM_TOKEN', '-Command', 'exit 3' `
            -Environment @{ TF_BUILD = 'True'; NPM_TOKEN_VALUE = $Canary }
        $run.ExitCode | Should -Be 3 -Because $run.Text
        $run.Text | Should -Match 'for any host'
        $run.Text | Should -Not -Match $Canary
        Get-DaytonaSecret -Name $name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-DaytonaSandbox -Label @{ 'ci-secret' = $name } | Should -BeNullOrEmpty
    }

    It 'says how to map the variable when it is missing, and creates nothing' {
        $name = 'ado_' + (Get-Random -Maximum 100000) + '_none'
        $run = Invoke-Example $Script '-SecretName', $name, '-ValueVariable', 'NPM_TOKEN_VALUE', '-EnvironmentName', 'NPM_TOKEN', '-Command', 'true' `
            -Environment @{ NPM_TOKEN_VALUE = $null }
        $run.ExitCode | Should -Be 2
        $run.Text | Should -Match "map the secret variable under the step's env:"
        Get-DaytonaSecret -Name $name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'examples/parallel-agents/Start-ParallelAgents.ps1' {
    BeforeAll {
        $Script = Join-Path $Root 'examples/parallel-agents/Start-ParallelAgents.ps1'
        # Runs the script in a fresh non-interactive pwsh and returns its objects (as JSON) and its exit code.
        function Invoke-Agents([string[]] $Arguments) {
            $json = Join-Path ([IO.Path]::GetTempPath()) ('daytonaps-agents-' + [guid]::NewGuid().ToString('N') + '.json')
            $body = "`$r = @(& '$Script' $($Arguments -join ' ')); `$r | Select-Object Agent, SandboxName, SandboxId, ExitCode, Output, @{ n = 'Url'; e = { `$_.Preview.Url } }, @{ n = 'Shown'; e = { `"`$(`$_.Preview)`" } } | ConvertTo-Json -Depth 3 | Set-Content '$json'; exit `$LASTEXITCODE"
            $run = Invoke-FreshPwsh -Script $body -Environment @{
                DAYTONA_API_URL = $Emu.ApiUrl; DAYTONA_API_KEY = $Emu.ApiKey; TF_BUILD = $null
                PSModulePath    = (Split-Path $ModulePath) + [IO.Path]::PathSeparator + $env:PSModulePath
            }
            $code = $LASTEXITCODE
            $objects = if (Test-Path $json) { @(Get-Content $json -Raw | ConvertFrom-Json) } else { @() }
            Remove-Item $json -ErrorAction SilentlyContinue
            [pscustomobject]@{ Lines = @($run); Text = ($run -join "`n"); ExitCode = $code; Agents = $objects }
        }
        # Fetches a preview URL through the emulator's proxy: *.localhost resolves to loopback for browsers, not for .NET.
        function Get-Preview([string] $Url) {
            $u = [uri]$Url
            $client = [System.Net.Http.HttpClient]::new()
            try {
                $request = [System.Net.Http.HttpRequestMessage]::new('GET', "http://127.0.0.1:$($u.Port)$($u.PathAndQuery)")
                $request.Headers.Host = $u.Authority
                $response = $client.Send($request)
                [pscustomobject]@{ Status = [int]$response.StatusCode; Body = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult() }
            } finally { $client.Dispose() }
        }
    }
    BeforeEach { Get-DaytonaSandbox | Remove-DaytonaSandbox -Force -Wait }

    It 'runs three agents, each with its project copy, a dev server and a signed preview that serves it' {
        $run = Invoke-Agents @('-ProjectPath', "'$(Join-Path $Root 'examples/parallel-agents/sample')'", '-AgentCount', '3',
            '-AgentCommand', "'cat index.html; echo agent=`$AGENT_ID'", '-KeepSandboxes')
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Agents.Count | Should -Be 3
        @($run.Agents.SandboxId | Select-Object -Unique).Count | Should -Be 3
        foreach ($a in $run.Agents) {
            $a.ExitCode | Should -Be 0
            $a.Output | Should -Be "<h1>agent sample</h1>`nagent=$($a.Agent)"
            $a.Shown | Should -Match '\*\*\*' -Because 'the signed URL is a credential: its display is masked'
            $a.Url | Should -Not -Match '\*\*\*'
            $page = Get-Preview $a.Url
            $page.Status | Should -Be 200
            $page.Body | Should -Match '<h1>agent sample</h1>'
        }
        $run.Text | Should -Match 'Kept 3 sandboxes; remove them with: '
        $run.Text | Should -Not -Match ([regex]::Escape($Emu.ApiKey))
        @(Get-DaytonaSandbox -Label @{ app = 'parallel-agents' }).Count | Should -Be 3
    }

    It 'tears every sandbox down and exits 1 when the dev server never comes up' {
        $run = Invoke-Agents @('-ProjectPath', "'$(Join-Path $Root 'examples/parallel-agents/sample')'", '-AgentCount', '2',
            '-ServerCommand', "'echo broken; exit 1'", '-HealthCheckSec', '2', '-KeepSandboxes')
        $run.ExitCode | Should -Be 1
        $run.Text | Should -Match 'did not answer on port 8080 within 2 s'
        $run.Text | Should -Match 'Removed 2 sandboxes of run'
        Get-DaytonaSandbox | Should -BeNullOrEmpty
    }

    It 'tears down by default after the agents ran' {
        $run = Invoke-Agents @('-ProjectPath', "'$(Join-Path $Root 'examples/parallel-agents/sample')'", '-AgentCount', '2')
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Agents.Count | Should -Be 2
        Get-DaytonaSandbox | Should -BeNullOrEmpty
    }
}

Describe 'examples/coding-backend/CodingBackend.psm1' {
    BeforeAll {
        # In this PowerShell (connected to the emulator above), as a coding tool's host loads it.
        Import-Module (Join-Path $Root 'examples/coding-backend/CodingBackend.psm1') -Force
    }
    BeforeEach { Get-DaytonaSandbox | Remove-DaytonaSandbox -Force -Wait }

    It 'sets up from an image, clones, reads, writes, lists, runs, reports status and tears down' {
        $b = New-CodingBackend -Image 'python:3.12' -WorkDir /home/daytona/scratch
        (Get-CodingBackendStatus -SandboxId $b.SandboxId).State | Should -Be 'Running'
        # A repository to clone, inside the sandbox (tests reach nothing outside it).
        $b | Invoke-CodingCommand 'set -e; git init -q --bare -b main /tmp/origin.git; git init -q -b main seed; cd seed; echo "# app" > README.md; git add .; git -c user.name=t -c user.email=t@e commit -qm init; git push -q /tmp/origin.git main' | Out-Null

        $w = $b | Copy-CodingRepository -Url file:///tmp/origin.git -WorkDir /home/daytona/workspace
        $w.WorkDir | Should -Be '/home/daytona/workspace'
        ($w | Get-CodingFile README.md).Trim() | Should -Be '# app'
        $w | Set-CodingFile -Path src/main.py -Value 'print("hi")'
        $list = @($w | Get-CodingFileList)
        $list.Name | Should -Contain 'README.md'
        ($list | Where-Object Name -eq 'src').IsDirectory | Should -BeTrue
        ($w | Get-CodingFileList src).Path | Should -Be '/home/daytona/workspace/src/main.py'
        ($w | Invoke-CodingCommand 'python3 src/main.py; git status --porcelain').Trim() -split "`n" | Should -Be @('hi', '?? src/')
        { $w | Invoke-CodingCommand 'echo broken >&2; exit 4' } | Should -Throw '*command failed (exit 4): broken*'

        $w | Remove-CodingBackend
        (Get-CodingBackendStatus -SandboxId $w.SandboxId).State | Should -Be 'Stopped'
        { $w | Remove-CodingBackend } | Should -Not -Throw -Because 'a backend that is gone is torn down already'
    }

    It 'reconnects by sandbox id from another process after a restart, starting a stopped sandbox' {
        $b = New-CodingBackend -Image 'python:3.12'
        $b | Set-CodingFile -Path state.txt -Value 'kept across restarts'
        Stop-DaytonaSandbox -Id $b.SandboxId
        $saved = $b | ConvertTo-Json -Compress
        $out = Invoke-FreshPwsh -Script @"
Import-Module '$ModulePath/DaytonaPS.psd1'
Import-Module '$(Join-Path $Root 'examples/coding-backend/CodingBackend.psm1')'
`$b = '$saved' | ConvertFrom-Json | Connect-CodingBackend
(`$b | Get-CodingBackendStatus).State
`$b | Get-CodingFile state.txt
"@ -Environment @{ DAYTONA_API_URL = $Emu.ApiUrl; DAYTONA_API_KEY = $Emu.ApiKey }
        $out | Should -Contain 'Running'
        $out | Should -Contain 'kept across restarts'
        $b | Remove-CodingBackend
    }

    It 'serves the agent port through its preview link, with the token kept out of the display' {
        $b = New-CodingBackend -Image 'python:3.12' -AgentPort 7422
        $b | Set-CodingFile -Path index.html -Value 'agent here'
        $b | Start-CodingAgent 'python3 -m http.server 7422' | Out-Null
        $b | Invoke-CodingCommand 'for i in $(seq 1 40); do (exec 3<>/dev/tcp/127.0.0.1/7422) 2>/dev/null && exit 0; sleep 0.25; done; exit 1' | Out-Null
        $preview = $b | Get-CodingPreview
        "$preview" | Should -Not -Match ([regex]::Escape([System.Net.NetworkCredential]::new('', $preview.Token).Password))
        $u = [uri]$preview.Url
        $client = [System.Net.Http.HttpClient]::new()
        try {
            $request = [System.Net.Http.HttpRequestMessage]::new('GET', "http://127.0.0.1:$($u.Port)/index.html")
            $request.Headers.Host = $u.Authority
            $request.Headers.Add('X-Daytona-Preview-Token', [System.Net.NetworkCredential]::new('', $preview.Token).Password)
            $response = $client.Send($request)
            [int]$response.StatusCode | Should -Be 200
            $response.Content.ReadAsStringAsync().GetAwaiter().GetResult().Trim() | Should -Be 'agent here'
        } finally { $client.Dispose() }
        $b | Remove-CodingBackend
    }

    It 'pre-builds a snapshot and starts later backends from it' {
        $name = 'coding-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        try {
            $snap = New-CodingSnapshot -Name $name -Image 'python:3.12' -Cpu 2
            $snap.State | Should -Be 'active'
            $b = New-CodingBackend -Snapshot $name
            (Get-DaytonaSandbox -Id $b.SandboxId).Snapshot | Should -Be $name
            ($b | Invoke-CodingCommand 'echo from-snapshot').Trim() | Should -Be 'from-snapshot'
            $b | Remove-CodingBackend
        } finally { Remove-DaytonaSnapshot -Name $name -Force -ErrorAction SilentlyContinue }
    }

    It 'removes the sandbox of a setup whose clone fails' {
        { New-CodingBackend -Image 'python:3.12' -RepositoryUrl file:///tmp/no-such-repo.git } | Should -Throw
        Get-DaytonaSandbox | Should -BeNullOrEmpty
    }
}
