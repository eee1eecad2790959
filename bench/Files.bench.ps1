<#
.SYNOPSIS
    Benchmarks of Copy-DaytonaItem (issue 11), not timed tests. One run each (ceilings, not medians).
    1. 1 GiB up and down through the module vs curl to the same emulator routes (POST /files/bulk-upload,
       GET /files/download), and the client's memory: the pwsh process that runs Copy-DaytonaItem is
       sampled (VmRSS from /proc every 50 ms); growth = peak during the copy minus the RSS just before it.
    2. A tree of -TreeFiles small files in and out: Copy-DaytonaItem -Recurse vs the official TypeScript
       SDK (fs.uploadFiles / fs.downloadFiles, bench/files-tree-sdk.mjs; needs npm ci in tests/contract)
       vs a per-file Copy-DaytonaItem loop (timed over -LoopFiles files, scaled to the tree).
.EXAMPLE
    dotnet pwsh ./bench/Files.bench.ps1 -ModulePath ./out/DaytonaPS -SizeMiB 1024
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DaytonaPS'),
    [int] $SizeMiB = 1024,
    [int] $TreeFiles = 5000,
    [int] $LoopFiles = 200,
    [switch] $SkipLarge,
    [switch] $SkipTree
)
$ErrorActionPreference = 'Stop'
if (-not $IsLinux) { throw 'This benchmark reads /proc: run it on Linux.' }
Import-Module (Join-Path $PSScriptRoot '../tests/pester/TestHelpers.psm1') -Force
Import-Module (Join-Path $ModulePath 'DaytonaPS.psd1') -Force
$manifest = (Resolve-Path (Join-Path $ModulePath 'DaytonaPS.psd1')).Path

function Get-RssMiB([int] $ProcessId) {
    $line = Get-Content "/proc/$ProcessId/status" -ErrorAction SilentlyContinue | Where-Object { $_ -like 'VmRSS:*' }
    if ($line) { [double](($line -split '\s+')[1]) / 1024 } else { $null }
}

# Runs one Copy-DaytonaItem in a child pwsh; returns wall seconds and RSS before/peak (MiB).
function Measure-Copy([string] $Copy, $Emu) {
    $work = Join-Path ([IO.Path]::GetTempPath()) ("dps-bench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory $work | Out-Null
    $go = Join-Path $work 'go'; $ready = Join-Path $work 'ready'; $done = Join-Path $work 'done'
    $script = @"
`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'
Import-Module '$manifest'
Connect-Daytona -ApiKey (ConvertTo-SecureString `$env:BENCH_KEY -AsPlainText -Force) -ApiUrl '$($Emu.ApiUrl)' -RequestTimeoutSec 600
`$sb = Get-DaytonaSandbox -Id '$($script:sb.Id)'
Set-Content '$work/small.txt' 'warm up'; Copy-DaytonaItem '$work/small.txt' /tmp/warm.txt -ToSandbox `$sb -Force; Copy-DaytonaItem /tmp/warm.txt '$work/warm.txt' -FromSandbox `$sb -Force
[GC]::Collect(); New-Item '$ready' | Out-Null
while (-not (Test-Path '$go')) { Start-Sleep -Milliseconds 20 }
`$w = [Diagnostics.Stopwatch]::StartNew()
$Copy
[IO.File]::WriteAllText('$done', `$w.Elapsed.TotalSeconds.ToString([cultureinfo]::InvariantCulture))
"@
    $env:BENCH_KEY = $Emu.ApiKey
    $p = Start-Process -FilePath (Join-Path $PSHOME 'pwsh') -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $script -PassThru
    try {
        while (-not (Test-Path $ready)) { if ($p.HasExited) { throw "child exited early ($($p.ExitCode))" }; Start-Sleep -Milliseconds 20 }
        $before = Get-RssMiB $p.Id; $peak = $before
        New-Item $go | Out-Null
        while (-not (Test-Path $done) -and -not $p.HasExited) {
            $rss = Get-RssMiB $p.Id; if ($rss -gt $peak) { $peak = $rss }
            Start-Sleep -Milliseconds 50
        }
        $p.WaitForExit()
        if (-not (Test-Path $done)) { throw "copy failed in the child ($($p.ExitCode))" }
        [pscustomobject]@{ Seconds = [double](Get-Content $done); RssBeforeMiB = [math]::Round($before); PeakRssMiB = [math]::Round($peak); GrowthMiB = [math]::Round($peak - $before) }
    }
    finally {
        if (-not $p.HasExited) { $p.Kill() }
        Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
    }
}

$emu = Start-TestEmulator -ArgumentList '--transition-ms', '0', '--rate-limit', 'authenticated=0'
$local = Join-Path ([IO.Path]::GetTempPath()) ("dps-bench-big-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $local | Out-Null
try {
    Connect-Daytona -ApiKey (ConvertTo-SecureString $emu.ApiKey -AsPlainText -Force) -ApiUrl $emu.ApiUrl
    $script:sb = New-DaytonaSandbox
    $base = "$($sb.ToolboxProxyUrl.TrimEnd('/'))/$($sb.Id)"
    $big = Join-Path $local 'big.bin'
    & head -c "$($SizeMiB)M" /dev/urandom > $big
    $hash = (Get-FileHash $big -Algorithm SHA256).Hash.ToLowerInvariant()
    $curlAuth = "Authorization: Bearer $($emu.ApiKey)"   # loopback bench key, not a secret

  if (-not $SkipLarge) {
    $up = Measure-Copy "Copy-DaytonaItem '$big' /tmp/big.bin -ToSandbox `$sb -Force" $emu
    $w = [Diagnostics.Stopwatch]::StartNew()
    & curl -sS -f -o /dev/null -H $curlAuth -F 'files[0].path=/tmp/big-curl.bin' -F "files[0].file=@$big" "$base/files/bulk-upload"
    $curlUp = $w.Elapsed.TotalSeconds
    $remoteHash = (($sb | Invoke-DaytonaCommand 'sha256sum /tmp/big.bin').Stdout -split ' ')[0]
    if ($remoteHash -ne $hash) { throw 'upload: SHA-256 differs' }

    $down = Measure-Copy "Copy-DaytonaItem /tmp/big.bin '$local/back.bin' -FromSandbox `$sb -Force" $emu
    $w = [Diagnostics.Stopwatch]::StartNew()
    & curl -sS -f -o "$local/curl.bin" -H $curlAuth "$base/files/download?path=/tmp/big.bin"
    $curlDown = $w.Elapsed.TotalSeconds
    if ((Get-FileHash "$local/back.bin" -Algorithm SHA256).Hash.ToLowerInvariant() -ne $hash) { throw 'download: SHA-256 differs' }

    [pscustomobject]@{
        SizeMiB = $SizeMiB
        UploadSeconds = [math]::Round($up.Seconds, 2); CurlUploadSeconds = [math]::Round($curlUp, 2); UploadVsCurl = [math]::Round($curlUp / $up.Seconds, 2)
        UploadRssGrowthMiB = $up.GrowthMiB; UploadPeakRssMiB = $up.PeakRssMiB
        DownloadSeconds = [math]::Round($down.Seconds, 2); CurlDownloadSeconds = [math]::Round($curlDown, 2); DownloadVsCurl = [math]::Round($curlDown / $down.Seconds, 2)
        DownloadRssGrowthMiB = $down.GrowthMiB; DownloadPeakRssMiB = $down.PeakRssMiB
    } | Format-List
  }
  if (-not $SkipTree) {
    # The tree: 300 nested folders (names with spaces) of small files. ASCII names: the SDK cannot download non-ASCII ones from the emulator (see results.md).
    $tree = Join-Path $local 'tree'
    for ($i = 0; $i -lt $TreeFiles; $i++) {
        $dir = Join-Path $tree ("d{0:D2}/sub dir {1}/u{2}" -f ($i % 20), ($i % 5), ($i % 3))
        if (-not (Test-Path -LiteralPath $dir)) { New-Item -ItemType Directory -Path $dir -Force | Out-Null }
        [IO.File]::WriteAllText((Join-Path $dir "file $i.txt"), "content of file $i`n" * (1 + $i % 40))
    }
    $ProgressPreference = 'SilentlyContinue'
    $w = [Diagnostics.Stopwatch]::StartNew()
    Copy-DaytonaItem $tree /tmp/tree-module -ToSandbox $sb -Recurse
    $moduleUp = $w.Elapsed.TotalSeconds
    $w = [Diagnostics.Stopwatch]::StartNew()
    Copy-DaytonaItem /tmp/tree-module (Join-Path $local 'tree-back') -FromSandbox $sb -Recurse
    $moduleDown = $w.Elapsed.TotalSeconds
    $left = @(Get-ChildItem -LiteralPath (Join-Path $local 'tree-back') -Recurse -File).Count
    if ($left -ne $TreeFiles) { throw "tree: $left of $TreeFiles files came back" }

    $loopSet = @(Get-ChildItem -LiteralPath $tree -Recurse -File | Select-Object -First $LoopFiles)
    $w = [Diagnostics.Stopwatch]::StartNew()
    foreach ($f in $loopSet) { Copy-DaytonaItem $f.FullName "/tmp/tree-loop/$($f.Name)" -ToSandbox $sb -Force }
    $loopUp = $w.Elapsed.TotalSeconds * $TreeFiles / $loopSet.Count
    $w = [Diagnostics.Stopwatch]::StartNew()
    foreach ($f in $loopSet) { Copy-DaytonaItem "/tmp/tree-loop/$($f.Name)" (Join-Path $local "loop-$($f.Name)") -FromSandbox $sb -Force }
    $loopDown = $w.Elapsed.TotalSeconds * $TreeFiles / $loopSet.Count

    $sdk = $null
    if (Test-Path (Join-Path $PSScriptRoot '../tests/contract/node_modules/@daytonaio/sdk')) {
        $env:DAYTONA_API_KEY = $emu.ApiKey; $env:DAYTONA_API_URL = $emu.ApiUrl
        $sdk = & node (Join-Path $PSScriptRoot 'files-tree-sdk.mjs') $sb.Id $tree /tmp/tree-sdk (Join-Path $local 'tree-sdk') | ConvertFrom-Json
    }
    [pscustomobject]@{
        TreeFiles = $TreeFiles
        ModuleUpSeconds = [math]::Round($moduleUp, 2); SdkUpSeconds = if ($sdk) { [math]::Round($sdk.uploadSeconds, 2) }; LoopUpSeconds = [math]::Round($loopUp, 1)
        ModuleDownSeconds = [math]::Round($moduleDown, 2); SdkDownSeconds = if ($sdk) { [math]::Round($sdk.downloadSeconds, 2) }; LoopDownSeconds = [math]::Round($loopDown, 1)
    } | Format-List
  }
}
finally {
    Remove-Item $local -Recurse -Force -ErrorAction SilentlyContinue
    $emu | Stop-TestEmulator
}
