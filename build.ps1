#Requires -Version 7.2
<#
.SYNOPSIS
    Builds, tests, documents, packages and demonstrates DaytonaPS.
.DESCRIPTION
    Plain PowerShell (Invoke-Build and psake are not obtainable here). Run through the local tool:
        dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
    Tasks:
        Build    out/DaytonaPS (stamped psd1, dll, dependencies/, format file, en-US help) and out/emulator
        Docs     docs/en-US/*.md -> out/DaytonaPS/en-US/DaytonaPS.dll-Help.xml (part of Build)
        Test     Build, then xunit + Pester + the TypeScript SDK contract suite; last line "N passed, N failed"
        Package  out/package/DaytonaPS.<version>.nupkg, installable with Install-PSResource, and
                 out/package/DaytonaPS.Emulator.<version>.nupkg, the emulator as a .NET tool
        Demo     a scripted tour of the module against the embedded emulator
        Clean    removes out/ and bin/obj folders
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Docs', 'Test', 'Package', 'Demo', 'Clean')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Which suites Test runs (all by default).
    [ValidateSet('xunit', 'pester', 'contract')]
    [string[]] $Suite = @('xunit', 'pester', 'contract')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
# Logs (CI, redirected output) get plain text rather than ANSI escapes.
if ($env:CI -or [Console]::IsOutputRedirected) { $PSStyle.OutputRendering = 'PlainText'; $env:NO_COLOR = '1' }

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'DaytonaPS'
$EmulatorOut = Join-Path $Out 'emulator'
$PublishOut = Join-Path $Out 'publish'
$ResultsOut = Join-Path $Out 'test-results'
$Version = ([xml](Get-Content -Raw (Join-Path $Root 'Directory.Build.props'))).Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1

# The module folder is built from these explicit lists; a missing file fails the build.
# DaytonaPS.dll sits beside the manifest; the third-party assemblies go to dependencies/, where
# nothing finds them but the resolver DaytonaPS registers on import (src/DaytonaPS/ModuleInit.cs):
# pwsh 7 keeps using its in-box System.Text.Json & co., Windows PowerShell 5.1 gets these copies.
$ModuleAssemblies = @(
    'DaytonaPS.dll'
)
$ModuleDependencies = @(
    'Polly.Core.dll'
    'Microsoft.AspNetCore.WebUtilities.dll'
    'Microsoft.Extensions.Primitives.dll'
    'Microsoft.Net.Http.Headers.dll'
    'Microsoft.Bcl.AsyncInterfaces.dll'
    'Microsoft.Bcl.TimeProvider.dll'
    'System.Buffers.dll'
    'System.ComponentModel.Annotations.dll'
    'System.Memory.dll'
    'System.Numerics.Vectors.dll'
    'System.Runtime.CompilerServices.Unsafe.dll'
    'System.Text.Encodings.Web.dll'
    'System.Text.Json.dll'
    'System.Threading.Tasks.Extensions.dll'
    'ICSharpCode.SharpZipLib.dll'
)
$ModuleFiles = @(
    @{ From = Join-Path $Root 'src/DaytonaPS/DaytonaPS.Format.ps1xml'; To = 'DaytonaPS.Format.ps1xml' }
    @{ From = Join-Path $Root 'LICENSE'; To = 'LICENSE' }
)

function Write-Step([string] $Message) { Write-Host "==> $Message" -ForegroundColor Cyan }

function Invoke-Native {
    # Runs a native command and fails the build on a non-zero exit code.
    param([Parameter(Mandatory)][string] $FilePath, [string[]] $ArgumentList = @(), [string] $WorkingDirectory = $Root)
    Push-Location $WorkingDirectory
    try {
        & $FilePath @ArgumentList
        if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE." }
    }
    finally { Pop-Location }
}

function Get-PwshPath {
    # Under `dotnet pwsh` the process is dotnet; the tool's folder still holds the pwsh apphost.
    foreach ($name in 'pwsh', 'pwsh.exe') {
        $candidate = Join-Path $PSHOME $name
        if (Test-Path $candidate) { return $candidate }
    }
    return 'pwsh'
}

function Get-PesterPath {
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $path = Join-Path $packages 'pester/5.7.1/tools/Pester.psd1'
    if (-not (Test-Path $path)) {
        # The tests project's PackageDownload brings Pester from NuGet (no PowerShell gallery here).
        Invoke-Native dotnet @('restore', 'tests/DaytonaPS.Tests/DaytonaPS.Tests.csproj', '--nologo', '-v', 'quiet')
    }
    if (-not (Test-Path $path)) { throw "Pester 5.7.1 not found at $path after restoring tests/DaytonaPS.Tests." }
    return $path
}

function Invoke-Docs {
    Write-Step 'Docs: docs/en-US -> out/DaytonaPS/en-US'
    $helpOut = Join-Path $ModuleOut 'en-US'
    New-Item -ItemType Directory -Force -Path $helpOut | Out-Null
    $converter = Join-Path $Root 'tools/ConvertTo-MamlHelp.ps1'
    & $converter -Path (Join-Path $Root 'docs/en-US') -OutputPath $helpOut
    if (-not (Test-Path (Join-Path $helpOut 'DaytonaPS.dll-Help.xml'))) { throw 'Docs: DaytonaPS.dll-Help.xml was not produced.' }
}

# The emulator's SSH gateway sidecar (Node.js + ssh2): npm ci into src/DaytonaPS.Emulator/SshGateway,
# whose node_modules the emulator's build copies next to it. Without npm the gateway is off (the
# emulator says so at start-up); the build still succeeds.
function Install-SshGatewayPackages {
    $dir = Join-Path $Root 'src/DaytonaPS.Emulator/SshGateway'
    $installed = Join-Path $dir 'node_modules/.package-lock.json'
    if ((Test-Path $installed) -and (Get-Item -Force $installed).LastWriteTimeUtc -ge (Get-Item (Join-Path $dir 'package-lock.json')).LastWriteTimeUtc) { return }
    if (-not (Get-Command npm -ErrorAction SilentlyContinue)) { Write-Warning 'Build: npm not found; the emulator''s SSH gateway will be off.'; return }
    Write-Step 'Build: SSH gateway sidecar packages (npm ci)'
    Push-Location $dir
    try {
        & npm ci --no-audit --no-fund --loglevel=error --omit=optional --ignore-scripts | Out-Host
        if ($LASTEXITCODE -ne 0) { Write-Warning 'Build: npm ci for the SSH gateway failed; the emulator''s SSH gateway will be off.' }
    }
    finally { Pop-Location }
}

function Invoke-Build {
    Write-Step "Build: DaytonaPS $Version ($Configuration)"
    if (Test-Path $ModuleOut) { Remove-Item -Recurse -Force $ModuleOut }
    New-Item -ItemType Directory -Force -Path $ModuleOut | Out-Null

    Invoke-Native dotnet @('publish', 'src/DaytonaPS/DaytonaPS.csproj', '-c', $Configuration, '-o', (Join-Path $PublishOut 'DaytonaPS'), '--nologo', '-v', 'quiet')
    $dependenciesOut = New-Item -ItemType Directory -Force -Path (Join-Path $ModuleOut 'dependencies')
    foreach ($entry in @($ModuleAssemblies | ForEach-Object { @{ Name = $_; To = $ModuleOut } }) + @($ModuleDependencies | ForEach-Object { @{ Name = $_; To = $dependenciesOut.FullName } })) {
        $from = Join-Path $PublishOut "DaytonaPS/$($entry.Name)"
        if (-not (Test-Path $from)) { throw "Build: expected '$($entry.Name)' in the publish output; update the lists in build.ps1 if dependencies changed." }
        Copy-Item $from $entry.To
    }
    # The other way round: a dll in the publish output that neither list names is a dependency nobody thought about.
    $unlisted = @(Get-ChildItem (Join-Path $PublishOut 'DaytonaPS') -Filter *.dll | Where-Object Name -NotIn ($ModuleAssemblies + $ModuleDependencies))
    if ($unlisted) { throw "Build: the publish output has dll(s) no list in build.ps1 names: $($unlisted.Name -join ', ')." }
    foreach ($file in $ModuleFiles) {
        if (-not (Test-Path $file.From)) { throw "Build: missing '$($file.From)'." }
        Copy-Item $file.From (Join-Path $ModuleOut $file.To)
    }

    # Stamp the one version (Directory.Build.props) into the built manifest.
    $manifest = Get-Content -Raw (Join-Path $Root 'DaytonaPS.psd1')
    $stamped = $manifest -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion        = '$Version'"
    if ($stamped -eq $manifest -and $manifest -notmatch "ModuleVersion\s*=\s*'$([regex]::Escape($Version))'") { throw 'Build: could not stamp ModuleVersion.' }
    Set-Content -Path (Join-Path $ModuleOut 'DaytonaPS.psd1') -Value $stamped -Encoding utf8NoBOM

    Invoke-Docs

    Install-SshGatewayPackages
    Write-Step 'Build: emulator -> out/emulator'
    Invoke-Native dotnet @('publish', 'src/DaytonaPS.Emulator/DaytonaPS.Emulator.csproj', '-c', $Configuration, '-o', $EmulatorOut, '--nologo', '-v', 'quiet')
    if (-not (Test-Path (Join-Path $EmulatorOut 'DaytonaPS.Emulator.dll'))) { throw 'Build: the emulator was not published.' }
    Write-Step "Build: done -> $ModuleOut"
}

function Read-TrxCounts([string] $Directory) {
    $passed = 0; $failed = 0
    foreach ($trx in Get-ChildItem -Path $Directory -Filter *.trx -Recurse -ErrorAction SilentlyContinue) {
        $counters = ([xml](Get-Content -Raw -LiteralPath $trx.FullName)).TestRun.ResultSummary.Counters
        $passed += [int]$counters.passed
        $failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
    }
    [pscustomobject]@{ Passed = $passed; Failed = $failed }
}

function Invoke-XunitSuite {
    Write-Step 'Test: xunit'
    $dir = Join-Path $ResultsOut 'xunit'
    if (Test-Path $dir) { Remove-Item -Recurse -Force $dir }
    # Out-Host: the runner's console output is for the log, not part of the function's result.
    & dotnet test (Join-Path $Root 'DaytonaPS.sln') -c $Configuration --nologo --logger 'trx' --logger 'console;verbosity=minimal' --results-directory $dir | Out-Host
    $exit = $LASTEXITCODE
    $counts = Read-TrxCounts $dir
    if ($exit -ne 0 -and $counts.Failed -eq 0) { $counts.Failed = 1; Write-Warning "xunit: dotnet test exited $exit without a failed test (build or runner failure); counted as one failure." }
    $counts
}

function Invoke-PesterSuite {
    Write-Step 'Test: Pester (fresh pwsh against out/DaytonaPS)'
    $summary = Join-Path $ResultsOut 'pester-summary.json'
    Remove-Item $summary -ErrorAction SilentlyContinue
    New-Item -ItemType Directory -Force -Path $ResultsOut | Out-Null
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Get-PesterPath)' -MinimumVersion 5.7.1
`$config = New-PesterConfiguration
`$config.Run.Path = '$(Join-Path $Root 'tests/pester')'
`$config.Run.PassThru = `$true
`$config.Output.Verbosity = 'Detailed'
`$config.TestResult.Enabled = `$true
`$config.TestResult.OutputPath = '$(Join-Path $ResultsOut 'pester.xml')'
`$result = Invoke-Pester -Configuration `$config
@{ passed = `$result.PassedCount; failed = `$result.FailedCount + `$result.FailedBlocksCount + `$result.FailedContainersCount } | ConvertTo-Json | Set-Content '$summary'
"@
    $env:DAYTONA_MODULE_PATH = $ModuleOut
    $env:DAYTONA_EMULATOR_DLL = Join-Path $EmulatorOut 'DaytonaPS.Emulator.dll'
    & (Get-PwshPath) -NoProfile -NonInteractive -Command $script | Out-Host
    if (-not (Test-Path $summary)) { Write-Warning 'Pester: no summary written (the run crashed); counted as one failure.'; return [pscustomobject]@{ Passed = 0; Failed = 1 } }
    $json = Get-Content -Raw -LiteralPath $summary | ConvertFrom-Json
    [pscustomobject]@{ Passed = [int]$json.passed; Failed = [int]$json.failed }
}

function Invoke-ContractSuite {
    Write-Step 'Test: contract (Daytona TypeScript SDK against the emulator)'
    $dir = Join-Path $Root 'tests/contract'
    if (-not (Test-Path (Join-Path $dir 'package.json'))) { Write-Warning 'contract: tests/contract/package.json is missing; counted as one failure.'; return [pscustomobject]@{ Passed = 0; Failed = 1 } }
    $summary = Join-Path $ResultsOut 'contract-summary.json'
    Remove-Item $summary -ErrorAction SilentlyContinue
    New-Item -ItemType Directory -Force -Path $ResultsOut | Out-Null
    Push-Location $dir
    try {
        & npm ci --no-audit --no-fund --loglevel=error | Out-Host
        if ($LASTEXITCODE -ne 0) { Write-Warning 'contract: npm ci failed; counted as one failure.'; return [pscustomobject]@{ Passed = 0; Failed = 1 } }
        $env:CONTRACT_SUMMARY = $summary
        $env:DAYTONA_EMULATOR_DLL = Join-Path $EmulatorOut 'DaytonaPS.Emulator.dll'
        & npm test | Out-Host
        $exit = $LASTEXITCODE
    }
    finally { Pop-Location }
    if (-not (Test-Path $summary)) { Write-Warning 'contract: no summary written; counted as one failure.'; return [pscustomobject]@{ Passed = 0; Failed = 1 } }
    $json = Get-Content -Raw -LiteralPath $summary | ConvertFrom-Json
    $counts = [pscustomobject]@{ Passed = [int]$json.passed; Failed = [int]$json.failed }
    if ($exit -ne 0 -and $counts.Failed -eq 0) { $counts.Failed = 1 }
    $counts
}

function Invoke-Test {
    Invoke-Build
    $totals = [ordered]@{}
    if ('xunit' -in $Suite) { $totals.xunit = Invoke-XunitSuite }
    if ('pester' -in $Suite) { $totals.pester = Invoke-PesterSuite }
    if ('contract' -in $Suite) { $totals.contract = Invoke-ContractSuite }
    $passed = 0; $failed = 0
    foreach ($name in $totals.Keys) {
        Write-Host ("{0,-9} {1} passed, {2} failed" -f "${name}:", $totals[$name].Passed, $totals[$name].Failed)
        $passed += $totals[$name].Passed; $failed += $totals[$name].Failed
    }
    # The last line of the run, read by CI.
    Write-Host "$passed passed, $failed failed"
    if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
}

function Invoke-Package {
    Invoke-Build
    Write-Step 'Package: out/package'
    $packageOut = Join-Path $Out 'package'
    if (Test-Path $packageOut) { Remove-Item -Recurse -Force $packageOut }
    New-Item -ItemType Directory -Force -Path $packageOut | Out-Null
    $nupkg = & (Join-Path $Root 'tools/New-ModulePackage.ps1') -ModulePath $ModuleOut -OutputPath $packageOut
    Write-Step "Package: $($nupkg.FullName)"
    # The emulator as a .NET tool (daytona-emulator), for users' own offline tests.
    $version = (Import-PowerShellDataFile (Join-Path $ModuleOut 'DaytonaPS.psd1')).ModuleVersion
    Invoke-Native dotnet @('pack', 'src/DaytonaPS.Emulator/DaytonaPS.Emulator.csproj', '-c', $Configuration, '-o', $packageOut, "-p:Version=$version", '--nologo', '-v', 'quiet')
    Write-Step "Package: $(Join-Path $packageOut "DaytonaPS.Emulator.$version.nupkg")"
}

function Invoke-Demo {
    Invoke-Build
    & (Join-Path $Root 'tools/Start-Demo.ps1') -ModulePath $ModuleOut -EmulatorDll (Join-Path $EmulatorOut 'DaytonaPS.Emulator.dll')
    if (-not $?) { throw 'Demo failed.' }
}

function Invoke-Clean {
    Write-Step 'Clean'
    foreach ($path in @($Out) + (Get-ChildItem -Path (Join-Path $Root 'src'), (Join-Path $Root 'tests') -Directory -Recurse -Include bin, obj | ForEach-Object FullName)) {
        if (Test-Path $path) { Remove-Item -Recurse -Force $path }
    }
}

Push-Location $Root
try {
    foreach ($name in $Task) {
        switch ($name) {
            'Build' { Invoke-Build }
            'Docs' { Invoke-Docs }
            'Test' { Invoke-Test }
            'Package' { Invoke-Package }
            'Demo' { Invoke-Demo }
            'Clean' { Invoke-Clean }
        }
    }
}
finally { Pop-Location }
