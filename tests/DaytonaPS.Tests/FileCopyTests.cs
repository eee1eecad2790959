using System.Management.Automation;
using System.Security.Cryptography;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>Copy-DaytonaItem through the built module against the in-process emulator.</summary>
public sealed class FileCopyTests : IClassFixture<EmulatorFixture>, IDisposable
{
    private readonly EmulatorFixture _emu;
    private readonly string _local = Path.Combine(Path.GetTempPath(), "dps-copy-" + Guid.NewGuid().ToString("N")[..8]);

    public FileCopyTests(EmulatorFixture emu)
    {
        _emu = emu;
        Directory.CreateDirectory(_local);
    }

    public void Dispose()
    {
        try { Directory.Delete(_local, recursive: true); } catch (IOException) { }
    }

    private PsResult Run(string script) =>
        ModuleHost.Run(_emu.Connect() + "$sb = New-DaytonaSandbox\n$ProgressPreference = 'SilentlyContinue'\n" + script, new Dictionary<string, object> { ["local"] = _local });

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>SHA-256 of every file below a folder, by '/'-separated relative path.</summary>
    private static SortedDictionary<string, string> Hashes(string root) => new(
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(root, f).Replace('\\', '/'),
            f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))).ToLowerInvariant()), StringComparer.Ordinal);

    private static string Sha256File(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    /// <summary>A tree with nested folders, spaces, unicode names, an empty folder and an executable script.</summary>
    private string MakeTree(string name)
    {
        var root = Path.Combine(_local, name);
        Directory.CreateDirectory(Path.Combine(root, "nested", "deeper", "deepest"));
        Directory.CreateDirectory(Path.Combine(root, "empty folder"));
        Directory.CreateDirectory(Path.Combine(root, "ünïcødé 日本"));
        File.WriteAllText(Path.Combine(root, "readme.md"), "# hello\n");
        File.WriteAllText(Path.Combine(root, "with space.txt"), "spaced out\n");
        File.WriteAllText(Path.Combine(root, "ünïcødé 日本", "файл.txt"), "привет ✓\n");
        File.WriteAllBytes(Path.Combine(root, "nested", "deeper", "deepest", "data.bin"), RandomNumberGenerator.GetBytes(300_000));
        File.WriteAllBytes(Path.Combine(root, "nested", "zero.bin"), Array.Empty<byte>());
        var script = Path.Combine(root, "run.sh");
        File.WriteAllText(script, "#!/bin/sh\necho ran\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, (UnixFileMode)Convert.ToInt32("755", 8));
        for (var i = 0; i < 150; i++) File.WriteAllText(Path.Combine(root, "nested", $"small-{i:D3}.txt"), $"file {i}\n");
        return root;
    }

    private static string Stdout(PsResult r) => (string)Assert.Single(r.AssertNoErrors().Output).Properties["Stdout"].Value;

    [Fact]
    public void FolderRoundTripKeepsContentsEmptyFoldersAndTheExecutableBit()
    {
        var tree = MakeTree("tree");
        var remote = "/home/daytona/" + Unique("tree");
        var back = Path.Combine(_local, "back");
        var r = Run($$"""
            Copy-DaytonaItem -Path (Join-Path $local tree) -Destination '{{remote}}' -ToSandbox $sb -Recurse
            $sb | Invoke-DaytonaCommand "cd '{{remote}}' && test -x run.sh && ./run.sh && test -d 'empty folder' && find . -type f | wc -l"
            Copy-DaytonaItem -Path '{{remote}}' -Destination (Join-Path $local back) -FromSandbox $sb -Recurse
            """);
        r.AssertNoErrors();
        Assert.Equal("ran\n156\n", (string)Assert.Single(r.Output).Properties["Stdout"].Value);
        // -FromSandbox into a folder that does not exist: the folder becomes the copy.
        Assert.Equal(Hashes(tree), Hashes(back));
        Assert.True(Directory.Exists(Path.Combine(back, "empty folder")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.True((File.GetUnixFileMode(Path.Combine(back, "run.sh")) & UnixFileMode.UserExecute) != 0, "run.sh lost its executable bit");
            Assert.True((File.GetUnixFileMode(Path.Combine(back, "readme.md")) & UnixFileMode.UserExecute) == 0, "readme.md became executable");
        }
        Assert.Empty(Directory.EnumerateFiles(_local, "*.part", SearchOption.AllDirectories));
    }

    [Fact]
    public void AFolderTravelsInBulkRequests_NotOneRequestPerFile()
    {
        var tree = MakeTree(Unique("bulk"));
        var remote = "/home/daytona/" + Unique("bulk");
        var r = Run($$"""
            Copy-DaytonaItem -Path '{{tree}}' -Destination '{{remote}}' -ToSandbox $sb -Recurse -Verbose
            '--down'
            Copy-DaytonaItem -Path '{{remote}}' -Destination (Join-Path $local bulk-back) -FromSandbox $sb -Recurse -Verbose
            """).AssertNoErrors();
        var down = r.Verbose.SkipWhile(v => !v.Contains("Copied '" + tree, StringComparison.Ordinal)).Skip(1).ToList();
        var up = r.Verbose.TakeWhile(v => !v.Contains("Copied '" + tree, StringComparison.Ordinal)).ToList();
        // 157 files: one bulk request each way (up to 1,000 files per request), no per-file transfer.
        Assert.Single(up, v => v.Contains("/files/bulk-upload", StringComparison.Ordinal));
        Assert.DoesNotContain(up, v => v.Contains("/files/upload", StringComparison.Ordinal) && !v.Contains("bulk-upload", StringComparison.Ordinal));
        Assert.Single(down, v => v.Contains("/files/bulk-download", StringComparison.Ordinal));
        Assert.DoesNotContain(down, v => v.Contains("/files/download", StringComparison.Ordinal) && !v.Contains("bulk-download", StringComparison.Ordinal));
        Assert.Equal(Hashes(tree), Hashes(Path.Combine(_local, "bulk-back")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_local, "bulk-back"), "*.part", SearchOption.AllDirectories));
        if (!OperatingSystem.IsWindows())
            Assert.True(File.GetUnixFileMode(Path.Combine(_local, "bulk-back", "run.sh")).HasFlag(UnixFileMode.UserExecute));
    }

    [Fact]
    public void FromSandboxIntoAnExistingFolderCopiesIntoIt()
    {
        var tree = MakeTree("src");
        var remote = "/tmp/" + Unique("up");
        var into = Directory.CreateDirectory(Path.Combine(_local, "existing")).FullName;
        var r = Run($$"""
            Copy-DaytonaItem (Join-Path $local src) '{{remote}}/' -ToSandbox $sb.Id -Recurse
            Copy-DaytonaItem '{{remote}}/src' (Join-Path $local existing) -FromSandbox $sb -Recurse -PassThru
            Copy-DaytonaItem '{{remote}}/src/readme.md' (Join-Path $local existing) -FromSandbox $sb -PassThru
            """);
        r.AssertNoErrors();
        Assert.Equal(Hashes(tree), Hashes(Path.Combine(into, "src")));
        Assert.Equal("# hello\n", File.ReadAllText(Path.Combine(into, "readme.md")));
        Assert.Collection(r.Output,
            o => Assert.Equal(Path.Combine(into, "src"), ((DirectoryInfo)o.BaseObject).FullName),
            o => Assert.Equal(Path.Combine(into, "readme.md"), ((FileInfo)o.BaseObject).FullName));
    }

    [Fact]
    public void PipedSandboxesWildcardsExcludeAndPassThru()
    {
        MakeTree("w");
        File.WriteAllText(Path.Combine(_local, "w", "skip.tmp"), "no");
        var remote = "/home/daytona/" + Unique("wild");
        var r = Run($$"""
            $sb | Copy-DaytonaItem (Join-Path $local 'w/*.md'), (Join-Path $local 'w/*.sh') '{{remote}}' -PassThru
            $sb | Copy-DaytonaItem (Join-Path $local w) '{{remote}}/tree' -Recurse -Exclude '*.tmp', deeper
            $sb | Invoke-DaytonaCommand "cd '{{remote}}' && ls -p && find tree -name skip.tmp -o -name deeper | wc -l"
            Copy-DaytonaItem '{{remote}}/*.md' (Join-Path $local down/) -FromSandbox $sb
            """);
        r.AssertNoErrors();
        var infos = r.Output.Take(2).ToList();
        Assert.All(infos, i => Assert.Equal("DaytonaPS.FileInfo", i.BaseObject.GetType().FullName));
        Assert.Equal(new[] { remote + "/readme.md", remote + "/run.sh" }, infos.Select(i => (string)i.Properties["FullName"].Value));
        Assert.True((bool)infos[1].Properties["IsExecutable"].Value);
        Assert.False((bool)infos[0].Properties["IsExecutable"].Value);
        Assert.Equal("readme.md\nrun.sh\ntree/\n0\n", (string)r.Output[2].Properties["Stdout"].Value);
        Assert.Equal(new[] { "readme.md" }, Directory.GetFiles(Path.Combine(_local, "down")).Select(Path.GetFileName));
    }

    [Fact]
    public void ToSeveralSandboxesAtOnceWithLinksFollowedOrSkipped()
    {
        var tree = MakeTree("links");
        File.CreateSymbolicLink(Path.Combine(tree, "link-to-readme"), Path.Combine(tree, "readme.md"));
        Directory.CreateSymbolicLink(Path.Combine(tree, "link-to-nested"), Path.Combine(tree, "nested"));
        var remote = "/tmp/" + Unique("fan");
        var r = Run($$"""
            $other = New-DaytonaSandbox
            Copy-DaytonaItem (Join-Path $local links) '{{remote}}' -ToSandbox $sb, $other -Recurse -WarningVariable w
            $sb, $other | ForEach-Object { ($_ | Invoke-DaytonaCommand "cd '{{remote}}' && cat link-to-readme && test ! -e link-to-nested && find . -type f | wc -l").Stdout }
            $w.Count
            """);
        r.AssertNoErrors();
        Assert.Equal(new object[] { "# hello\n157\n", "# hello\n157\n", 2 }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void OverwritingWithoutForceIsRefusedBothWays()
    {
        MakeTree("o");
        var parent = "/tmp/" + Unique("over");
        var r = Run($$"""
            Copy-DaytonaItem (Join-Path $local o) '{{parent}}/' -ToSandbox $sb -Recurse
            Set-Content -LiteralPath (Join-Path $local o/readme.md) -Value 'changed' -NoNewline
            Copy-DaytonaItem (Join-Path $local o) '{{parent}}' -ToSandbox $sb -Recurse -ErrorAction SilentlyContinue -ErrorVariable e1
            Copy-DaytonaItem (Join-Path $local o/readme.md) '{{parent}}/o/readme.md' -ToSandbox $sb -ErrorAction SilentlyContinue -ErrorVariable e2
            Copy-DaytonaItem '{{parent}}/o/with space.txt' (Join-Path $local o/readme.md) -FromSandbox $sb -ErrorAction SilentlyContinue -ErrorVariable e3
            Copy-DaytonaItem '{{parent}}/o' $local -FromSandbox $sb -Recurse -ErrorAction SilentlyContinue -ErrorVariable e4
            @($e1; $e2; $e3; $e4) | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] + '|' + $_.CategoryInfo.Category }
            (Invoke-DaytonaCommand -Id $sb.Id "cat '{{parent}}/o/readme.md'").Stdout
            Get-Content -LiteralPath (Join-Path $local o/readme.md) -Raw
            Copy-DaytonaItem (Join-Path $local o/readme.md) '{{parent}}/o/readme.md' -ToSandbox $sb -Force
            (Invoke-DaytonaCommand -Id $sb.Id "cat '{{parent}}/o/readme.md'").Stdout
            Copy-DaytonaItem '{{parent}}/o/with space.txt' (Join-Path $local o/readme.md) -FromSandbox $sb -Force
            Get-Content -LiteralPath (Join-Path $local o/readme.md) -Raw
            """);
        Assert.Null(r.Terminating);
        var lines = r.Output.Select(o => (string)o.BaseObject).ToList();
        Assert.Equal(Enumerable.Repeat("DaytonaPathExists|ResourceExists", 4), lines.Take(4));
        Assert.Equal("# hello\n", lines[4]);   // the sandbox copy was left alone
        Assert.Equal("changed", lines[5]);     // and so was the local file
        Assert.Equal("changed", lines[6]);     // -Force replaces
        Assert.Equal("spaced out\n", lines[7]);
        Assert.Equal(8, lines.Count);
    }

    [Fact]
    public void MissingPathsAreDaytonaPathNotFound()
    {
        var r = Run($$"""
            Copy-DaytonaItem (Join-Path $local nope.txt) /tmp/x -ToSandbox $sb -ErrorAction SilentlyContinue -ErrorVariable e1
            Copy-DaytonaItem /home/daytona/no-such-file (Join-Path $local x) -FromSandbox $sb -ErrorAction SilentlyContinue -ErrorVariable e2
            Copy-DaytonaItem '/home/daytona/no-such-*' (Join-Path $local x) -FromSandbox $sb -ErrorAction SilentlyContinue -ErrorVariable e3
            @($e1; $e2; $e3) | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] + '|' + $_.CategoryInfo.Category }
            """);
        Assert.Equal(Enumerable.Repeat("DaytonaPathNotFound|ObjectNotFound", 3), r.Output.Select(o => (string)o.BaseObject));
        Assert.False(File.Exists(Path.Combine(_local, "x")));
    }

    [Fact]
    public void WhatIfCopiesNothing()
    {
        MakeTree("wi");
        var remote = "/tmp/" + Unique("whatif");
        var r = Run($$"""
            Copy-DaytonaItem (Join-Path $local wi) '{{remote}}' -ToSandbox $sb -Recurse -WhatIf
            Copy-DaytonaItem (Join-Path $local wi/readme.md) '{{remote}}.md' -ToSandbox $sb -WhatIf
            (Invoke-DaytonaCommand -Id $sb.Id "ls -d '{{remote}}' '{{remote}}.md' 2>/dev/null | wc -l").Stdout
            Invoke-DaytonaCommand -Id $sb.Id "mkdir -p '{{remote}}-src' && echo x > '{{remote}}-src/f'" | Out-Null
            Copy-DaytonaItem '{{remote}}-src' (Join-Path $local wi-down) -FromSandbox $sb -Recurse -WhatIf
            Copy-DaytonaItem '{{remote}}-src/f' (Join-Path $local wi-f) -FromSandbox $sb -WhatIf
            """);
        r.AssertNoErrors();
        Assert.Equal("0\n", (string)Assert.Single(r.Output).BaseObject);
        Assert.False(Directory.Exists(Path.Combine(_local, "wi-down")));
        Assert.False(File.Exists(Path.Combine(_local, "wi-f")));
    }

    [Fact]
    public void LargeFileRoundTripStreams()
    {
        var big = Path.Combine(_local, "big.bin");
        using (var f = File.Create(big))
        {
            var chunk = new byte[1024 * 1024];
            for (var i = 0; i < 256; i++)
            {
                RandomNumberGenerator.Fill(chunk);
                f.Write(chunk);
            }
        }
        var remote = "/tmp/" + Unique("big") + ".bin";
        var r = Run($$"""
            Copy-DaytonaItem (Join-Path $local big.bin) '{{remote}}' -ToSandbox $sb
            $sb | Invoke-DaytonaCommand "sha256sum '{{remote}}' | cut -d' ' -f1"
            Copy-DaytonaItem '{{remote}}' (Join-Path $local big-back.bin) -FromSandbox $sb
            """);
        r.AssertNoErrors();
        var expected = Sha256File(big);
        Assert.Equal(expected + "\n", (string)Assert.Single(r.Output).Properties["Stdout"].Value);
        Assert.Equal(expected, Sha256File(Path.Combine(_local, "big-back.bin")));
    }
}

/// <summary>Copy-DaytonaItem against a scripted server: names from the sandbox that would escape the destination.</summary>
public sealed class FileCopyEscapeTests : IAsyncLifetime
{
    private FakeDaytona _fake = null!;
    private readonly string _local = Path.Combine(Path.GetTempPath(), "dps-escape-" + Guid.NewGuid().ToString("N")[..8]);

    public async Task InitializeAsync() => _fake = await FakeDaytona.StartAsync();

    public async Task DisposeAsync()
    {
        await _fake.DisposeAsync();
        try { Directory.Delete(_local, recursive: true); } catch (IOException) { }
    }

    [Theory]
    [InlineData("/home/daytona/src/../../../tmp/evil")]
    [InlineData("/home/daytona/src/a/../../../evil")]
    [InlineData("/etc/passwd")]
    [InlineData("/home/daytona/srcx/evil")]
    public void ARemoteNameThatWouldLeaveTheDestinationRefusesTheWholeCopy(string evilPath)
    {
        var toolbox = _fake.ApiUrl[..^"/api".Length] + "/toolbox";
        _fake.Enqueue(200, $$"""{"id":"sb1","name":"sb1","state":"started","toolboxProxyUrl":"{{toolbox}}"}""");
        _fake.Enqueue(200, """{"name":"src","path":"/home/daytona/src","isDir":true,"size":4096,"mode":"drwxr-xr-x","permissions":"0755"}""");
        _fake.Enqueue(200, $$"""
            [{"name":"ok.txt","path":"/home/daytona/src/ok.txt","isDir":false,"size":2,"mode":"-rw-r--r--","permissions":"0644"},
             {"name":"evil","path":"{{evilPath}}","isDir":false,"size":2,"mode":"-rw-r--r--","permissions":"0644"}]
            """);
        var r = ModuleHost.Run(
            $"Connect-Daytona -ApiKey (ConvertTo-SecureString 'k' -AsPlainText -Force) -ApiUrl '{_fake.ApiUrl}' -SkipValidation\n" +
            "Copy-DaytonaItem /home/daytona/src $target -FromSandbox sb1 -Recurse",
            new Dictionary<string, object> { ["target"] = Path.Combine(_local, "out") });
        var error = Assert.Single(r.Errors);
        Assert.StartsWith("DaytonaInvalidArgument,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.SecurityError, error.CategoryInfo.Category);
        Assert.DoesNotContain(_fake.Requests, q => q.Path.Contains("/files/download"));
        Assert.False(Directory.Exists(_local), "nothing may be written");
    }
}

/// <summary>Copy-DaytonaItem against a scripted bulk-download reply: error parts and files left out.</summary>
public sealed class FileCopyBulkReplyTests : IAsyncLifetime
{
    private FakeDaytona _fake = null!;
    private readonly string _local = Path.Combine(Path.GetTempPath(), "dps-bulkreply-" + Guid.NewGuid().ToString("N")[..8]);

    public async Task InitializeAsync() => _fake = await FakeDaytona.StartAsync();

    public async Task DisposeAsync()
    {
        await _fake.DisposeAsync();
        try { Directory.Delete(_local, recursive: true); } catch (IOException) { }
    }

    private PsResult Copy(string bulkReply)
    {
        var toolbox = _fake.ApiUrl[..^"/api".Length] + "/toolbox";
        _fake.Enqueue(200, $$"""{"id":"sb1","name":"sb1","state":"started","toolboxProxyUrl":"{{toolbox}}"}""");
        _fake.Enqueue(200, """{"name":"src","path":"/home/daytona/src","isDir":true,"size":4096,"mode":"drwxr-xr-x","permissions":"0755"}""");
        _fake.Enqueue(200, """
            [{"name":"ok \"q\".txt","path":"/home/daytona/src/ok \"q\".txt","isDir":false,"size":2,"mode":"-rw-r--r--","permissions":"0644"},
             {"name":"gone.txt","path":"/home/daytona/src/gone.txt","isDir":false,"size":2,"mode":"-rw-r--r--","permissions":"0644"}]
            """);
        _fake.Enqueue(200, bulkReply.Replace("\n", "\r\n"), ("Content-Type", "multipart/form-data; boundary=b0undary"));
        return ModuleHost.Run(
            $"Connect-Daytona -ApiKey (ConvertTo-SecureString 'k' -AsPlainText -Force) -ApiUrl '{_fake.ApiUrl}' -SkipValidation\n" +
            "Copy-DaytonaItem /home/daytona/src $target -FromSandbox sb1 -Recurse",
            new Dictionary<string, object> { ["target"] = Path.Combine(_local, "out") });
    }

    [Fact]
    public void AnErrorPartIsThatFilesError_TheOtherFilesStillArrive()
    {
        // Go's mime/multipart quotes a filename with backslashes: the part is matched to its request all the same.
        var r = Copy("""
            --b0undary
            Content-Disposition: form-data; name="file"; filename="/home/daytona/src/ok \"q\".txt"
            Content-Type: application/octet-stream

            ok
            --b0undary
            Content-Disposition: form-data; name="error"; filename="/home/daytona/src/gone.txt"
            Content-Type: application/json

            {"statusCode":404,"message":"file not found: /home/daytona/src/gone.txt","code":"NOT_FOUND"}
            --b0undary--

            """);
        var error = Assert.Single(r.Errors);
        Assert.StartsWith("DaytonaPathNotFound,", error.FullyQualifiedErrorId);
        Assert.Contains("gone.txt", error.ToString());
        var bulk = Assert.Single(_fake.Requests, q => q.Path.EndsWith("/files/bulk-download", StringComparison.Ordinal));
        Assert.Equal("POST", bulk.Method);
        Assert.DoesNotContain(_fake.Requests, q => q.Path.Contains("/files/download", StringComparison.Ordinal));
        Assert.Equal("ok", File.ReadAllText(Path.Combine(_local, "out", "ok \"q\".txt")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_local, "out"), "*.part", SearchOption.AllDirectories));
    }

    [Fact]
    public void AFileTheReplyLeavesOutIsAnError()
    {
        var r = Copy("""
            --b0undary
            Content-Disposition: form-data; name="file"; filename="/home/daytona/src/gone.txt"
            Content-Type: application/octet-stream

            gg
            --b0undary--

            """);
        var error = Assert.Single(r.Errors);
        Assert.Contains("sent nothing for '/home/daytona/src/ok \"q\".txt'", error.ToString());
        Assert.Equal("gg", File.ReadAllText(Path.Combine(_local, "out", "gone.txt")));
    }
}

/// <summary>Ctrl+C in the middle of a copy: the cmdlet stops within a second and no temp file is left on either side.</summary>
public sealed class FileCopyCancellationTests : IClassFixture<EmulatorFixture>, IDisposable
{
    private readonly EmulatorFixture _emu;
    private readonly string _local = Path.Combine(Path.GetTempPath(), "dps-cancel-" + Guid.NewGuid().ToString("N")[..8]);

    public FileCopyCancellationTests(EmulatorFixture emu)
    {
        _emu = emu;
        Directory.CreateDirectory(_local);
    }

    public void Dispose()
    {
        try { Directory.Delete(_local, recursive: true); } catch (IOException) { }
    }

    private void StopOnFirstProgress(System.Management.Automation.Runspaces.Runspace rs, string script)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = rs;
        ps.AddScript(script);
        var stopped = new ManualResetEventSlim();
        var watch = new System.Diagnostics.Stopwatch();
        ps.Streams.Progress.DataAdded += (_, e) =>
        {
            var record = ps.Streams.Progress[e.Index];
            if (record.RecordType == ProgressRecordType.Completed || stopped.IsSet) return;
            stopped.Set();
            watch.Start();
            ps.BeginStop(_ => watch.Stop(), null);
        };
        var handle = ps.BeginInvoke();
        Assert.True(stopped.Wait(TimeSpan.FromSeconds(60)), "no progress was reported");
        Assert.True(handle.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)));
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"Stop took {watch.ElapsedMilliseconds} ms");
    }

    private static void WriteBigFile(string path, int mebibytes)
    {
        using var f = File.Create(path);
        var chunk = new byte[1024 * 1024];
        for (var i = 0; i < mebibytes; i++)
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(chunk);
            f.Write(chunk);
        }
    }

    [Fact]
    public void StoppingAnUploadLeavesNoTempFileInTheSandbox()
    {
        WriteBigFile(Path.Combine(_local, "big.bin"), 256);
        var dir = "/tmp/cancel-up-" + Guid.NewGuid().ToString("N")[..8];
        using var rs = ModuleHost.OpenRunspace();
        ModuleHost.Run(rs, _emu.Connect() + $"$sb = New-DaytonaSandbox; Invoke-DaytonaCommand -Id $sb.Id 'mkdir -p {dir}' | Out-Null").AssertNoErrors();
        StopOnFirstProgress(rs, $"Copy-DaytonaItem '{Path.Combine(_local, "big.bin")}' {dir}/big.bin -ToSandbox $sb");
        // The sandbox notices the aborted request and removes its temp file; give it time (a state check, not a timing assertion).
        string listing = "";
        for (var i = 0; i < 50; i++)
        {
            listing = (string)ModuleHost.Run(rs, $"(Invoke-DaytonaCommand -Id $sb.Id 'ls -A {dir}').Stdout").AssertNoErrors().Output.Single().BaseObject;
            if (!listing.Contains(".upload-")) break;
            Thread.Sleep(200);
        }
        Assert.DoesNotContain(".upload-", listing);
    }

    [Fact]
    public void StoppingADownloadLeavesNoTempFileHere()
    {
        using var rs = ModuleHost.OpenRunspace();
        var dir = "/tmp/cancel-down-" + Guid.NewGuid().ToString("N")[..8];
        ModuleHost.Run(rs, _emu.Connect() + $"$sb = New-DaytonaSandbox; Invoke-DaytonaCommand -Id $sb.Id 'mkdir -p {dir} && head -c 268435456 /dev/urandom > {dir}/big.bin'  | Out-Null").AssertNoErrors();
        StopOnFirstProgress(rs, $"Copy-DaytonaItem {dir} '{Path.Combine(_local, "down")}' -FromSandbox $sb -Recurse");
        string[] left = Array.Empty<string>();
        for (var i = 0; i < 50; i++)
        {
            left = Directory.EnumerateFiles(_local, "*", SearchOption.AllDirectories).ToArray();
            if (left.Length == 0) break;
            Thread.Sleep(200);
        }
        Assert.Empty(left);
    }
}
