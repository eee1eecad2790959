using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>Invoke-DaytonaApi over the module's connection: API and toolbox routes, bodies, queries, errors, and no key in any stream.</summary>
public sealed class InvokeDaytonaApiTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public InvokeDaytonaApiTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script) => ModuleHost.Run(_emu.Connect() + script);

    [Fact]
    public void CallsApiAndToolboxRoutesWithTheConnectionsCredential()
    {
        var name = "raw-" + Guid.NewGuid().ToString("N")[..8];
        var r = Run($$"""
            $created = Invoke-DaytonaApi POST /sandbox -Body @{ name = '{{name}}'; labels = @{ via = 'raw' } }
            $created.name
            Wait-DaytonaSandbox -Id $created.id -State started | Out-Null
            (Invoke-DaytonaApi -Path "sandbox/$($created.id)").labels.via
            @(Invoke-DaytonaApi -Path /snapshots -Query @{ page = 1; limit = 1 }).items.Count
            $exec = Invoke-DaytonaApi POST /process/execute -Toolbox $created.id -Body '{"command":"echo from-toolbox"}'
            $exec.result.Trim()
            (Invoke-DaytonaApi GET /files/download -Query @{ path = '/etc/hostname' } -Toolbox (Get-DaytonaSandbox -Id $created.id) -Raw).Trim() -eq $created.id
            Invoke-DaytonaApi DELETE "/sandbox/$($created.id)" -WhatIf
            (Get-DaytonaSandbox -Id $created.id).State
            Invoke-DaytonaApi GET /sandbox/no-such-sandbox-x -ErrorAction SilentlyContinue -ErrorVariable missing
            $missing[0].FullyQualifiedErrorId
            try { Invoke-DaytonaApi -Path 'http://example.invalid/sandbox' } catch { $_.FullyQualifiedErrorId }
            Invoke-DaytonaApi DELETE "/sandbox/$($created.id)" -Confirm:$false -Verbose -Debug
            """);
        Assert.True(r.Output.Count >= 8, string.Join(" | ", r.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)) + " " + r.Terminating);
        Assert.Equal(name, r.Output[0].ToString());
        Assert.Equal("raw", r.Output[1].ToString());
        Assert.Equal(1, (int)r.Output[2].BaseObject);
        Assert.Equal("from-toolbox", r.Output[3].ToString());
        Assert.True((bool)r.Output[4].BaseObject);
        Assert.Equal("started", r.Output[5].ToString());
        Assert.StartsWith("DaytonaNotFound,", r.Output[6].ToString());
        Assert.StartsWith("DaytonaInvalidArgument,", r.Output[7].ToString());
        Assert.Contains(r.Verbose, v => v.Contains("DELETE /api/sandbox/"));
        foreach (var line in r.Verbose.Concat(r.Debug).Concat(r.Output.Select(o => o?.ToString() ?? string.Empty)))
            Assert.DoesNotContain(EmulatorFixture.ApiKey, line);
    }

    [Fact]
    public void ArraysAreWrittenItemByItem()
    {
        var r = Run("""
            $items = Invoke-DaytonaApi /volumes
            $volumes = @(Get-DaytonaVolume)
            @($items).Count -eq $volumes.Count
            (Invoke-DaytonaApi /regions | Select-Object -First 1).GetType().Name
            """).AssertNoErrors();
        Assert.True((bool)r.Output[0].BaseObject);
        Assert.Equal("PSCustomObject", r.Output[1].ToString());
    }
}
