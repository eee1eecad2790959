using System.Collections;
using System.Text.RegularExpressions;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>
/// Piped DaytonaPS.Sandbox objects reach the cmdlets as objects (-InputObject), so bulk work makes
/// one call per sandbox: no GET to find again what the pipeline already carried. Requests are
/// counted from the client's own verbose lines ("GET /api/sandbox/ID -> 200 in 3 ms").
/// </summary>
public sealed class PipedSandboxTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;
    public PipedSandboxTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script, IDictionary? vars = null) => ModuleHost.Run(_emu.Connect() + script, vars);

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Requests the client sent to one sandbox's own URLs, as "METHOD /api/sandbox/ID[/action]".</summary>
    private static List<string> RequestsFor(PsResult r, string id) =>
        r.Verbose.Select(v => Regex.Match(v, @"^(GET|POST|DELETE|PUT|PATCH) (/api/sandbox/" + Regex.Escape(id) + @"(/[a-z-]+)?)(\?\S*)? -> "))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value + " " + m.Groups[2].Value)
            .ToList();

    private static List<string> Ids(PsResult r) => r.Output.Select(o => o.ToString()).ToList();

    [Fact]
    public void PipedSandboxesBindInputObject_AndRemoveSendsOnlyTheDeletes()
    {
        var p = Unique("rm");
        var r = Run($$"""
            $boxes = 1..3 | ForEach-Object { New-DaytonaSandbox -Name "{{p}}-$_" }
            $boxes | Remove-DaytonaSandbox -Force -Verbose
            $boxes.Id
            """).AssertNoErrors();
        var ids = Ids(r);
        Assert.Equal(3, ids.Count);
        foreach (var id in ids)
            Assert.Equal(new[] { "DELETE /api/sandbox/" + id }, RequestsFor(r, id));
        Assert.Contains(r.Verbose, v => v.StartsWith($"Removed sandbox '{p}-1'", StringComparison.Ordinal));
    }

    [Fact]
    public void BulkProgressSaysNOfNWhenTheCountIsKnown_NDoneWhenPiped_NothingForOne()
    {
        var p = Unique("prog");
        var r = Run($$"""
            $boxes = 1..3 | ForEach-Object { New-DaytonaSandbox -Name "{{p}}-$_" }
            Stop-DaytonaSandbox -InputObject $boxes
            $boxes.Name | Start-DaytonaSandbox
            Set-DaytonaSandbox -Id $boxes[0].Id -Label @{ one = '1' }
            Remove-DaytonaSandbox -Id $boxes.Id -Force
            """).AssertNoErrors();
        var bulk = r.Progress!.Where(x => x.ActivityId == 0x0D490000).ToList();
        List<string> Statuses(string activity) => bulk.Where(x => x.Activity == activity && x.RecordType == System.Management.Automation.ProgressRecordType.Processing)
            .Select(x => x.StatusDescription).ToList();

        var stop = Statuses("Stop-DaytonaSandbox");
        Assert.NotEmpty(stop);
        Assert.All(stop, s => Assert.Matches(@"^[1-3] of 3 done$", s));
        Assert.Contains(bulk, x => x.Activity == "Stop-DaytonaSandbox" && x.RecordType == System.Management.Automation.ProgressRecordType.Completed);
        Assert.Contains(bulk, x => x.Activity == "Remove-DaytonaSandbox" && x.PercentComplete is > 0 and <= 100);

        var start = Statuses("Start-DaytonaSandbox");
        Assert.NotEmpty(start);
        Assert.All(start, s => Assert.Matches(@"^[1-3] done$", s));   // piped: the count is not known

        Assert.DoesNotContain(bulk, x => x.Activity == "Set-DaytonaSandbox");   // one sandbox: no bulk progress
    }

    [Fact]
    public void StringsAndObjectsWithAnIdStillBindId()
    {
        // Only DaytonaPS.Sandbox objects go to -InputObject; a name, or another object's Id property, is looked up as before.
        var p = Unique("ids");
        var r = Run($$"""
            $a = New-DaytonaSandbox -Name "{{p}}-a"; $b = New-DaytonaSandbox -Name "{{p}}-b"
            "{{p}}-a" | Stop-DaytonaSandbox -NoWait -Verbose
            [pscustomobject]@{ Id = $b.Id } | Stop-DaytonaSandbox -NoWait -Verbose
            $a.Id; $b.Id
            """).AssertNoErrors();
        var ids = Ids(r);
        Assert.Equal(new[] { "GET /api/sandbox/" + p + "-a" }, RequestsFor(r, p + "-a"));
        Assert.Equal(new[] { "POST /api/sandbox/" + ids[0] + "/stop" }, RequestsFor(r, ids[0]));
        Assert.Equal(new[] { "GET /api/sandbox/" + ids[1], "POST /api/sandbox/" + ids[1] + "/stop" }, RequestsFor(r, ids[1]));
    }

    [Fact]
    public void PipedStopAndStartWithNoWaitSendOneCallEach()
    {
        var p = Unique("ss");
        var stop = Run($$"""
            $boxes = 1..2 | ForEach-Object { New-DaytonaSandbox -Name "{{p}}-$_" }
            $boxes | Stop-DaytonaSandbox -NoWait -Verbose
            $boxes.Id
            """).AssertNoErrors();
        var ids = Ids(stop);
        Assert.Equal(2, ids.Count);
        foreach (var id in ids)
            Assert.Equal(new[] { "POST /api/sandbox/" + id + "/stop" }, RequestsFor(stop, id));

        Run($"'{ids[0]}', '{ids[1]}' | Wait-DaytonaSandbox -State stopped | Out-Null").AssertNoErrors();
        var start = Run($"Get-DaytonaSandbox -Name '{p}-*' | Start-DaytonaSandbox -NoWait -Verbose").AssertNoErrors();
        foreach (var id in ids)
            Assert.Equal(new[] { "POST /api/sandbox/" + id + "/start" }, RequestsFor(start, id));
    }

    [Fact]
    public void StartOfAStartedPipedSandboxNeedsNoPoll()
    {
        // Daytona answers a started sandbox's start with the sandbox unchanged: 'started' needs no wait.
        var r = Run($$"""
            $box = New-DaytonaSandbox -Name "{{Unique("up")}}"
            $s = $box | Start-DaytonaSandbox -PassThru -Verbose
            $s.State
            $box.Id
            """).AssertNoErrors();
        Assert.Equal("started", r.Output[0].ToString());
        var id = r.Output[1].ToString();
        Assert.Equal(new[] { "POST /api/sandbox/" + id + "/start" }, RequestsFor(r, id));
    }

    [Fact]
    public void StalePipedSandboxesAreJudgedByTheirCurrentState()
    {
        var p = Unique("stale");
        // Stopped since it was listed: the stop is refused (400) and the current state says it is done.
        var stop = Run($$"""
            $box = New-DaytonaSandbox -Name "{{p}}-s"
            Stop-DaytonaSandbox -Id $box.Id | Out-Null
            ($box | Stop-DaytonaSandbox -PassThru).State
            """).AssertNoErrors();
        Assert.Equal("stopped", stop.Output.Single().ToString());

        // In a recoverable error since it was listed: the start is refused and the sandbox is recovered instead.
        var created = Run($"(New-DaytonaSandbox -Name '{p}-e').Id").AssertNoErrors();
        var id = created.Output.Single().ToString();
        var start = Run($$"""
            $box = Get-DaytonaSandbox -Id '{{id}}'
            Invoke-RestMethod -Method Put -Uri '{{_emu.Server.BaseUrl}}/_emulator/sandboxes/{{id}}/error' -Headers @{ Authorization = 'Bearer {{EmulatorFixture.ApiKey}}' } -ContentType 'application/json' -Body '{"errorReason":"disk","recoverable":true}' | Out-Null
            ($box | Start-DaytonaSandbox -PassThru -Verbose).State
            """).AssertNoErrors();
        Assert.Equal("started", start.Output.Single().ToString());
        var sent = RequestsFor(start, id);
        Assert.Equal("POST /api/sandbox/" + id + "/start", sent[0]);
        Assert.Contains("POST /api/sandbox/" + id + "/recover", sent);
    }

    [Fact]
    public void InvokeCommandOnAPipedSandboxNeedsNoLookup()
    {
        var r = Run($$"""
            $box = New-DaytonaSandbox -Name "{{Unique("cmd")}}"
            ($box | Invoke-DaytonaCommand 'echo hi' -Verbose).Stdout
            $box.Id
            """).AssertNoErrors();
        Assert.Equal("hi", r.Output[0].ToString().Trim());
        Assert.Empty(RequestsFor(r, r.Output[1].ToString()));
    }
}
