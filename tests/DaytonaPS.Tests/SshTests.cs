using System.Collections;
using System.Net.Http.Headers;
using System.Text.Json;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>The SSH tests share process-wide state (the interactivity override, Console.Error, TF_BUILD): run them one at a time.</summary>
[CollectionDefinition("ssh", DisableParallelization = true)]
public sealed class SshCollection : ICollectionFixture<EmulatorFixture>;

/// <summary>
/// Enter-DaytonaSsh, New-/Revoke-DaytonaSshAccess against the in-process emulator, with a recording
/// stand-in for ssh (-SshPath): a bash script that saves its argv, the config file it was given
/// (content, mode, its directory's mode) and exits with a chosen code; and with the real OpenSSH
/// client's `ssh -G` resolving that same config.
/// </summary>
[Collection("ssh")]
public sealed class SshTests : IDisposable
{
    private readonly EmulatorFixture _emu;
    private readonly string _dir;

    public SshTests(EmulatorFixture emu)
    {
        _emu = emu;
        _dir = Directory.CreateTempSubdirectory("daytonaps-ssh-test-").FullName;
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    /// <summary>The port of the emulator's SSH gateway, which sshCommand names.</summary>
    private int GatewayPort => _emu.Server.Context.SshGateway?.Port ?? throw new InvalidOperationException("the emulator's SSH gateway is off (Node.js and src/DaytonaPS.Emulator/SshGateway's npm packages are needed)");

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Sets SshInteractivity.Override (null = detect) inside the loaded module, then runs the script.</summary>
    private PsResult Run(string script, bool? interactive = true, IDictionary? vars = null)
    {
        var value = interactive is null ? "$null" : interactive.Value ? "$true" : "$false";
        var prefix = _emu.Connect() +
            "[DaytonaPS.SshAccess].Assembly.GetType('DaytonaPS.Ssh.SshInteractivity', $true).GetField('Override', [Reflection.BindingFlags]'NonPublic,Static').SetValue($null, [Nullable[bool]]" + value + ")\n";
        return ModuleHost.Run(prefix + script, vars);
    }

    /// <summary>A stand-in ssh that records into <see cref="_dir"/> and exits with <paramref name="exitCode"/>.</summary>
    private string StandIn(int exitCode = 0, string extra = "")
    {
        var path = Path.Combine(_dir, "ssh-standin.sh");
        File.WriteAllText(path, $$"""
            #!/bin/bash
            out='{{_dir}}'
            printf '%s\n' "$@" > "$out/argv.txt"
            cfg=''
            prev=''
            for a in "$@"; do if [ "$prev" = "-F" ]; then cfg="$a"; fi; prev="$a"; done
            echo "$cfg" > "$out/path.txt"
            cp "$cfg" "$out/config.txt"
            stat -c '%a' "$cfg" > "$out/mode.txt"
            stat -c '%a' "$(dirname "$cfg")" > "$out/dirmode.txt"
            if [ -t 0 ]; then echo tty > "$out/stdin.txt"; else echo notty > "$out/stdin.txt"; fi
            {{extra}}
            exit {{exitCode}}
            """.Replace("\r\n", "\n"));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private string Recorded(string name) => File.ReadAllText(Path.Combine(_dir, name)).Trim();

    private string[] Argv => File.ReadAllLines(Path.Combine(_dir, "argv.txt"));

    private string TokenFromConfig() =>
        Recorded("config.txt").Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("User ", StringComparison.Ordinal))["User ".Length..].Trim();

    private async Task<bool> IsValidAsync(string token)
    {
        using var http = new HttpClient();
        using var req = new HttpRequestMessage(HttpMethod.Get, _emu.ApiUrl + "/sandbox/ssh-access/validate?token=" + Uri.EscapeDataString(token));
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", EmulatorFixture.ApiKey);
        using var res = await http.SendAsync(req);
        res.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await res.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("valid").GetBoolean();
    }

    private string NewSandbox()
    {
        var name = Unique("ssh");
        Run($"New-DaytonaSandbox -Name {name} | Out-Null").AssertNoErrors();
        return name;
    }

    [Fact]
    public async Task CommandRunsThroughAPrivateConfigFile_ThatIsDeleted_AndTheTokenIsRevoked()
    {
        var name = NewSandbox();
        var ssh = StandIn(exitCode: 7);
        var r = Run($"Enter-DaytonaSsh -Id {name} -Command 'uname -a' -SshPath '{ssh}'").AssertNoErrors();

        var result = Assert.Single(r.Output);
        Assert.Equal("DaytonaPS.SshResult", result.BaseObject.GetType().FullName);
        Assert.Equal(7, result.Properties["ExitCode"].Value);
        Assert.Equal("uname -a", result.Properties["Command"].Value);

        var token = TokenFromConfig();
        Assert.Matches("^[A-Za-z0-9]{16,}$", token);
        var config = Recorded("config.txt");
        var id = (string)result.Properties["SandboxId"].Value;
        Assert.Contains($"Host daytona-{id}\n", config);
        Assert.Contains("    HostName 127.0.0.1\n", config);
        Assert.Contains($"    Port {GatewayPort}\n", config);
        Assert.Contains("    StrictHostKeyChecking accept-new\n", config);
        Assert.Equal("600", Recorded("mode.txt"));
        Assert.Equal("700", Recorded("dirmode.txt"));

        // argv: -F <config> -- daytona-<id> <command>; no token anywhere.
        var argv = Argv;
        Assert.Equal("-F", argv[0]);
        Assert.Equal(Recorded("path.txt"), argv[1]);
        Assert.Equal(new[] { "--", "daytona-" + id, "uname -a" }, argv[^3..]);
        Assert.DoesNotContain(argv, a => a.Contains(token, StringComparison.Ordinal));

        // The file and its directory are gone; the token is revoked.
        Assert.False(File.Exists(Recorded("path.txt")));
        Assert.False(Directory.Exists(Path.GetDirectoryName(Recorded("path.txt"))));
        Assert.False(await IsValidAsync(token));
        Assert.DoesNotContain(r.Verbose.Concat(r.Debug).Concat(r.Warnings), m => m.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeepAccessLeavesTheTokenValid()
    {
        var name = NewSandbox();
        Run($"Enter-DaytonaSsh -Id {name} -Command true -KeepAccess -SshPath '{StandIn()}'").AssertNoErrors();
        Assert.True(await IsValidAsync(TokenFromConfig()));
        Run($"Revoke-DaytonaSshAccess -Id {name} -All -Confirm:$false").AssertNoErrors();
        Assert.False(await IsValidAsync(TokenFromConfig()));
    }

    [Fact]
    public void InteractiveSessionPassesNoCommand_AndReturnsNothing()
    {
        var name = NewSandbox();
        var r = Run($"Get-DaytonaSandbox -Name {name} | Enter-DaytonaSsh -SshPath '{StandIn()}'").AssertNoErrors();
        Assert.Empty(r.Output);
        var argv = Argv;
        Assert.Equal("--", argv[^2]);
        Assert.StartsWith("daytona-", argv[^1]);
        Assert.DoesNotContain("-n", argv);
    }

    [Fact]
    public void RealOpenSshResolvesUserHostAndPortFromTheGeneratedConfig()
    {
        Assert.True(File.Exists("/usr/bin/ssh"), "/usr/bin/ssh is needed for this test");
        var name = NewSandbox();
        // The stand-in records, then asks the real client what it would do with the same argv.
        var ssh = StandIn(extra: """/usr/bin/ssh -G "$@" > "$out/g.txt" 2> "$out/g.err"; exit $?""");
        var r = Run($"Enter-DaytonaSsh -Id {name} -SshPath '{ssh}' -KeepAccess").AssertNoErrors();
        Assert.Empty(r.Warnings);
        var resolved = File.ReadAllLines(Path.Combine(_dir, "g.txt"))
            .Select(l => l.Split(' ', 2))
            .Where(p => p.Length == 2)
            .GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1]);
        Assert.Equal(TokenFromConfig(), resolved["user"]);
        Assert.Equal("127.0.0.1", resolved["hostname"]);
        Assert.Equal(GatewayPort.ToString(), resolved["port"]);
        Assert.Equal("accept-new", resolved["stricthostkeychecking"]);
        Assert.Equal("no", resolved["forwardagent"]);
    }

    [Fact]
    public async Task NonInteractiveHostWithoutCommandFailsAtOnce_AndMintsNothing()
    {
        var name = NewSandbox();
        var r = Run($$"""
            $a = New-DaytonaSshAccess -Id {{name}} -AsPlainText
            try { Enter-DaytonaSsh -Id {{name}} -SshPath '{{StandIn()}}' -ErrorAction Stop } catch { $_ }
            $a.PlainToken
            """, interactive: false);
        var error = Assert.IsType<System.Management.Automation.ErrorRecord>(r.Output[0].BaseObject);
        Assert.StartsWith("DaytonaSshNotInteractive,", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.Contains("-Command", error.ErrorDetails?.RecommendedAction ?? string.Empty);
        Assert.False(File.Exists(Path.Combine(_dir, "argv.txt")));
        Assert.True(await IsValidAsync((string)r.Output[1].BaseObject));
    }

    [Fact]
    public void TfBuildCountsAsNonInteractive()
    {
        var old = Environment.GetEnvironmentVariable("TF_BUILD");
        Environment.SetEnvironmentVariable("TF_BUILD", "True");
        try
        {
            var r = Run($"Enter-DaytonaSsh -Id whatever -SshPath '{StandIn()}'", interactive: null);
            Assert.Contains("DaytonaSshNotInteractive", r.ErrorIds);
            Assert.Contains(r.Errors, e => e.Exception.Message.Contains("TF_BUILD", StringComparison.Ordinal));
            // -Command still works in a pipeline: stdin of ssh is /dev/null there (-n).
            var name = NewSandbox();
            var ok = Run($"Enter-DaytonaSsh -Id {name} -Command 'echo hi' -SshPath '{StandIn(exitCode: 0)}'", interactive: null).AssertNoErrors();
            Assert.Equal(0, Assert.Single(ok.Output).Properties["ExitCode"].Value);
            Assert.Contains("-n", Argv);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TF_BUILD", old);
        }
    }

    [Fact]
    public async Task WhatIfMintsNothingAndRunsNothing()
    {
        var name = NewSandbox();
        var r = Run($"""
            $a = New-DaytonaSshAccess -Id {name} -AsPlainText
            Enter-DaytonaSsh -Id {name} -Command 'echo hi' -SshPath '{StandIn()}' -WhatIf
            $a.PlainToken
            """).AssertNoErrors();
        var token = (string)Assert.Single(r.Output).BaseObject;
        // Minting a token revokes the earlier ones, so the first one still being valid shows none was minted.
        Assert.True(await IsValidAsync(token));
        Assert.False(File.Exists(Path.Combine(_dir, "argv.txt")));
    }

    [Fact]
    public void StartsAStoppedSandboxFirst_UnlessNoStart()
    {
        var name = NewSandbox();
        var r = Run($$"""
            Stop-DaytonaSandbox -Id {{name}}
            try { Enter-DaytonaSsh -Id {{name}} -Command true -NoStart -SshPath '{{StandIn()}}' -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
            (Get-DaytonaSandbox -Name {{name}}).State
            (Enter-DaytonaSsh -Id {{name}} -Command true -SshPath '{{StandIn()}}').ExitCode
            (Get-DaytonaSandbox -Name {{name}}).State
            """).AssertNoErrors();
        Assert.StartsWith("DaytonaSandboxNotStarted,", (string)r.Output[0].BaseObject);
        Assert.Equal("stopped", r.Output[1].BaseObject);
        Assert.Equal(0, r.Output[2].BaseObject);
        Assert.Equal("started", r.Output[3].BaseObject);
    }

    [Theory]
    [InlineData("'-F','/tmp/x'")]
    [InlineData("'-lroot'")]
    [InlineData("'-p','22'")]
    [InlineData("'-o','User=root'")]
    [InlineData("'-oHostName=evil'")]
    [InlineData("'-G'")]
    [InlineData("'-vE','log.txt'")]
    [InlineData("'somehost'")]
    public void RejectsSshArgumentsThatOverrideTheConfigOrExposeTheToken(string args)
    {
        var r = Run($"Enter-DaytonaSsh -Id x -Command true -SshPath '{StandIn()}' -SshArgument {args}");
        Assert.Contains("DaytonaInvalidArgument", r.ErrorIds);
        Assert.False(File.Exists(Path.Combine(_dir, "argv.txt")));
    }

    [Fact]
    public void PassesAllowedSshArgumentsBeforeTheDestination_AndDebugAddsVerbose()
    {
        var name = NewSandbox();
        Run($"Enter-DaytonaSsh -Id {name} -Command true -SshPath '{StandIn()}' -SshArgument '-o','ServerAliveInterval=5','-L','8080:localhost:3000' -Debug").AssertNoErrors();
        var argv = Argv.ToList();
        var dashdash = argv.IndexOf("--");
        var v = argv.IndexOf("-v");
        Assert.InRange(v, 2, dashdash - 1);
        Assert.True(argv.IndexOf("ServerAliveInterval=5") < dashdash && argv.IndexOf("8080:localhost:3000") < dashdash);
    }

    [Fact]
    public void MissingSshClientIsAClearError()
    {
        var r = Run("Enter-DaytonaSsh -Id x -Command true -SshPath /nonexistent/ssh");
        Assert.Contains("DaytonaSshClientNotFound", r.ErrorIds);
    }

    [Fact]
    public void TheTokenNeverAppearsInAnyStreamOrDisplay()
    {
        var name = NewSandbox();
        // The stand-in echoes the user name to stderr as ssh -v and ssh's errors do; the relay masks it.
        var ssh = StandIn(exitCode: 255, extra: $$"""u=$(awk '/^ *User /{print $2}' "$cfg"); echo "debug1: Authenticating to 127.0.0.1:{{GatewayPort}} as '$u'" >&2; echo "$u@127.0.0.1: Permission denied (publickey)." >&2""");
        var stderr = new StringWriter();
        var oldErr = Console.Error;
        Console.SetError(stderr);
        PsResult r;
        try
        {
            r = Run($$"""
                $InformationPreference = 'Continue'
                $a = New-DaytonaSshAccess -Id {{name}} -Verbose -Debug
                $p = New-DaytonaSshAccess -Id {{name}} -AsPlainText
                $res = Enter-DaytonaSsh -Id {{name}} -Command 'id' -SshPath '{{ssh}}' -KeepAccess -Verbose -Debug
                $shown = @($a, $res, $p | ForEach-Object { $_ | Out-String; $_ | Format-List | Out-String; $_ | Format-Table | Out-String; "$_" }) -join "`n"
                [pscustomobject]@{ Shown = $shown; A = ($a.Token | ConvertFrom-SecureString -AsPlainText); PlainProp = $p.PlainToken; Session = $res.ExitCode }
                """).AssertNoErrors();
        }
        finally
        {
            Console.SetError(oldErr);
        }
        var o = Assert.Single(r.Output);
        var tokenA = o.Properties["A"].Value.ToString()!;
        var tokenP = o.Properties["PlainProp"].Value.ToString()!;
        var sessionToken = TokenFromConfig();
        Assert.Equal(255, o.Properties["Session"].Value);
        var shown = o.Properties["Shown"].Value.ToString()!;
        var streams = string.Join("\n", r.Verbose.Concat(r.Debug).Concat(r.Warnings).Concat(r.Information).Concat(r.Errors.Select(e => e.ToString())));
        var relayed = stderr.ToString();
        Assert.Contains($"Authenticating to 127.0.0.1:{GatewayPort} as '***'", relayed);
        Assert.Contains("***@127.0.0.1: Permission denied", relayed);
        foreach (var token in new[] { tokenA, tokenP, sessionToken })
        {
            Assert.Matches("^[A-Za-z0-9]{16,}$", token);
            Assert.DoesNotContain(token, shown, StringComparison.Ordinal);
            Assert.DoesNotContain(token, streams, StringComparison.Ordinal);
            Assert.DoesNotContain(token, relayed, StringComparison.Ordinal);
        }
        Assert.Contains($"ssh -p {GatewayPort} ***@127.0.0.1", shown);
    }

    [Fact]
    public async Task NewSshAccessReturnsASecureTokenAndRevokeTakesTokenStringOrObject()
    {
        var name = NewSandbox();
        var r = Run($"""
            $a = New-DaytonaSshAccess -Id {name} -ExpiresInMinutes 5
            $a
            $a.Token | ConvertFrom-SecureString -AsPlainText
            """).AssertNoErrors();
        var access = r.Output[0];
        Assert.Equal("DaytonaPS.SshAccess", access.BaseObject.GetType().FullName);
        Assert.IsType<System.Security.SecureString>(access.Properties["Token"].Value);
        Assert.Null(access.Properties["PlainToken"].Value);
        Assert.Equal("127.0.0.1", access.Properties["Host"].Value);
        Assert.Equal(GatewayPort, access.Properties["Port"].Value);
        var expires = (DateTimeOffset)access.Properties["ExpiresAt"].Value;
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(6));
        var token = (string)r.Output[1].BaseObject;
        Assert.True(await IsValidAsync(token));

        // -Token as a plain string
        Run($"Revoke-DaytonaSshAccess -Id {name} -Token '{token}'").AssertNoErrors();
        Assert.False(await IsValidAsync(token));

        // an SshAccess from the pipeline; -WhatIf first
        var piped = Run($"""
            $a = New-DaytonaSshAccess -Id {name} -AsPlainText
            $a | Revoke-DaytonaSshAccess -WhatIf
            $a.PlainToken
            $a | Revoke-DaytonaSshAccess
            """).AssertNoErrors();
        var t2 = (string)Assert.Single(piped.Output).BaseObject;
        Assert.False(await IsValidAsync(t2));
    }

    [Fact]
    public async Task NewSshAccessWhatIfMintsNothing()
    {
        var name = NewSandbox();
        var r = Run($"""
            $a = New-DaytonaSshAccess -Id {name} -AsPlainText
            New-DaytonaSshAccess -Id {name} -WhatIf
            $a.PlainToken
            """).AssertNoErrors();
        Assert.True(await IsValidAsync((string)Assert.Single(r.Output).BaseObject));
    }
}
