using System.Diagnostics;
using System.Text;
using DaytonaPS.Api;
using Xunit;

namespace DaytonaPS.UnitTests;

/// <summary>
/// The session line built for a command, run by a local bash the way a session runs it (a parent
/// shell that must survive whatever the command does).
/// </summary>
public sealed class CommandScriptTests
{
    /// <summary>Runs the line in a bash, then prints "parent-alive" from that same bash; returns exit code and stdout.</summary>
    private static (int ExitCode, string Stdout, string Stderr) RunInParentShell(string line)
    {
        var script = Path.Combine(Path.GetTempPath(), "daytonaps-line-" + Guid.NewGuid().ToString("N") + ".sh");
        File.WriteAllText(script, line + "\necho \"parent-alive $?\"\n");
        try
        {
            var psi = new ProcessStartInfo("bash", new[] { script }) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            Assert.True(p.WaitForExit(60_000));
            return (p.ExitCode, stdout.Result, stderr.Result);
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public void QuotesEnvironmentAndDirectory()
    {
        var dir = Directory.CreateTempSubdirectory("daytonaps wd ").FullName;
        try
        {
            var env = new Dictionary<string, string> { ["A"] = "it's \"q\" $HOME `x`", ["B"] = "" };
            var line = CommandScript.Build("echo \"$A|$B\"; pwd", dir, env, loginShell: false, stdinPath: null, timeoutSec: 0);
            var (_, stdout, _) = RunInParentShell(line);
            Assert.Equal($"it's \"q\" $HOME `x`|\n{dir}\nparent-alive 0\n", stdout);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("exit 3", "parent-alive 3\n")]
    [InlineData("set -e; false; echo never", "parent-alive 1\n")]
    [InlineData("exec echo replaced", "replaced\nparent-alive 0\n")]
    [InlineData("cat <<EOF\nunterminated", "unterminated\nparent-alive 0\n")]
    public void NothingTheCommandDoesEndsTheParentShell(string command, string expected)
    {
        var (_, stdout, _) = RunInParentShell(CommandScript.Build(command, null, null, false, null, 0));
        Assert.Equal(expected, stdout);
    }

    [Fact]
    public void StdinFileIsReadThenRemoved()
    {
        var stdin = Path.Combine(Path.GetTempPath(), "daytonaps-stdin-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(stdin, "from stdin\n");
        var (_, stdout, _) = RunInParentShell(CommandScript.Build("cat", null, null, false, stdin, 0));
        Assert.Equal("from stdin\nparent-alive 0\n", stdout);
        Assert.False(File.Exists(stdin));
    }

    [Fact]
    public void TimeoutStopsTheCommandWithCoreutilsExitCode()
    {
        var (_, stdout, _) = RunInParentShell(CommandScript.Build("sleep 30", null, null, false, null, timeoutSec: 1));
        Assert.Equal("parent-alive 124\n", stdout);
    }

    [Fact]
    public void AScriptOverOneArgumentsLimitFailsInlineAndWorksFromAFile()
    {
        // ": 'xxx...'" is a no-op of ~200 KB, longer than Linux lets one argument be (MAX_ARG_STRLEN, 128 KiB).
        var command = ": '" + new string('x', 200_000) + "'\necho ran";
        var script = CommandScript.Script(command, null, null);
        Assert.True(CommandScript.NeedsFile(script));
        Assert.False(CommandScript.NeedsFile(CommandScript.Script(": '" + new string('x', 100_000) + "'", null, null)));
        // Inline, bash cannot even start: 126, "Argument list too long". This is why long scripts go to a file.
        var (_, inline, _) = RunInParentShell(CommandScript.Line(script, command, false, null, 0));
        Assert.Equal("parent-alive 126\n", inline);

        var path = Path.Combine(Path.GetTempPath(), "daytonaps-script-" + Guid.NewGuid().ToString("N") + ".sh");
        File.WriteAllText(path, CommandScript.ScriptFile(script, path), new UTF8Encoding(false));
        var line = CommandScript.Line(script, command, false, null, 0, path);
        Assert.True(line.Length < 10_000, "the line itself stays short: " + line.Length);
        var (_, fromFile, _) = RunInParentShell(line);
        Assert.Equal("ran\nparent-alive 0\n", fromFile);
        Assert.False(File.Exists(path), "the script removes itself");
        // Get-DaytonaSession shows the start of a long command.
        var original = CommandScript.Original(line);
        Assert.StartsWith(": 'xxx", original);
        Assert.EndsWith(" ...", original);
    }

    [Fact]
    public void OriginalCommandRoundTripsThroughTheLine()
    {
        const string command = "echo 'ü' && cat <<EOF\nx\nEOF";
        Assert.Equal(command, CommandScript.Original(CommandScript.Build(command, "/w", new Dictionary<string, string> { ["X"] = "1" }, true, "/tmp/in", 5)));
        Assert.Equal("plain line from elsewhere", CommandScript.Original("plain line from elsewhere"));
        Assert.Equal(string.Empty, CommandScript.Original(null));
    }

    [Fact]
    public void InvalidEnvironmentNamesAreRefused()
    {
        Assert.False(CommandScript.IsValidEnvironmentName("BAD-NAME"));
        Assert.False(CommandScript.IsValidEnvironmentName("1A"));
        Assert.True(CommandScript.IsValidEnvironmentName("_A1"));
        Assert.Throws<ArgumentException>(() => CommandScript.Script("true", null, new Dictionary<string, string> { ["a b"] = "x" }));
    }
}
