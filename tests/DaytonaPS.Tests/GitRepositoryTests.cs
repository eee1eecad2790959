using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>
/// Get-DaytonaGitLog, New-DaytonaGitRepository, Reset-DaytonaGitBranch, Restore-DaytonaGitItem,
/// Get-/Add-DaytonaGitRemote and Set-DaytonaGitCredential against the emulator's real git.
/// </summary>
public sealed class GitRepositoryTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public GitRepositoryTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script, System.Collections.IDictionary? variables = null) =>
        ModuleHost.Run(_emu.Connect() + "$sb = New-DaytonaSandbox\n" + script, variables);

    private static T Prop<T>(PSObject o, string name) => (T)o.Properties[name].Value;

    [Fact]
    public void InitCommitLogRestoreAndReset()
    {
        var r = Run("""
            $st = $sb | New-DaytonaGitRepository repo -InitialBranch trunk -PassThru
            $st.Branch
            $sb | New-DaytonaGitRepository /tmp/bare.git -Bare -Verbose
            ($sb | Invoke-DaytonaCommand 'git --git-dir=/tmp/bare.git rev-parse --is-bare-repository').Stdout.Trim()
            $sb | New-DaytonaGitRepository whatif -WhatIf
            ($sb | Invoke-DaytonaCommand 'test -e whatif && echo made || echo none').Stdout.Trim()
            'one' | Set-DaytonaContent repo/a.txt -Id $sb.Id
            $sb | Add-DaytonaGitItem repo
            $first = $sb | New-DaytonaGitCommit repo 'first commit' -Author 'Ada Lovelace' -Email ada@example.com
            'two' | Set-DaytonaContent repo/a.txt -Id $sb.Id
            $sb | Add-DaytonaGitItem repo
            $second = $sb | New-DaytonaGitCommit repo "second`n`nwith a body" -Author 'Grace Hopper' -Email grace@example.com
            '--log'
            $log = @($sb | Get-DaytonaGitLog repo)
            $log
            ($sb | Get-DaytonaGitLog repo -First 1).Hash -eq $second.Hash
            $log[1].Hash -eq $first.Hash
            $log | Format-Table | Out-String -Width 150
            '--restore'
            'edited' | Set-DaytonaContent repo/a.txt -Id $sb.Id
            $sb | Restore-DaytonaGitItem repo a.txt -WhatIf
            (Get-DaytonaContent repo/a.txt -Id $sb.Id -Raw).Trim()
            $sb | Restore-DaytonaGitItem repo a.txt
            (Get-DaytonaContent repo/a.txt -Id $sb.Id -Raw).Trim()
            $sb | Restore-DaytonaGitItem repo a.txt -Source $first.Hash
            (Get-DaytonaContent repo/a.txt -Id $sb.Id -Raw).Trim()
            '--unstage'
            $sb | Add-DaytonaGitItem repo
            $staged = $sb | Get-DaytonaGitStatus repo
            $staged.Files | ForEach-Object { "$($_.Path) $($_.Staging) $($_.Worktree)" }
            $after = $sb | Reset-DaytonaGitBranch repo -Item a.txt -PassThru
            $after.Files | ForEach-Object { "$($_.Path) $($_.Staging) $($_.Worktree)" }
            '--reset'
            $sb | Reset-DaytonaGitBranch repo HEAD~1 -Mode Hard -WhatIf
            @($sb | Get-DaytonaGitLog repo).Count
            $sb | Reset-DaytonaGitBranch repo HEAD~1 -Mode Hard
            @($sb | Get-DaytonaGitLog repo).Hash -join ','
            (Get-DaytonaContent repo/a.txt -Id $sb.Id -Raw).Trim()
            $sb | Reset-DaytonaGitBranch repo $second.Hash -Mode Soft -PassThru | ForEach-Object { $_.Files | ForEach-Object { "$($_.Path) $($_.Staging) $($_.Worktree)" } }
            """).AssertNoErrors();
        var o = r.Output.Select(x => x.BaseObject).ToList();
        Assert.Equal(new object[] { "trunk", "true", "none" }, o.Take(3));
        Assert.Contains(r.Verbose, v => v.Contains("Created a bare repository", StringComparison.Ordinal));

        var log = r.Output.Skip(o.IndexOf("--log") + 1).Take(2).ToList();
        Assert.All(log, c => Assert.Equal("DaytonaPS.GitCommit", c.BaseObject.GetType().FullName));
        Assert.Equal(("Grace Hopper", "grace@example.com", "second\n\nwith a body", "repo"),
            (Prop<string>(log[0], "Author"), Prop<string>(log[0], "Email"), Prop<string>(log[0], "Message"), Prop<string>(log[0], "RepositoryPath")));
        Assert.Equal(("Ada Lovelace", "first commit"), (Prop<string>(log[1], "Author"), Prop<string>(log[1], "Message")));
        Assert.InRange(DateTimeOffset.UtcNow - Prop<DateTimeOffset>(log[0], "Timestamp"), TimeSpan.FromSeconds(-5), TimeSpan.FromMinutes(10));
        var at = o.IndexOf("--log");
        Assert.Equal(new object[] { true, true }, o.Skip(at + 3).Take(2));
        var table = (string)o[at + 5];
        Assert.Matches(@"ShortHash\s+Date\s+Author\s+Message\s+RepositoryPath", table);
        Assert.Matches(@"\d{4}-\d\d-\d\d \d\d:\d\d\s+Grace Hopper\s+second\s+repo", table);

        var restore = o.Skip(o.IndexOf("--restore") + 1).Take(3).ToList();
        Assert.Equal(new object[] { "edited", "two", "one" }, restore);
        var unstage = o.Skip(o.IndexOf("--unstage") + 1).Take(2).Select(x => x.ToString()).ToList();
        Assert.Equal(new[] { "a.txt Modified Unmodified", "a.txt Unmodified Modified" }, unstage);
        var reset = o.Skip(o.IndexOf("--reset") + 1).ToList();
        Assert.Equal(2, reset[0]);
        var firstHash = Prop<string>(log[1], "Hash");
        Assert.Equal(firstHash, reset[1]);
        Assert.Equal("one", reset[2]); // hard: the working tree follows
        Assert.Equal("a.txt Modified Unmodified", reset[3]); // soft back to second: its change is staged
    }

    [Fact]
    public void BadGitInputIsAClearError()
    {
        var r = Run("""
            $sb | Get-DaytonaGitLog /tmp -ErrorAction SilentlyContinue -ErrorVariable +e1
            $sb | New-DaytonaGitRepository r | Out-Null
            $sb | Get-DaytonaGitLog r -ErrorAction SilentlyContinue -ErrorVariable +e2
            $sb | Restore-DaytonaGitItem r nothing.txt -ErrorAction SilentlyContinue -ErrorVariable +e3
            $e1[0].FullyQualifiedErrorId; $e1[0].CategoryInfo.Category.ToString()
            $e2[0].FullyQualifiedErrorId
            $e3[0].FullyQualifiedErrorId
            try { $sb | New-DaytonaGitRepository x -Bare -PassThru } catch { $_.FullyQualifiedErrorId }
            try { $sb | Reset-DaytonaGitBranch r -Mode Hard -Item a.txt } catch { $_.FullyQualifiedErrorId }
            try { $sb | Add-DaytonaGitRemote r origin 'https://user:hunter2-canary@example.com/r.git' } catch { $_.FullyQualifiedErrorId; $_.Exception.Message -match 'hunter2' }
            """);
        Assert.Null(r.Terminating);
        Assert.Equal(new[]
        {
            "DaytonaNotFound,DaytonaPS.Commands.Git.GetDaytonaGitLogCommand", "ObjectNotFound",
            "DaytonaNotFound,DaytonaPS.Commands.Git.GetDaytonaGitLogCommand", // a repository without commits has no history
            "DaytonaNotFound,DaytonaPS.Commands.Git.RestoreDaytonaGitItemCommand",
            "DaytonaInvalidArgument,DaytonaPS.Commands.Git.NewDaytonaGitRepositoryCommand",
            "DaytonaInvalidArgument,DaytonaPS.Commands.Git.ResetDaytonaGitBranchCommand",
            "DaytonaInvalidArgument,DaytonaPS.Commands.Git.AddDaytonaGitRemoteCommand", "False",
        }, r.Output.Select(x => x.BaseObject.ToString()));
    }

    [Fact]
    public void RemotesAddListReplaceAndFetch_TokensInUrlsAreMasked()
    {
        const string token = "ghp_Canary0123456789";
        var r = Run(GitTests.Seed("/tmp/origin.git") + $$"""
            $sb | New-DaytonaGitRepository repo -InitialBranch main | Out-Null
            $added = $sb | Add-DaytonaGitRemote repo origin file:///tmp/origin.git -Fetch -PassThru -Verbose
            $added
            ($sb | Invoke-DaytonaCommand 'git -C repo rev-parse --verify -q origin/main >/dev/null && echo fetched').Stdout.Trim()
            $sb | Add-DaytonaGitRemote repo origin file:///tmp/other.git -ErrorAction SilentlyContinue -ErrorVariable +taken
            $taken[0].FullyQualifiedErrorId
            $sb | Add-DaytonaGitRemote repo upstream "https://$token@example.com/x.git" -Verbose -WhatIf
            @($sb | Get-DaytonaGitRemote repo).Count
            $sb | Add-DaytonaGitRemote repo upstream "https://$token@example.com/x.git" -Verbose
            $sb | Add-DaytonaGitRemote repo origin file:///tmp/origin2.git -Force
            $all = $sb | Get-DaytonaGitRemote repo
            $all
            ($sb | Get-DaytonaGitRemote repo up*).Name
            '--shown'
            ($all | Out-String) + ($all | Format-List | Out-String) + "$all"
            """, new System.Collections.Hashtable { ["token"] = token }).AssertNoErrors();
        var o = r.Output.Select(x => x.BaseObject).ToList();
        Assert.Equal("DaytonaPS.GitRemote", o[0].GetType().FullName);
        Assert.Equal(("origin", "file:///tmp/origin.git"), (Prop<string>(r.Output[0], "Name"), Prop<string>(r.Output[0], "Url")));
        Assert.Equal("fetched", o[1]); // -Fetch fetched origin/main
        Assert.Equal("DaytonaGitConflict,DaytonaPS.Commands.Git.AddDaytonaGitRemoteCommand", o[2]);
        Assert.Equal(1, o[3]); // -WhatIf added nothing
        var all = r.Output.Skip(4).Take(2).ToDictionary(x => Prop<string>(x, "Name"), x => Prop<string>(x, "Url"));
        Assert.Equal("file:///tmp/origin2.git", all["origin"]);
        Assert.Equal("https://***@example.com/x.git", all["upstream"]);
        Assert.Equal("upstream", o[6]);
        var shown = (string)o[o.IndexOf("--shown") + 1];
        Assert.Contains("https://***@example.com/x.git", shown);
        foreach (var text in r.Output.Select(x => x.BaseObject.ToString()!).Concat(r.Verbose).Concat(r.Debug))
            Assert.DoesNotContain(token, text);
    }

    [Fact]
    public void StoredCredentialAuthenticatesLaterClones_AndNeverShows()
    {
        const string password = "pw-Stored-Canary-52b1";
        var server = Path.Combine(ModuleHost.RepoRoot, "tests", "assets", "git-http-server.py");
        var r = Run(GitTests.Seed("/tmp/srv/app.git") + $$"""
            Copy-DaytonaItem -Path $server -Destination /tmp/git-http-server.py -ToSandbox $sb
            Set-DaytonaContent /tmp/secret -Value "tester:$password" -Id $sb.Id
            $sb | Invoke-DaytonaCommand 'nohup python3 /tmp/git-http-server.py /tmp/srv /tmp/port /tmp/secret /tmp/seen > /tmp/server.log 2>&1 &' | Out-Null
            $port = $null
            foreach ($i in 1..100) {
                $port = ($sb | Invoke-DaytonaCommand 'cat /tmp/port 2>/dev/null').Stdout.Trim()
                if ($port) { break }
                Start-Sleep -Milliseconds 200
            }
            if (-not $port) { throw 'the git server did not start' }
            $url = "http://127.0.0.1:$port/app.git"
            $good = [pscredential]::new('tester', (ConvertTo-SecureString $password -AsPlainText -Force))

            $sb | Set-DaytonaGitCredential $good -HostName "127.0.0.1:$port" -Protocol http -WhatIf
            $sb | Copy-DaytonaGitRepository $url before -ErrorAction SilentlyContinue -ErrorVariable +failed
            $sb | Set-DaytonaGitCredential $good -HostName "127.0.0.1:$port" -Protocol http -Verbose -Debug
            $sb | Copy-DaytonaGitRepository $url app -PassThru -Verbose
            'change' | Set-DaytonaContent app/change.txt -Id $sb.Id
            $sb | Add-DaytonaGitItem app
            $sb | New-DaytonaGitCommit app 'with the stored credential' -Author Ada -Email ada@example.com | Out-Null
            $sb | Push-DaytonaGitBranch app
            ($sb | Invoke-DaytonaCommand 'git --git-dir=/tmp/srv/app.git log -1 --format=%s main').Stdout.Trim()
            '--failures'
            $failed | ForEach-Object { $_.FullyQualifiedErrorId; $_.ToString(); $_.Exception.Message }
            '--seen'
            ($sb | Invoke-DaytonaCommand 'cat /tmp/seen').Stdout
            '--store'
            ($sb | Invoke-DaytonaCommand 'stat -c %a ~/.git-credentials; grep -c "^http://tester:" ~/.git-credentials; cat ~/.bash_history 2>/dev/null; cat app/.git/config').Stdout
            """, new System.Collections.Hashtable { ["server"] = server, ["password"] = password });
        r.AssertNoErrors();
        var lines = r.Output.Select(o => o.BaseObject.ToString()!).ToList();
        Assert.Equal("main", Prop<string>(r.Output[0], "Branch"));
        Assert.Equal("with the stored credential", lines[1]);
        var failures = lines.Skip(lines.IndexOf("--failures") + 1).Take(lines.IndexOf("--seen") - lines.IndexOf("--failures") - 1).ToList();
        Assert.StartsWith("DaytonaGitAuthenticationFailed,", failures[0]); // -WhatIf stored nothing
        var store = lines[lines.IndexOf("--store") + 1];
        Assert.StartsWith("600\n1\n", store); // git's credential store: the one place it is kept, readable by the user only
        Assert.DoesNotContain(password, store.Substring(6));
        var seen = lines[lines.IndexOf("--seen") + 1];
        Assert.Contains("clone --single-branch --progress -- http://127.0.0.1:", seen);
        Assert.DoesNotContain(password, seen);
        Assert.DoesNotContain("tester", seen);
        foreach (var text in lines.Concat(r.Verbose).Concat(r.Debug).Concat(r.Warnings))
            Assert.DoesNotContain(password, text);
        Assert.Contains(r.Verbose, v => v.Contains("/git/credentials", StringComparison.Ordinal));
    }
}
