<#
.SYNOPSIS
    Enter-DaytonaSsh against the system ssh called by hand (issue 10), not a timed test. Medians of
    interleaved rounds.
.DESCRIPTION
    Against the emulator's SSH gateway (an emulator process started here), one sandbox:
    - Enter-DaytonaSsh -Command true, from the call to its return: mints a token, writes the
      private config file, runs the system ssh, deletes the file, revokes the token.
    - ssh by hand with a token minted beforehand (untimed): `ssh -p PORT TOKEN@127.0.0.1 true`,
      the same OpenSSH client and options a user would type from sshCommand.
    - For the breakdown: the same by hand plus minting and revoking the token with Invoke-RestMethod.
    Goal: Enter-DaytonaSsh within 1.2x of the hand-called ssh.
.EXAMPLE
    dotnet pwsh -NoProfile ./bench/Ssh.bench.ps1
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DaytonaPS'),
    [int] $Rounds = 15
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../tests/pester/TestHelpers.psm1') -Force
Import-Module (Join-Path (Resolve-Path $ModulePath).Path 'DaytonaPS.psd1') -Force
function Median([double[]] $v) { $s = $v | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }

$emu = Start-TestEmulator -ArgumentList '--transition-ms', '0', '--rate-limit', 'authenticated=0'
$known = Join-Path ([IO.Path]::GetTempPath()) "daytonaps-bench-known-hosts-$PID"
try {
    Connect-Daytona -ApiKey (ConvertTo-SecureString $emu.ApiKey -AsPlainText -Force) -ApiUrl $emu.ApiUrl -SkipValidation
    $sb = New-DaytonaSandbox
    $headers = @{ Authorization = "Bearer $($emu.ApiKey)" }
    $sshArgs = '-o', "UserKnownHostsFile=$known", '-o', 'StrictHostKeyChecking=accept-new', '-o', 'LogLevel=ERROR'
    # Both sides share one known_hosts file, so neither pays for a first-use host key.
    $enterArgs = @{ Id = $sb.Id; Command = 'true'; SshArgument = @('-o', "UserKnownHostsFile=$known") }

    function Mint { Invoke-RestMethod -Method Post -Uri "$($emu.ApiUrl)/sandbox/$($sb.Id)/ssh-access" -Headers $headers }
    function Revoke($token) { Invoke-RestMethod -Method Delete -Uri "$($emu.ApiUrl)/sandbox/$($sb.Id)/ssh-access?token=$token" -Headers $headers | Out-Null }
    function ByHand($access) {
        $port = ($access.sshCommand -split ' ')[2]
        & ssh @sshArgs -p $port "$($access.token)@127.0.0.1" true
        if ($LASTEXITCODE -ne 0) { throw "ssh by hand exited with $LASTEXITCODE" }
    }

    # Warm-up: JIT, the gateway's first connection, the host key into known_hosts.
    $a = Mint; ByHand $a; Revoke $a.token
    $null = Enter-DaytonaSsh @enterArgs

    $enter = @(); $hand = @(); $handMint = @()
    for ($i = 0; $i -lt $Rounds; $i++) {
        $w = [Diagnostics.Stopwatch]::StartNew()
        $r = Enter-DaytonaSsh @enterArgs
        $enter += $w.Elapsed.TotalMilliseconds
        if ($r.ExitCode -ne 0) { throw "Enter-DaytonaSsh exited with $($r.ExitCode)" }

        $a = Mint
        $w = [Diagnostics.Stopwatch]::StartNew()
        ByHand $a
        $hand += $w.Elapsed.TotalMilliseconds
        Revoke $a.token

        $w = [Diagnostics.Stopwatch]::StartNew()
        $a = Mint; ByHand $a; Revoke $a.token
        $handMint += $w.Elapsed.TotalMilliseconds
    }
    $e = Median $enter; $h = Median $hand; $hm = Median $handMint
    [pscustomobject]@{ Case = 'Enter-DaytonaSsh -Command true'; MedianMs = [math]::Round($e, 1); Ratio = [math]::Round($e / $h, 2) }
    [pscustomobject]@{ Case = 'ssh by hand, token minted beforehand'; MedianMs = [math]::Round($h, 1); Ratio = 1.0 }
    [pscustomobject]@{ Case = 'ssh by hand + mint + revoke (Invoke-RestMethod)'; MedianMs = [math]::Round($hm, 1); Ratio = [math]::Round($hm / $h, 2) }
    "load average: $((Get-Content /proc/loadavg) -split ' ' | Select-Object -First 3)"
}
finally {
    Remove-Item $known -ErrorAction SilentlyContinue
    $emu | Stop-TestEmulator
}
