using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>Select-DaytonaString (/files/find), Get-DaytonaChildItem -Recurse -Filter (/files/search), Edit-DaytonaContent (/files/replace).</summary>
public sealed class FileSearchTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public FileSearchTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script) => ModuleHost.Run(_emu.Connect() + "$sb = New-DaytonaSandbox\n" + script);

    private static T Prop<T>(PSObject o, string name) => (T)o.Properties[name].Value;

    [Fact]
    public void SelectDaytonaStringFindsLinesLikeSelectString()
    {
        var r = Run("""
            $sb | Invoke-DaytonaCommand 'mkdir -p s/sub && printf "alpha\nTODO one\nbeta TODO\n" > s/a.txt && printf "x\nFIXME two\n" > s/sub/b.md && printf "TODO\0bin" > s/c.bin && echo todo > s/lower.txt' | Out-Null
            $sb | Select-DaytonaString TODO s
            '--'
            $sb | Select-DaytonaString TODO, FIXME s -Include *.md, *.txt -List
            '--'
            $sb | Select-DaytonaString TODO s -Exclude a.* | Measure-Object | ForEach-Object Count
            '--'
            ($sb | Select-DaytonaString TODO s)[0].ToString()
            $sb | Select-DaytonaString TODO s | Out-String -Width 120
            $sb | Get-DaytonaChildItem s -Recurse -Filter *.md | Select-DaytonaString FIXME -Id $sb.Id | ForEach-Object Line
            $sb | Select-DaytonaString TODO nope -ErrorAction SilentlyContinue -ErrorVariable +missing
            $missing[0].FullyQualifiedErrorId
            """);
        r.AssertNoErrors();
        var parts = Split(r.Output);
        Assert.All(parts[0], o => Assert.Equal("DaytonaPS.MatchInfo", o.BaseObject.GetType().FullName));
        Assert.Equal(new[] { "/home/daytona/s/a.txt:2:TODO one", "/home/daytona/s/a.txt:3:beta TODO" }, parts[0].Select(o => o.BaseObject.ToString()));
        Assert.Equal(("a.txt", 2, "TODO one", "TODO"), (Prop<string>(parts[0][0], "Filename"), Prop<int>(parts[0][0], "LineNumber"), Prop<string>(parts[0][0], "Line"), Prop<string>(parts[0][0], "Pattern")));
        // -List: the first line of each file; -Include on the name; case-sensitive (lower.txt's "todo" is no match); c.bin is binary.
        Assert.Equal(new[] { "/home/daytona/s/a.txt:2:TODO one", "/home/daytona/s/sub/b.md:2:FIXME two" }, parts[1].Select(o => o.BaseObject.ToString()));
        Assert.Equal("0", parts[2].Single().BaseObject.ToString());
        Assert.Equal("/home/daytona/s/a.txt:2:TODO one", parts[3][0].BaseObject.ToString());
        Assert.Matches(@"Path\s+LineNumber\s+Line", parts[3][1].BaseObject.ToString());
        Assert.Matches(@"/home/daytona/s/a\.txt\s+3 beta TODO", parts[3][1].BaseObject.ToString());
        Assert.Equal("FIXME two", parts[3][2].BaseObject);
        Assert.Equal("DaytonaPathNotFound,DaytonaPS.Commands.Files.SelectDaytonaStringCommand", parts[3][3].BaseObject);
    }

    [Fact]
    public void RecursiveFilterSearchesInTheSandboxAndListsWhenThereAreMany()
    {
        var r = Run("""
            $sb | Invoke-DaytonaCommand 'mkdir -p few/a/b many && touch few/x.log few/a/y.log few/a/b/z.log few/a/keep.txt few/x.log.txt && for i in $(seq 1 70); do touch many/f$i.log; done' | Out-Null
            ($sb | Get-DaytonaChildItem few -Recurse -Filter *.log -Verbose 4>&1 | ForEach-Object { if ($_ -is [System.Management.Automation.VerboseRecord]) { 'V ' + $_.Message } else { $_.FullName } }) -join "`n"
            '--'
            ($sb | Get-DaytonaChildItem many -Recurse -Filter *.log -Verbose 4>&1 | ForEach-Object { if ($_ -is [System.Management.Automation.VerboseRecord]) { 'V ' + $_.Message } else { $_.Name } }) -join "`n"
            '--'
            @($sb | Get-DaytonaChildItem few -Recurse -Filter few).Count
            """);
        r.AssertNoErrors();
        var parts = Split(r.Output).Select(p => p.Select(o => o.BaseObject.ToString()!).ToList()).ToList();
        var few = parts[0].Single().Split('\n');
        Assert.Equal(new[] { "/home/daytona/few/a/b/z.log", "/home/daytona/few/a/y.log", "/home/daytona/few/x.log" }, few.Where(l => !l.StartsWith("V ")));
        Assert.Contains(few, l => l.StartsWith("V GET", StringComparison.Ordinal) && l.Contains("/files/search?path=few&pattern=%2A.log", StringComparison.Ordinal));
        Assert.DoesNotContain(few, l => l.Contains("depth=", StringComparison.Ordinal));
        var many = parts[1].Single().Split('\n');
        Assert.Equal(70, many.Count(l => !l.StartsWith("V ")));
        Assert.Contains(many, l => l.Contains("/files/search?", StringComparison.Ordinal));
        Assert.Contains(many, l => l.Contains("depth=512", StringComparison.Ordinal));   // one listing, not 70 info calls
        Assert.DoesNotContain(many, l => l.Contains("/files/info", StringComparison.Ordinal));
        Assert.Equal("0", parts[2].Single());                                              // the folder itself is not its own child
    }

    [Fact]
    public void EditDaytonaContentReplacesTextWithShouldProcess()
    {
        var r = Run("""
            $sb | Invoke-DaytonaCommand 'mkdir -p e && printf "host=old\nurl=http://old/\n" > e/a.conf && printf "old\n" > e/b.conf && chmod 750 e/b.conf' | Out-Null
            $sb | Edit-DaytonaContent e/a.conf old new -WhatIf
            ($sb | Get-DaytonaContent e/a.conf -Raw)
            '--'
            $sb | Get-DaytonaChildItem e -Filter *.conf | Edit-DaytonaContent -Id $sb.Id -Pattern old -Replacement new -PassThru | ForEach-Object Name
            ($sb | Get-DaytonaContent e/a.conf -Raw)
            ($sb | Get-DaytonaContent e/b.conf -Raw)
            (Get-DaytonaItem e/b.conf -Id $sb.Id).Permissions
            '--'
            $sb | Edit-DaytonaContent e/a.conf, e/none.conf new '' -ErrorAction SilentlyContinue -ErrorVariable +failed
            ($sb | Get-DaytonaContent e/a.conf -Raw)
            $failed.Count
            $failed[0].FullyQualifiedErrorId
            $failed[0].TargetObject
            """);
        var parts = Split(r.Output).Select(p => p.Select(o => o.BaseObject.ToString()!).ToList()).ToList();
        Assert.Equal(new[] { "host=old\nurl=http://old/\n" }, parts[0]);
        // Piped items are worked on concurrently: their -PassThru order may vary.
        Assert.Equal(new[] { "a.conf", "b.conf" }, parts[1].Take(2).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { "host=new\nurl=http://new/\n", "new\n", "0750" }, parts[1].Skip(2));
        Assert.Equal(new[] { "host=\nurl=http:///\n", "1", "DaytonaPathNotFound,DaytonaPS.Commands.Files.EditDaytonaContentCommand", "e/none.conf" }, parts[2]);
    }

    [Fact]
    public void AutoStartStartsAStoppedSandboxFirst()
    {
        var r = Run("""
            $sb | Set-DaytonaContent /tmp/kept.txt -Value kept
            $sb | Stop-DaytonaSandbox
            $sb | Get-DaytonaContent /tmp/kept.txt -ErrorAction SilentlyContinue -ErrorVariable +notStarted
            $notStarted[0].FullyQualifiedErrorId
            $sb | Get-DaytonaContent /tmp/kept.txt -AutoStart
            (Get-DaytonaSandbox -Id $sb.Id).State
            $sb | Stop-DaytonaSandbox
            $sb | Get-DaytonaGitStatus /tmp -AutoStart -ErrorAction SilentlyContinue -ErrorVariable +notRepo
            $notRepo[0].FullyQualifiedErrorId
            (Get-DaytonaSandbox -Id $sb.Id).State
            """);
        Assert.Equal(new[]
        {
            "DaytonaSandboxNotStarted,DaytonaPS.Commands.Files.GetDaytonaContentCommand",
            "kept", "started",
            "DaytonaNotFound,DaytonaPS.Commands.Git.GetDaytonaGitStatusCommand", "started",
        }, r.Output.Select(o => o.BaseObject.ToString()));
    }

    private static List<List<PSObject>> Split(IEnumerable<PSObject> output)
    {
        var parts = new List<List<PSObject>> { new() };
        foreach (var o in output)
        {
            if (o.BaseObject is "--") parts.Add(new List<PSObject>());
            else parts[^1].Add(o);
        }
        return parts;
    }
}
