using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Ssh;

/// <summary>Finds and runs the system OpenSSH client with the console inherited.</summary>
internal static class SshClient
{
    private static bool IsWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

    /// <summary>-SshPath if given (must exist), else ssh on PATH (on Windows also System32\OpenSSH).</summary>
    public static string Locate(string? sshPath)
    {
        if (!string.IsNullOrEmpty(sshPath))
        {
            var full = Path.GetFullPath(sshPath);
            if (File.Exists(full)) return full;
            throw NotFound($"-SshPath '{sshPath}' does not exist.");
        }
        var names = IsWindows ? new[] { "ssh.exe" } : new[] { "ssh" };
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(new[] { Path.PathSeparator }, StringSplitOptions.RemoveEmptyEntries).ToList();
        if (IsWindows) dirs.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.System), "OpenSSH"));
        foreach (var dir in dirs)
        {
            foreach (var name in names)
            {
                string candidate;
                try { candidate = Path.Combine(dir.Trim().Trim('"'), name); }
                catch (ArgumentException) { continue; }
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw NotFound("The OpenSSH client (ssh) was not found on PATH.");
    }

    private static DaytonaException NotFound(string message) => new(ErrorIds.SshClientNotFound, ErrorCategory.ObjectNotFound, message,
        terminating: true,
        recommendedAction: IsWindows
            ? "Install the OpenSSH client (Settings > Optional features, or Add-WindowsCapability -Online -Name OpenSSH.Client~~~~0.0.1.0), or pass -SshPath."
            : "Install the OpenSSH client (e.g. apt-get install openssh-client), or pass -SshPath.");

    // ssh options that take an argument (OpenSSH 9.x: "1246ab:c:e:fgi:kl:m:no:p:qstvxAB:CD:E:F:GI:J:KL:MNO:P:Q:R:S:TVw:W:XYy").
    private const string OptionsWithArgument = "bceilmopBDEFIJLOPQRSWw";
    // Options that would replace the generated config, the user (the token) or the gateway, or print/log the token.
    private const string ForbiddenOptions = "FlpGE";
    private static readonly string[] ForbiddenConfigKeys = { "user", "hostname", "port", "include" };

    /// <summary>
    /// Checks -SshArgument: only ssh options (no destination or command), and none of -F, -l, -p,
    /// -G, -E or -o User/HostName/Port/Include, which would override the generated config or expose the token.
    /// </summary>
    public static void ValidateExtraArguments(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i] ?? string.Empty;
            if (arg.Length < 2 || arg[0] != '-' || arg == "--")
                throw Invalid($"-SshArgument takes ssh options only; '{arg}' is not an option (the destination and command are set by Enter-DaytonaSsh; use -Command).");
            for (var j = 1; j < arg.Length; j++)
            {
                var c = arg[j];
                if (ForbiddenOptions.IndexOf(c) >= 0)
                    throw Invalid($"-SshArgument may not contain -{c}: Enter-DaytonaSsh sets the config file, user, host and port itself, and -G/-E would write the token out.");
                if (OptionsWithArgument.IndexOf(c) < 0) continue;
                string value;
                if (j + 1 < arg.Length) value = arg.Substring(j + 1);
                else if (i + 1 < args.Count) value = args[++i] ?? string.Empty;
                else throw Invalid($"-SshArgument: option -{c} needs a value.");
                if (c == 'o')
                {
                    var key = Regex.Match(value, @"^\s*([A-Za-z]+)").Groups[1].Value;
                    if (ForbiddenConfigKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
                        throw Invalid($"-SshArgument may not set -o {key}: Enter-DaytonaSsh sets it from the SSH access token.");
                }
                break;
            }
        }
    }

    private static DaytonaException Invalid(string message) => new(ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, message, terminating: true);

    /// <summary>ssh -F CONFIG [-v] [-n] [extra...] -- ALIAS [COMMAND]</summary>
    public static List<string> BuildArguments(string configPath, string hostAlias, IReadOnlyList<string> extra, bool verbose, bool noStdin, string? command)
    {
        var args = new List<string> { "-F", configPath };
        if (verbose) args.Add("-v");
        if (noStdin) args.Add("-n");
        args.AddRange(extra);
        args.Add("--");
        args.Add(hostAlias);
        if (!string.IsNullOrEmpty(command)) args.Add(command!);
        return args;
    }

    /// <summary>
    /// Runs ssh with stdin and stdout inherited from this console. Its stderr (ssh's own messages, and
    /// the remote stderr of a command without a terminal) is relayed to this process's stderr with
    /// the token masked, because ssh names the user (the token) in errors and -v output.
    /// Returns ssh's exit code; cancellation kills ssh.
    /// </summary>
    public static async Task<int> RunAsync(string sshPath, IReadOnlyList<string> args, string token, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(sshPath)
        {
            Arguments = SshConfigFile.JoinArguments(args),
            UseShellExecute = false,
            RedirectStandardError = true,
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        using var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var exited = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.Exited += (_, _) => exited.TrySetResult(true);
        try
        {
            if (!process.Start()) throw new InvalidOperationException("Process.Start returned false.");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception || ex is InvalidOperationException || ex is IOException)
        {
            throw new DaytonaException(ErrorIds.SshLaunchFailed, ErrorCategory.ResourceUnavailable, $"Could not start '{sshPath}': {ex.Message}", terminating: true, innerException: ex);
        }
        var relay = Task.Run(() => RelayMaskedAsync(process.StandardError, Console.Error, token));
        try
        {
            if (process.HasExited) exited.TrySetResult(true);
            using (ct.Register(() => exited.TrySetCanceled()))
            {
                await exited.Task.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            try { if (!process.HasExited) process.Kill(); } catch (InvalidOperationException) { } catch (System.ComponentModel.Win32Exception) { }
            await Task.WhenAny(relay, Task.Delay(2000)).ConfigureAwait(false);
            throw;
        }
        process.WaitForExit();
        // A process ssh left behind could hold stderr open: do not wait for it for long.
        await Task.WhenAny(relay, Task.Delay(2000)).ConfigureAwait(false);
        return process.ExitCode;
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="target"/> as it arrives, with every occurrence of <paramref name="secret"/> replaced by ***.</summary>
    internal static async Task RelayMaskedAsync(TextReader source, TextWriter target, string secret)
    {
        var buffer = new char[4096];
        var pending = new StringBuilder();
        while (true)
        {
            int n;
            try { n = await source.ReadAsync(buffer, 0, buffer.Length).ConfigureAwait(false); }
            catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException) { n = 0; }
            if (n > 0) pending.Append(buffer, 0, n);
            var text = pending.ToString();
            if (secret.Length > 0) text = text.Replace(secret, "***");
            // Hold back a tail that could be the start of the secret, until more arrives.
            var keep = n == 0 ? 0 : SecretPrefixAtEnd(text, secret);
            var emit = text.Substring(0, text.Length - keep);
            pending.Clear().Append(text, text.Length - keep, keep);
            if (emit.Length > 0)
            {
                try
                {
                    target.Write(emit);
                    target.Flush();
                }
                catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException) { }
            }
            if (n == 0) return;
        }
    }

    private static int SecretPrefixAtEnd(string text, string secret)
    {
        for (var len = Math.Min(secret.Length - 1, text.Length); len > 0; len--)
        {
            if (string.CompareOrdinal(text, text.Length - len, secret, 0, len) == 0) return len;
        }
        return 0;
    }
}

/// <summary>Whether an interactive ssh session can work in this host, and if not, why.</summary>
internal static class SshInteractivity
{
    /// <summary>Tests set this (by reflection) to stand in for a console; null means detect.</summary>
    internal static bool? Override;

    private static readonly Regex NonInteractiveSwitch = new(@"^[-/]noni(n(t(e(r(a(c(t(i(ve?)?)?)?)?)?)?)?)?)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    private static readonly Regex EndOfHostSwitches = new(@"^[-/](c|co|com|comm|comma|comman|command|f|fi|fil|file|e|ec|en|enc|enco|encod|encode|encoded|encodedc|encodedco|encodedcom|encodedcomm|encodedcomma|encodedcomman|encodedcommand|commandwithargs|cwa)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>Null when interactive; otherwise the reason it is not.</summary>
    public static string? WhyNotInteractive(PSHost? host)
    {
        if (Override is bool forced) return forced ? null : "the test override says so";
        if (AzurePipelines.Detected)
            return "this is an Azure DevOps pipeline (TF_BUILD is set)";
        if (!Environment.UserInteractive) return "the process is not running in an interactive session";
        if (host is not null && string.Equals(host.Name, "ServerRemoteHost", StringComparison.Ordinal))
            return "this is a remote PowerShell session, which has no console for ssh";
        if (StartedNonInteractive()) return "PowerShell was started with -NonInteractive";
        try
        {
            if (Console.IsInputRedirected) return "standard input is redirected";
            if (Console.IsOutputRedirected) return "standard output is redirected";
        }
        catch (IOException)
        {
            return "there is no console";
        }
        return null;
    }

    /// <summary>Whether the process's command line has -NonInteractive (or an abbreviation) before -Command/-File.</summary>
    internal static bool StartedNonInteractive()
    {
        string[] argv;
        try { argv = Environment.GetCommandLineArgs(); }
        catch (NotSupportedException) { return false; }
        for (var i = 1; i < argv.Length; i++)
        {
            if (EndOfHostSwitches.IsMatch(argv[i])) return false;
            if (NonInteractiveSwitch.IsMatch(argv[i])) return true;
        }
        return false;
    }
}
