#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.1' }
# Enter-DaytonaTerminal in a real terminal: a fresh pwsh inside tmux (a private tmux server),
# driven with send-keys and read with capture-pane, against the emulator's PTY routes.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $ModulePath = Get-TestModulePath
    $Emu = Start-TestEmulator
    $Pwsh = foreach ($name in 'pwsh', 'pwsh.exe') { $c = Join-Path $PSHOME $name; if (Test-Path $c) { $c; break } }
    $Tmux = (Get-Command tmux -ErrorAction Stop).Source
    $Socket = 'daytonaps-terminal-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $Work = Join-Path ([IO.Path]::GetTempPath()) $Socket
    New-Item -ItemType Directory -Path $Work | Out-Null

    Import-Module "$ModulePath/DaytonaPS.psd1" -Force
    Connect-Daytona -ApiKey (ConvertTo-SecureString $Emu.ApiKey -AsPlainText -Force) -ApiUrl $Emu.ApiUrl -SkipValidation
    $Sandbox = New-DaytonaSandbox

    function Invoke-Tmux { & $Tmux -L $Socket -f /dev/null @args }

    # Starts pwsh in a new tmux session running $Body after connecting; returns the session name.
    function Start-TerminalPwsh([string] $Body, [int] $Width = 100, [int] $Height = 30) {
        $name = 's' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $script = Join-Path $Work "$name.ps1"
        @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath/DaytonaPS.psd1'
Connect-Daytona -ApiKey (ConvertTo-SecureString `$env:TEST_DAYTONA_KEY -AsPlainText -Force) -ApiUrl '$($Emu.ApiUrl)' -SkipValidation
$Body
"@ | Set-Content -Path $script
        # The key travels in the session's environment, never on a command line.
        Invoke-Tmux new-session -d -s $name -x $Width -y $Height -e "TEST_DAYTONA_KEY=$($Emu.ApiKey)" -e 'TF_BUILD=' `
            "'$Pwsh' -NoProfile -File '$script'; sleep 30"
        $name
    }

    function Get-Pane([string] $Name) { (Invoke-Tmux capture-pane -p -J -t $Name -S -200) -join "`n" }

    # Waits until the pane matches $Pattern; fails with the pane's text after $TimeoutSec.
    function Wait-Pane([string] $Name, [string] $Pattern, [int] $TimeoutSec = 60) {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
        while ($true) {
            $text = Get-Pane $Name
            if ($text -match $Pattern) { return $text }
            if ([DateTime]::UtcNow -gt $deadline) { throw "pane never matched '$Pattern':`n$text" }
            Start-Sleep -Milliseconds 100
        }
    }

    function Wait-File([string] $Path, [int] $TimeoutSec = 60) {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
        while (-not (Test-Path $Path) -or -not (Get-Content -Raw $Path)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "$Path never appeared" }
            Start-Sleep -Milliseconds 100
        }
        Get-Content -Raw $Path
    }

    function Send-Line([string] $Name, [string] $Text) {
        Invoke-Tmux send-keys -t $Name -l $Text
        Invoke-Tmux send-keys -t $Name Enter
    }
}

AfterAll {
    if ($Socket) { & $Tmux -L $Socket kill-server 2>$null }
    if ($Sandbox) { $Sandbox | Remove-DaytonaSandbox -Force -ErrorAction SilentlyContinue }
    Disconnect-Daytona -ErrorAction SilentlyContinue
    $Emu | Stop-TestEmulator
    if ($Work) { Remove-Item -Recurse -Force $Work -ErrorAction SilentlyContinue }
}

Describe 'Enter-DaytonaTerminal in a terminal' {
    It 'shows typed commands'' output, follows window resizes, passes Ctrl+C on and returns the exit code' {
        $result = Join-Path $Work 'exit.txt'
        $name = Start-TerminalPwsh "`$r = Enter-DaytonaTerminal -Id '$($Sandbox.Id)'`n'RESULT ' + `$r.ExitCode + ' ' + `$r.Detached | Set-Content '$result'"
        Wait-Pane $name 'Terminal in sandbox' | Out-Null
        Wait-Pane $name 'daytona@[^\s]*:[^\n]*\$' | Out-Null

        Send-Line $name 'echo "sum=$((6*7))"; hostname'
        Wait-Pane $name 'sum=42' | Out-Null

        Send-Line $name 'stty size'
        Wait-Pane $name '(?m)^30 100\s*$' | Out-Null
        Invoke-Tmux resize-window -t $name -x 120 -y 40
        # The cmdlet notices the new size within a poll interval; wait until the window has it.
        Wait-Pane $name '.' | Out-Null
        Start-Sleep -Milliseconds 500
        Send-Line $name 'stty size'
        Wait-Pane $name '(?m)^40 120\s*$' | Out-Null

        # Ctrl+C interrupts the remote command, not the cmdlet.
        Send-Line $name 'sleep 60; echo not-interrupted'
        Start-Sleep -Milliseconds 500
        Invoke-Tmux send-keys -t $name C-c
        Send-Line $name 'echo after-ctrl-c'
        $text = Wait-Pane $name '(?m)^after-ctrl-c'
        $text | Should -Not -Match '(?m)^not-interrupted'

        Send-Line $name 'exit 4'
        (Wait-File $result).Trim() | Should -Be 'RESULT 4 False'
        # The session was removed when the shell exited.
        @(Invoke-RestMethod -Uri "$($Sandbox.ToolboxProxyUrl)/$($Sandbox.Id)/process/pty" -Headers @{ Authorization = "Bearer $($Emu.ApiKey)" }).sessions |
            Where-Object id -Like 'daytonaps-terminal-*' | Should -BeNullOrEmpty
    }

    It 'leaves with Ctrl+] and ends the remote shell' {
        $result = Join-Path $Work 'detach.txt'
        $name = Start-TerminalPwsh "`$r = Enter-DaytonaTerminal -Id '$($Sandbox.Id)' -WorkingDirectory /tmp`n'RESULT ' + `$r.ExitCode + ' ' + `$r.Detached | Set-Content '$result'"
        Wait-Pane $name 'daytona@[^\s]*:/tmp\$' | Out-Null
        Invoke-Tmux send-keys -t $name 'C-]'
        (Wait-File $result).Trim() | Should -Be 'RESULT  True'
    }

    It 'refuses at once in a non-interactive host, before any call' {
        $out = Invoke-FreshPwsh -Script @"
Import-Module '$ModulePath/DaytonaPS.psd1'
try { Enter-DaytonaTerminal -Id '$($Sandbox.Id)' -ErrorAction Stop } catch { 'ID ' + `$_.FullyQualifiedErrorId; `$_.Exception.Message }
"@
        ($out -join "`n") | Should -Match 'ID DaytonaTerminalNotInteractive,'
        ($out -join "`n") | Should -Match 'needs an interactive console'
    }
}
