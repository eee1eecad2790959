#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.7.1' }
# The default views of DaytonaPS objects as a console user reads them. Objects are stand-ins with
# the type name of the real ones (the views select on it), so any state or label can be shown.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path (Get-TestModulePath) 'DaytonaPS.psd1') -Force
    function New-View([string] $TypeName, [hashtable] $Properties) {
        $o = [pscustomobject]$Properties
        $o.PSObject.TypeNames.Insert(0, $TypeName)
        $o
    }
    function New-SandboxView([string] $State = 'started', [hashtable] $Labels = @{}, [string] $Image) {
        New-View 'DaytonaPS.Sandbox' @{
            Id = '5beb6e1d-1407-4562-bc28-51b11bc299f9'; Name = 'web-frontend-1'; State = $State; Target = 'eu'
            Cpu = 2; Memory = 4; Disk = 10; Gpu = 0; Labels = $Labels; Env = $null; Snapshot = 'daytona-small'; Image = $Image
            Public = $false; AutoStopMinutes = 15; AutoArchiveMinutes = 10080; AutoDeleteMinutes = -1; ErrorReason = $null; Recoverable = $false
            CreatedAt = [datetime]'2026-12-01'; UpdatedAt = [datetime]'2026-12-01'
        }
    }
}

Describe 'The sandbox table' {
    It 'fits 80 columns with a short id' {
        $lines = @((New-SandboxView) | Format-Table | Out-String -Width 80) -split "`r?`n" | Where-Object { $_.Trim() }
        $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
        $row = $lines | Where-Object { $_ -match 'web-frontend-1' }
        $row | Should -Match '\b5beb6e1d\s*$' -Because 'the id is shown by its first 8 characters, not cut by the console'
    }

    It 'shows <_> whole' -ForEach 'pending_build', 'building_snapshot', 'pulling_snapshot' {
        ((New-SandboxView -State $_) | Format-Table | Out-String -Width 80) | Should -Match "\b$_\b"
    }
}

Describe 'The sandbox list' {
    It 'hides DaytonaPS''s internal labels but keeps them on the object' {
        $sb = New-SandboxView -Labels @{ team = 'web'; 'daytonaps-exec-pool' = '1' }
        $text = $sb | Format-List | Out-String
        $text | Should -Match 'team=web'
        $text | Should -Not -Match 'daytonaps-'
        $sb.Labels['daytonaps-exec-pool'] | Should -Be '1'
    }

    It 'shows the image of a sandbox built from one, and the snapshot otherwise' {
        $fromImage = (New-SandboxView -Image 'python:3.12-slim') | Format-List | Out-String
        $fromImage | Should -Match 'Image\s*:\s*python:3\.12-slim'
        $fromImage | Should -Not -Match 'Snapshot\s*:'
        ((New-SandboxView) | Format-List | Out-String) | Should -Match 'Snapshot\s*:\s*daytona-small'
    }
}

Describe 'Results of a fan-out' {
    It 'show the sandbox name in the table of <_>' -ForEach 'DaytonaPS.CommandResult', 'DaytonaPS.SshResult', 'DaytonaPS.PreviewUrl', 'DaytonaPS.SessionCommand' {
        $o = New-View $_ @{ SandboxId = '5beb6e1d-1407-4562-bc28-51b11bc299f9'; SandboxName = 'web-frontend-1'; ExitCode = 0; Duration = [timespan]::FromSeconds(1); Command = 'true'; Output = ''; Port = 3000; Signed = $false; DisplayUrl = 'http://x'; SessionId = 's'; CommandId = 'c' }
        $text = $o | Format-Table | Out-String -Width 120
        $text | Should -Match 'Sandbox '
        $text | Should -Match 'web-frontend-1'
    }
}

Describe 'Durations' {
    It 'read the same in every view: seconds with two decimals (<_>)' -ForEach 'DaytonaPS.CommandResult', 'DaytonaPS.SshResult' {
        $o = New-View $_ @{ SandboxId = 'sb'; ExitCode = 0; Duration = [timespan]::FromMilliseconds(1234.5); Command = 'true'; Output = ''; Stdout = ''; Stderr = ''; Truncated = $false }
        ($o | Format-Table | Out-String) | Should -Match '\b1\.23 s\b'
        if ($_ -eq 'DaytonaPS.CommandResult') { ($o | Format-List | Out-String) | Should -Match 'Duration\s*:\s*1\.23 s' }
    }
}

Describe 'The session table' {
    It 'lists the session''s commands, not its sandbox id' {
        $cmds = 1..5 | ForEach-Object { New-View 'DaytonaPS.SessionCommand' @{ Command = "echo step $_"; ExitCode = 0 } }
        $session = New-View 'DaytonaPS.Session' @{ SandboxId = '5beb6e1d-1407-4562-bc28-51b11bc299f9'; SessionId = 'build'; Commands = $cmds; RunningCount = 0 }
        $text = $session | Format-Table | Out-String -Width 120
        $text | Should -Match 'echo step 5'
        $text | Should -Match '\(2 more\)'
        $text | Should -Not -Match '5beb6e1d-1407'
    }
}

Describe 'Output and completion against the emulator' {
    BeforeAll {
        $Emu = Start-TestEmulator
        Connect-Daytona -ApiKey (ConvertTo-SecureString $Emu.ApiKey -AsPlainText -Force) -ApiUrl $Emu.ApiUrl -InformationAction Ignore
    }
    AfterAll {
        Disconnect-Daytona
        $Emu | Stop-TestEmulator
    }

    It 'tells fan-out results apart by sandbox name, piped as plain strings' {
        $a = New-DaytonaSandbox -Name views-fan-a; $b = New-DaytonaSandbox -Name views-fan-b
        try {
            $results = @('views-fan-a', 'views-fan-b' | Invoke-DaytonaCommand 'echo hi' | Sort-Object SandboxName)
            $results.SandboxName | Should -Be 'views-fan-a', 'views-fan-b'
            $results.SandboxId | Should -Be $a.Id, $b.Id
            $table = $results | Format-Table | Out-String -Width 100
            $table | Should -Match 'Sandbox\s+ExitCode'
            $table | Should -Match 'views-fan-a'
            $started = $b | Start-DaytonaCommand 'sleep 0'
            $started.SandboxName | Should -Be 'views-fan-b'
            ($started | Format-Table | Out-String -Width 120) | Should -Match 'views-fan-b'
            $preview = 'views-fan-a' | Get-DaytonaPreviewUrl -Port 3000
            $preview.SandboxName | Should -Be 'views-fan-a'
            ($preview | Format-Table | Out-String -Width 120) | Should -Match 'views-fan-a\s+3000' 
        }
        finally {
            $a, $b | Remove-DaytonaSandbox -Force
        }
    }

    It 'completes -Target with the service''s regions, for <_>' -ForEach 'New-DaytonaSandbox', 'Get-DaytonaSandbox' {
        $line = "$_ -Target "
        $names = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object CompletionText)
        $names | Should -Be 'eu', 'us' -Because 'the emulator serves --targets us,eu as its regions'
        $line = "$_ -Target e"
        @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object CompletionText) | Should -Be 'eu'
    }

    It 'carries the image of a sandbox made with -Image' {
        $sb = New-DaytonaSandbox -Image 'python:3.12-slim' -Name views-image
        try {
            (Get-DaytonaSandbox -Id $sb.Id).Image | Should -Be 'python:3.12-slim'
        }
        finally {
            $sb | Remove-DaytonaSandbox -Force
        }
    }
}

Describe 'The Daytona secret views' {
    BeforeAll {
        function New-SecretView([string[]] $Hosts) {
            New-View 'DaytonaPS.DaytonaSecret' @{
                Id = '0b9d0c36-1a52-4bd6-9a4e-5b1f2a0f7c11'; Name = 'anthropic_prod'; Description = 'the agent platform''s model key, rotated monthly'
                Placeholder = 'dtn_secret_a7f3b2c1e9d4f6g8h0j2k4m6'; Hosts = $Hosts; CreatedAt = [datetime]'2026-12-01'; UpdatedAt = [datetime]'2026-12-02'
            }
        }
    }

    It 'fits 80 columns and says "(any host)" for a secret without hosts' {
        $lines = @((New-SecretView -Hosts @()) | Format-Table | Out-String -Width 80) -split "`r?`n" | Where-Object { $_.Trim() }
        $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
        ($lines -join "`n") | Should -Match 'anthropic_prod\s+\(any host\)\s+2026-12-02'
    }

    It 'lists the hosts and the placeholder, and has no value to show' {
        $text = (New-SecretView -Hosts 'api.anthropic.com', '*.anthropic.com') | Format-List | Out-String
        $text | Should -Match 'Hosts\s+: api\.anthropic\.com, \*\.anthropic\.com'
        $text | Should -Match 'Placeholder\s+: dtn_secret_'
        $text | Should -Not -Match 'Value'
        [DaytonaPS.DaytonaSecret].GetProperties().Name | Should -Not -Contain 'Value'
    }
}
