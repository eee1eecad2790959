using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>Get-/New-/Remove-/Move-DaytonaItem, Get-DaytonaChildItem, Get-/Set-DaytonaContent, Set-DaytonaItemPermission.</summary>
public sealed class FileItemTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public FileItemTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script) => ModuleHost.Run(_emu.Connect() + "$sb = New-DaytonaSandbox\n" + script);

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private static T Prop<T>(PSObject o, string name) => (T)o.Properties[name].Value;

    private static IEnumerable<string> Ids(PsResult r) => r.Output.Select(o => (string)o.BaseObject);

    [Fact]
    public void ChildItemsAndItemsAreFileInfos()
    {
        var d = Unique("list");
        var r = Run($$"""
            $sb | Invoke-DaytonaCommand "mkdir -p {{d}}/sub && printf hi\\n > {{d}}/a.txt && chmod 750 {{d}}/a.txt && echo x > {{d}}/sub/b.md" | Out-Null
            $sb | Get-DaytonaChildItem {{d}}
            '--'
            Get-DaytonaChildItem /home/daytona/{{d}} -Id $sb.Id -Recurse -Filter *.md
            '--'
            Get-DaytonaChildItem {{d}}/a.txt -Id $sb.Id
            Get-DaytonaItem {{d}}/sub -Id $sb.Id
            """);
        r.AssertNoErrors();
        var parts = Split(r.Output);
        Assert.All(r.Output.Where(o => o.BaseObject is not string), o => Assert.Equal("DaytonaPS.FileInfo", o.BaseObject.GetType().FullName));
        Assert.Equal(new[] { "a.txt", "sub" }, parts[0].Select(o => Prop<string>(o, "Name")));
        var a = parts[0][0];
        Assert.Equal($"/home/daytona/{d}/a.txt", Prop<string>(a, "FullName"));
        Assert.Equal(3L, Prop<long>(a, "Length"));
        Assert.Equal("0750", Prop<string>(a, "Permissions"));
        Assert.Equal("-rwxr-x---", Prop<string>(a, "Mode"));
        Assert.False(Prop<bool>(a, "IsDirectory"));
        Assert.True(Prop<bool>(a, "IsExecutable"));
        Assert.True(Prop<DateTime>(a, "LastWriteTime") > DateTime.Now.AddHours(-1));
        Assert.True(Prop<bool>(parts[0][1], "IsDirectory"));
        Assert.Equal($"/home/daytona/{d}/sub/b.md", Prop<string>(Assert.Single(parts[1]), "FullName"));
        Assert.Equal(new[] { "a.txt", "sub" }, parts[2].Select(o => Prop<string>(o, "Name")));
        Assert.True(Prop<bool>(parts[2][1], "IsDirectory"));
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

    [Fact]
    public void TheTableViewLooksLikeGetChildItems()
    {
        var d = "/tmp/" + Unique("view");
        var r = Run($$"""
            $sb | Invoke-DaytonaCommand "mkdir -p {{d}}/folder && echo hello > {{d}}/file.txt" | Out-Null
            $sb | Get-DaytonaChildItem {{d}} | Out-String -Width 200
            """);
        var text = (string)Assert.Single(r.AssertNoErrors().Output).BaseObject;
        Assert.Contains($"Directory: {d}", text);
        Assert.Matches(@"Mode\s+Owner\s+Group\s+LastWriteTime\s+Length\s+Name", text);
        Assert.Matches(@"-rw-r--r--.*\s6 file\.txt", text);
        Assert.Matches(@"drwxr-xr-x.*\sfolder", text);
    }

    [Fact]
    public void ContentRoundTripsLinesRawEncodingsAndBytes()
    {
        var f = "/home/daytona/" + Unique("content") + ".txt";
        var r = Run($$"""
            'one', 'twö', 3 | Set-DaytonaContent {{f}} -Id $sb.Id
            Get-DaytonaContent {{f}} -Id $sb.Id
            '--'
            Get-DaytonaContent {{f}} -Id $sb.Id -Raw
            '--'
            Set-DaytonaContent {{f}}.nn -Value 'a', 'b' -NoNewline -Id $sb.Id
            (Get-DaytonaContent {{f}}.nn -Id $sb.Id -Raw)
            '--'
            Set-DaytonaContent {{f}}.u16 -Value 'hé' -Encoding unicode -Id $sb.Id
            (Get-DaytonaContent {{f}}.u16 -Id $sb.Id -AsByteStream) -join ','
            Get-DaytonaContent {{f}}.u16 -Id $sb.Id
            Get-DaytonaContent {{f}}.u16 -Id $sb.Id -Encoding unicode
            '--'
            ,[byte[]](0, 1, 2, 255, 10) | Set-DaytonaContent {{f}}.bin -AsByteStream -Id $sb.Id
            (Get-DaytonaContent {{f}}.bin -Id $sb.Id -AsByteStream) -join ','
            '--'
            $sb | Invoke-DaytonaCommand "printf '#!/bin/sh\n' > {{f}}.sh && chmod 755 {{f}}.sh" | Out-Null
            Set-DaytonaContent {{f}}.sh -Value '#!/bin/sh', 'echo new' -Id $sb.Id
            (Get-DaytonaItem {{f}}.sh -Id $sb.Id).Permissions
            ($sb | Invoke-DaytonaCommand "{{f}}.sh").Stdout
            """);
        r.AssertNoErrors();
        var parts = Split(r.Output).Select(p => p.Select(o => o.BaseObject.ToString()).ToList()).ToList();
        Assert.Equal(new[] { "one", "twö", "3" }, parts[0]);
        Assert.Equal(new[] { "one\ntwö\n3\n" }, parts[1]);
        Assert.Equal(new[] { "ab" }, parts[2]);
        Assert.Equal("255,254,104,0,233,0,10,0", parts[3][0]);      // UTF-16 LE with its BOM, "\n" line end
        Assert.Equal(new[] { "hé", "hé" }, parts[3].Skip(1));       // the BOM decides, or -Encoding does
        Assert.Equal(new[] { "0,1,2,255,10" }, parts[4]);
        Assert.Equal(new[] { "0755", "new\n" }, parts[5]);          // a replaced file keeps its mode
    }

    [Fact]
    public void NewMoveRemoveAndPermissions()
    {
        var d = "/tmp/" + Unique("items");
        var r = Run($$"""
            New-DaytonaItem {{d}}/x/y -ItemType Directory -Id $sb.Id | ForEach-Object { "$($_.FullName)|$($_.IsDirectory)" }
            New-DaytonaItem {{d}}/x/y -ItemType Directory -Id $sb.Id -ErrorAction SilentlyContinue -ErrorVariable e1
            (New-DaytonaItem {{d}}/x/y -ItemType Directory -Id $sb.Id -Force).Name
            New-DaytonaItem {{d}}/note.txt -Value 'hello' -Id $sb.Id | ForEach-Object { "$($_.Name)|$($_.Length)" }
            New-DaytonaItem {{d}}/note.txt -Id $sb.Id -ErrorAction SilentlyContinue -ErrorVariable e2
            (Move-DaytonaItem {{d}}/note.txt {{d}}/x -Id $sb.Id -PassThru).FullName
            New-DaytonaItem {{d}}/other.txt -Id $sb.Id | Out-Null
            Move-DaytonaItem {{d}}/other.txt {{d}}/x/note.txt -Id $sb.Id -ErrorAction SilentlyContinue -ErrorVariable e3
            (Set-DaytonaItemPermission {{d}}/x/note.txt -Mode 700 -Id $sb.Id -PassThru).Permissions
            Remove-DaytonaItem {{d}}/x -Id $sb.Id -ErrorAction SilentlyContinue -ErrorVariable e4
            Remove-DaytonaItem {{d}}/nope -Id $sb.Id -ErrorAction SilentlyContinue -ErrorVariable e5
            Get-DaytonaChildItem {{d}} -Id $sb.Id -Filter x | Remove-DaytonaItem -Recurse
            (Get-DaytonaChildItem {{d}} -Id $sb.Id).Name
            @($e1; $e2; $e3; $e4; $e5) | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] + '|' + $_.CategoryInfo.Category }
            """);
        Assert.Null(r.Terminating);
        Assert.Equal(new[]
        {
            $"{d}/x/y|True", "y", "note.txt|5", $"{d}/x/note.txt", "0700", "other.txt",
            "DaytonaPathExists|ResourceExists", "DaytonaPathExists|ResourceExists", "DaytonaPathExists|ResourceExists",
            "DaytonaInvalidArgument|InvalidArgument", "DaytonaPathNotFound|ObjectNotFound",
        }, Ids(r));
    }

    [Fact]
    public void WhatIfChangesNothing()
    {
        var d = "/home/daytona/" + Unique("whatif");
        var r = Run($$"""
            $sb | Invoke-DaytonaCommand "mkdir -p {{d}}/keep && echo same > {{d}}/f.txt && chmod 644 {{d}}/f.txt" | Out-Null
            New-DaytonaItem {{d}}/new -ItemType Directory -Id $sb.Id -WhatIf
            New-DaytonaItem {{d}}/new.txt -Id $sb.Id -WhatIf
            'changed' | Set-DaytonaContent {{d}}/f.txt -Id $sb.Id -WhatIf
            Set-DaytonaContent {{d}}/g.txt -Value x -Id $sb.Id -WhatIf
            Move-DaytonaItem {{d}}/f.txt {{d}}/moved.txt -Id $sb.Id -WhatIf
            Set-DaytonaItemPermission {{d}}/f.txt -Mode 777 -Id $sb.Id -WhatIf
            Remove-DaytonaItem {{d}}/keep -Recurse -Id $sb.Id -WhatIf
            Remove-DaytonaItem {{d}}/f.txt -Id $sb.Id -WhatIf
            ($sb | Invoke-DaytonaCommand "cd {{d}} && ls -A && stat -c %a f.txt && cat f.txt").Stdout
            """);
        r.AssertNoErrors();
        Assert.Equal("f.txt\nkeep\n644\nsame\n", (string)Assert.Single(r.Output).BaseObject);
    }

    [Fact]
    public void MissingPathsDeniedAccessAndStoppedSandboxesHaveTheirIds()
    {
        var r = Run("""
            Get-DaytonaItem /tmp/no-such-thing -Id $sb.Id -ErrorAction SilentlyContinue -ErrorVariable e1
            Get-DaytonaChildItem /home/daytona/no-such-dir -Id $sb.Id -ErrorAction SilentlyContinue -ErrorVariable e2
            Get-DaytonaContent /tmp/no-such-file -Id $sb.Id -ErrorAction SilentlyContinue -ErrorVariable e3
            Remove-DaytonaItem /home/daytona -Recurse -Id $sb.Id -ErrorAction SilentlyContinue -ErrorVariable e4
            $sb | Stop-DaytonaSandbox | Out-Null
            Get-DaytonaChildItem /tmp -Id $sb.Id -ErrorAction SilentlyContinue -ErrorVariable e5
            @($e1; $e2; $e3; $e4; $e5) | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] + '|' + $_.CategoryInfo.Category }
            """);
        Assert.Null(r.Terminating);
        Assert.Equal(new[]
        {
            "DaytonaPathNotFound|ObjectNotFound", "DaytonaPathNotFound|ObjectNotFound", "DaytonaPathNotFound|ObjectNotFound",
            "DaytonaAccessDenied|PermissionDenied", "DaytonaSandboxNotStarted|InvalidOperation",
        }, Ids(r));
    }
}
