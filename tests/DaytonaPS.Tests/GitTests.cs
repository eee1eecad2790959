using System.Management.Automation;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>
/// The *-DaytonaGit* cmdlets against the emulator, whose git routes run the real git inside the
/// sandbox: a bare repository in the sandbox over file://, and one served inside the sandbox over
/// smart HTTP with basic auth (git http-backend behind tests/assets/git-http-server.py).
/// </summary>
public sealed class GitTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;

    public GitTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script, System.Collections.IDictionary? variables = null) =>
        ModuleHost.Run(_emu.Connect() + "$sb = New-DaytonaSandbox\n" + script, variables);

    private static T Prop<T>(PSObject o, string name) => (T)o.Properties[name].Value;

    /// <summary>A GitStatus's files as "path staging worktree".</summary>
    private static IEnumerable<string> Files(PSObject status) =>
        ((System.Collections.IEnumerable)Prop<object>(status, "Files")).Cast<object>().Select(PSObject.AsPSObject)
            .Select(f => $"{Prop<string>(f, "Path")} {Prop<object>(f, "Staging")} {Prop<object>(f, "Worktree")}");

    /// <summary>Makes BARE (a bare repository with main: README.md) inside the sandbox $sb.</summary>
    internal static string Seed(string bare) => $$"""
        $seed = $sb | Invoke-DaytonaCommand @'
        set -e
        git init -q --bare -b main {{bare}}
        git init -q -b main /tmp/seed && cd /tmp/seed
        echo hello > README.md && git add README.md
        git -c user.name=seed -c user.email=seed@example.com commit -q -m first
        git push -q {{bare}} main
        '@
        if ($seed.ExitCode -ne 0) { throw "seed failed: $($seed.Stdout) $($seed.Stderr)" }

        """;

    [Fact]
    public void CloneChangeCommitPushAndBranchesOverFileUrl()
    {
        var r = Run(Seed("/tmp/origin.git") + """
            $clone = $sb | Copy-DaytonaGitRepository file:///tmp/origin.git repo -Branch main -PassThru
            $clone
            'new' | Set-DaytonaContent repo/new.txt -Id $sb.Id
            'more' | Set-DaytonaContent repo/README.md -Id $sb.Id
            $changed = $clone | Get-DaytonaGitStatus -Id $sb.Id
            $changed
            $staged = $sb | Add-DaytonaGitItem repo -PassThru
            $staged
            $commit = $sb | New-DaytonaGitCommit repo 'Add new.txt' -Author 'Ada Lovelace' -Email ada@example.com
            $commit
            $sb | Get-DaytonaGitStatus repo
            $sb | Push-DaytonaGitBranch repo -PassThru
            ($sb | Invoke-DaytonaCommand 'git --git-dir=/tmp/origin.git log -1 --format="%H|%an|%s" main').Stdout.Trim()
            $sb | New-DaytonaGitBranch repo topic
            $sb | Get-DaytonaGitBranch repo
            $sb | Switch-DaytonaGitBranch repo main -PassThru
            $sb | Get-DaytonaGitBranch repo top* | Remove-DaytonaGitBranch -Id $sb.Id -Confirm:$false
            @($sb | Get-DaytonaGitBranch repo).Name -join ','
            """);
        r.AssertNoErrors();
        var o = r.Output;
        Assert.Equal("DaytonaPS.GitStatus", o[0].BaseObject.GetType().FullName);
        Assert.Equal("main", Prop<string>(o[0], "Branch"));
        Assert.Equal("origin/main", Prop<string>(o[0], "Upstream"));
        Assert.True(Prop<bool>(o[0], "IsClean"));
        Assert.Equal("repo", Prop<string>(o[0], "RepositoryPath"));

        Assert.Equal(new[] { "README.md Unmodified Modified", "new.txt Untracked Untracked" }, Files(o[1]));
        Assert.Equal(new[] { "README.md Modified Unmodified", "new.txt Added Unmodified" }, Files(o[2]));

        Assert.Equal("DaytonaPS.GitCommit", o[3].BaseObject.GetType().FullName);
        var hash = Prop<string>(o[3], "Hash");
        Assert.Matches("^[0-9a-f]{40}$", hash);
        Assert.Equal(hash[..7], Prop<string>(o[3], "ShortHash"));
        Assert.Equal((1, 0, true), (Prop<int>(o[4], "Ahead"), Prop<int>(o[4], "Behind"), Prop<bool>(o[4], "IsClean")));
        Assert.Equal(0, Prop<int>(o[5], "Ahead"));
        Assert.Equal($"{hash}|Ada Lovelace|Add new.txt", o[6].BaseObject);

        Assert.Equal(("topic", true), (Prop<string>(o[7], "Name"), Prop<bool>(o[7], "IsCurrent")));
        Assert.Equal(new[] { ("main", false), ("topic", true) }, o.Skip(8).Take(2).Select(b => (Prop<string>(b, "Name"), Prop<bool>(b, "IsCurrent"))));
        Assert.Equal("main", Prop<string>(o[10], "Branch"));
        Assert.Equal("main", o[11].BaseObject);
    }

    [Fact]
    public void StatusViewsAndFailures()
    {
        var r = Run(Seed("/tmp/origin.git") + """
            $sb | Copy-DaytonaGitRepository file:///tmp/origin.git r | Out-Null
            $sb | Invoke-DaytonaCommand 'echo x >> r/README.md && echo y > r/untracked.txt' | Out-Null
            $st = $sb | Get-DaytonaGitStatus r
            $st | Out-String -Width 150
            $st.Files | Out-String -Width 150
            $st | Format-List | Out-String -Width 150
            $sb | Get-DaytonaGitStatus /tmp -ErrorAction SilentlyContinue -ErrorVariable +notRepo
            $sb | Switch-DaytonaGitBranch r no-such-branch -ErrorAction SilentlyContinue -ErrorVariable +noBranch
            $sb | Copy-DaytonaGitRepository file:///tmp/origin.git r -ErrorAction SilentlyContinue -ErrorVariable +exists
            $sb | Copy-DaytonaGitRepository file:///tmp/origin.git whatif -WhatIf
            ($sb | Invoke-DaytonaCommand 'test -e whatif && echo made || echo none').Stdout.Trim()
            $notRepo[0].FullyQualifiedErrorId; $notRepo[0].CategoryInfo.Category.ToString()
            $noBranch[0].FullyQualifiedErrorId
            $exists[0].FullyQualifiedErrorId
            try { $sb | Copy-DaytonaGitRepository 'https://user:hunter2@example.com/r.git' x } catch { $_.FullyQualifiedErrorId; $_.Exception.Message -match 'hunter2' }
            """);
        var text = string.Join("\n", r.Output.Take(3).Select(o => o.BaseObject.ToString()));
        Assert.Matches(@"Branch\s+Upstream\s+Ahead\s+Behind\s+Changes\s+RepositoryPath", text);
        Assert.Matches(@"main\s+origin/main\s+0\s+0\s+2\s+r", text);
        Assert.Matches(@"Staging\s+Worktree\s+Path", text);
        Assert.Matches(@"Unmodified\s+Modified\s+README\.md", text);
        Assert.Matches(@"Untracked\s+Untracked\s+untracked\.txt", text);
        Assert.Matches(@"Files\s+: Unmodified Modified\s+README\.md", text);
        var rest = r.Output.Skip(3).Select(o => o.BaseObject.ToString()).ToList();
        Assert.Equal(new[]
        {
            "none",
            "DaytonaNotFound,DaytonaPS.Commands.Git.GetDaytonaGitStatusCommand", "ObjectNotFound",
            "DaytonaNotFound,DaytonaPS.Commands.Git.SwitchDaytonaGitBranchCommand",
            "DaytonaGitConflict,DaytonaPS.Commands.Git.CopyDaytonaGitRepositoryCommand",
            "DaytonaInvalidArgument,DaytonaPS.Commands.Git.CopyDaytonaGitRepositoryCommand", "False",
        }, rest);
    }

    [Fact]
    public void CredentialsOverSmartHttpNeverShowInProcessesFilesOrStreams()
    {
        const string password = "pw-Canary-7f3a91";
        var server = Path.Combine(ModuleHost.RepoRoot, "tests", "assets", "git-http-server.py");
        var r = Run(Seed("/tmp/srv/app.git") + $$"""
            Copy-DaytonaItem -Path $server -Destination /tmp/git-http-server.py -ToSandbox $sb
            Set-DaytonaContent /tmp/secret -Value "tester:$password" -Id $sb.Id
            $sb | Invoke-DaytonaCommand 'nohup python3 /tmp/git-http-server.py /tmp/srv /tmp/port /tmp/secret /tmp/seen > /tmp/server.log 2>&1 &' | Out-Null
            $port = $null
            foreach ($i in 1..100) {
                $port = ($sb | Invoke-DaytonaCommand 'cat /tmp/port 2>/dev/null').Stdout.Trim()
                if ($port) { break }
                Start-Sleep -Milliseconds 200
            }
            if (-not $port) { throw 'the git server did not start: ' + ($sb | Invoke-DaytonaCommand 'cat /tmp/server.log').Stdout }
            $url = "http://127.0.0.1:$port/app.git"
            $good = [pscredential]::new('tester', (ConvertTo-SecureString $password -AsPlainText -Force))
            $bad = [pscredential]::new('tester', (ConvertTo-SecureString "$password-wrong" -AsPlainText -Force))

            $sb | Copy-DaytonaGitRepository $url none -ErrorAction SilentlyContinue -ErrorVariable +failed
            $sb | Copy-DaytonaGitRepository $url wrong -Credential $bad -ErrorAction SilentlyContinue -ErrorVariable +failed
            $sb | Copy-DaytonaGitRepository $url app -Credential $good -TimeoutSec 120 -PassThru -Verbose -Debug
            'change' | Set-DaytonaContent app/change.txt -Id $sb.Id
            $sb | Add-DaytonaGitItem app
            $sb | New-DaytonaGitCommit app 'over http' -Author Ada -Email ada@example.com | Out-Null
            $sb | Push-DaytonaGitBranch app -ErrorAction SilentlyContinue -ErrorVariable +failed
            $sb | Push-DaytonaGitBranch app -Credential $good -PassThru -Verbose -Debug
            $sb | Update-DaytonaGitBranch app -Credential $good -Verbose
            ($sb | Invoke-DaytonaCommand 'git --git-dir=/tmp/srv/app.git log -1 --format=%s main').Stdout.Trim()
            '--failures'
            $failed | ForEach-Object { $_.FullyQualifiedErrorId; $_.CategoryInfo.Category.ToString(); $_.ToString(); $_.ErrorDetails.Message; $_.Exception.Message }
            '--seen'
            ($sb | Invoke-DaytonaCommand 'cat /tmp/seen').Stdout
            '--files'
            ($sb | Invoke-DaytonaCommand 'grep -rlF -f <(cut -d: -f2 /tmp/secret) /home/daytona /tmp /root /var /workspace /opt /etc 2>/dev/null; cat /home/daytona/app/.git/config').Stdout
            """, new System.Collections.Hashtable { ["server"] = server, ["password"] = password });
        r.AssertNoErrors();
        var lines = r.Output.Select(o => o.BaseObject.ToString()!).ToList();
        var status = r.Output[0];
        Assert.Equal(("main", "origin/main", true), (Prop<string>(status, "Branch"), Prop<string>(status, "Upstream"), Prop<bool>(status, "IsClean")));
        Assert.Equal(0, Prop<int>(r.Output[1], "Ahead"));
        Assert.Equal("over http", lines[2]);

        var failures = lines.Skip(lines.IndexOf("--failures") + 1).Take(lines.IndexOf("--seen") - lines.IndexOf("--failures") - 1).ToList();
        // No credential, a wrong one, then a push without one: the git server's refusal, not Daytona's key.
        Assert.Equal(3, failures.Count(l => l.StartsWith("DaytonaGitAuthenticationFailed,", StringComparison.Ordinal)));
        Assert.Equal(3, failures.Count(l => l == "AuthenticationError"));

        var seen = lines[lines.IndexOf("--seen") + 1];
        Assert.Contains("127.0.0.1:", seen);         // the server saw the git processes of the clone and push ...
        Assert.Contains("clone --single-branch --progress -- http://127.0.0.1:", seen);
        Assert.Contains("push --progress origin refs/heads/main:refs/heads/main", seen);
        var files = lines[lines.IndexOf("--files") + 1];
        Assert.StartsWith("/tmp/secret\n", files);     // ... the password is in the server's own file only
        Assert.DoesNotContain("tester", files.Replace("/tmp/secret", string.Empty));
        Assert.Contains($"url = http://127.0.0.1:", files); // the clone's config names the remote without credentials

        foreach (var text in lines.Where(l => !l.StartsWith("/tmp/secret", StringComparison.Ordinal))
                     .Concat(r.Verbose).Concat(r.Debug).Concat(r.Warnings).Concat(r.Information))
            Assert.DoesNotContain(password, text);
        Assert.DoesNotContain(password, seen);
        Assert.Contains(r.Verbose, v => v.Contains("POST", StringComparison.Ordinal) && v.Contains("/git/clone", StringComparison.Ordinal));
    }

    [Fact]
    public void ANetworkGitCommandHasADeadline()
    {
        // A server that accepts and never answers: only the deadline ends the clone.
        var r = Run("""
            $sb | Invoke-DaytonaCommand @'
            nohup python3 -c "
            import socket, time
            s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(8)
            open('/tmp/stall.tmp', 'w').write(str(s.getsockname()[1]))
            import os; os.rename('/tmp/stall.tmp', '/tmp/stall')
            conns = []
            while True: conns.append(s.accept())
            " > /dev/null 2>&1 &
            '@ | Out-Null
            $port = $null
            foreach ($i in 1..100) { $port = ($sb | Invoke-DaytonaCommand 'cat /tmp/stall 2>/dev/null').Stdout.Trim(); if ($port) { break }; Start-Sleep -Milliseconds 200 }
            $sb | Copy-DaytonaGitRepository "http://127.0.0.1:$port/x.git" stalled -TimeoutSec 2 -ErrorAction SilentlyContinue -ErrorVariable +late
            $late.Count
            $late[0].FullyQualifiedErrorId
            # The emulator ends git once the request is gone.
            $left = 'unknown'
            foreach ($i in 1..100) {
                $left = ($sb | Invoke-DaytonaCommand 'for p in /proc/[0-9]*; do tr "\0" " " < $p/cmdline 2>/dev/null; echo; done | grep -c "clone --single-branc[h]" || true').Stdout.Trim()
                if ($left -eq '0') { break }
                Start-Sleep -Milliseconds 200
            }
            $left
            """);
        Assert.DoesNotContain(r.Errors, e => !e.FullyQualifiedErrorId.StartsWith("DaytonaTimeout", StringComparison.Ordinal));
        Assert.Null(r.Terminating);
        Assert.Equal(new[] { "1", "DaytonaTimeout,DaytonaPS.Commands.Git.CopyDaytonaGitRepositoryCommand", "0" }, r.Output.Select(o => o.BaseObject.ToString()));
    }
}
