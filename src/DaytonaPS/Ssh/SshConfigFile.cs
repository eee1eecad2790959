using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Management.Automation;
using DaytonaPS.Api;

namespace DaytonaPS.Ssh;

/// <summary>
/// A temporary ssh config file that carries the gateway host, port and user (the token), so the
/// token never appears on ssh's command line. It lives in a fresh directory only the current
/// user can open: on Unix made by /bin/sh with umask 077 (directory 0700, file 0600, created by
/// mkdir so a pre-existing directory fails) and checked afterwards where the runtime can read
/// modes; on Windows restricted to the current user with icacls. <see cref="Dispose"/> overwrites
/// and deletes both.
/// </summary>
internal sealed class SshConfigFile : IDisposable
{
    public const string FileName = "config";
    private static readonly Regex SafeToken = new(@"^[A-Za-z0-9._~+=-]{1,512}$", RegexOptions.CultureInvariant);
    private static readonly Regex SafeHost = new(@"^[A-Za-z0-9._:-]{1,255}$", RegexOptions.CultureInvariant);
    private bool _disposed;

    private SshConfigFile(string directory, string path)
    {
        DirectoryPath = directory;
        FilePath = path;
    }

    public string DirectoryPath { get; }
    public string FilePath { get; }

    public static string AliasFor(string sandboxId)
    {
        var sb = new StringBuilder("daytona-");
        foreach (var c in sandboxId) sb.Append(char.IsLetterOrDigit(c) && c < 128 || c == '-' || c == '.' || c == '_' ? c : '_');
        return sb.ToString();
    }

    /// <summary>The config text (pure; tests use it through the cmdlet).</summary>
    public static string Render(string hostAlias, SshEndpoint endpoint, string token)
    {
        if (!SafeToken.IsMatch(token))
            throw new DaytonaException(ErrorIds.SshAccessUnparsable, ErrorCategory.InvalidResult, "Daytona's SSH access token has characters that cannot go into an ssh config file.");
        if (!SafeHost.IsMatch(endpoint.Host))
            throw new DaytonaException(ErrorIds.SshAccessUnparsable, ErrorCategory.InvalidResult, $"Daytona's SSH gateway host '{endpoint.Host}' is not a valid host name.");
        var nl = "\n";
        var sb = new StringBuilder();
        sb.Append("# Written by DaytonaPS (Enter-DaytonaSsh) for one ssh run; deleted when ssh exits.").Append(nl);
        sb.Append("Host ").Append(hostAlias).Append(nl);
        sb.Append("    HostName ").Append(endpoint.Host).Append(nl);
        sb.Append("    Port ").Append(endpoint.Port.ToString(CultureInfo.InvariantCulture)).Append(nl);
        sb.Append("    User ").Append(token).Append(nl);
        // Trust the gateway's key on first use and remember it in the user's known_hosts; a changed key still fails.
        sb.Append("    StrictHostKeyChecking accept-new").Append(nl);
        sb.Append("    ForwardAgent no").Append(nl);
        sb.Append("    ForwardX11 no").Append(nl);
        sb.Append("    PermitLocalCommand no").Append(nl);
        sb.Append("    ControlMaster no").Append(nl);
        sb.Append("    ControlPath none").Append(nl);
        sb.Append("    ServerAliveInterval 30").Append(nl);
        sb.Append("    ServerAliveCountMax 4").Append(nl);
        return sb.ToString();
    }

    /// <summary>Creates the private directory and the file holding <paramref name="content"/>.</summary>
    public static SshConfigFile Create(string content)
    {
        var directory = Path.Combine(Path.GetTempPath(), "daytonaps-ssh-" + RandomName());
        var path = Path.Combine(directory, FileName);
        try
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                CreateOnWindows(directory, path, content);
            }
            else
            {
                CreateOnUnix(directory, content);
                VerifyUnixMode(directory, 0x1C0); // 0700
                VerifyUnixMode(path, 0x180);      // 0600
            }
        }
        catch (Exception ex) when (ex is not DaytonaException)
        {
            TryDelete(directory, path);
            throw Failed($"Could not create a private ssh config file under {Path.GetTempPath()}: {ex.Message}", ex);
        }
        catch
        {
            TryDelete(directory, path);
            throw;
        }
        return new SshConfigFile(directory, path);
    }

    private static void CreateOnUnix(string directory, string content)
    {
        // One shell: umask 077 before mkdir (fails if the name exists) and before the file is created,
        // so neither is ever readable by others. The content goes through stdin, never argv.
        var psi = new ProcessStartInfo("/bin/sh")
        {
            Arguments = JoinArguments(new[] { "-c", "umask 077 && mkdir -- \"$1\" && cat > \"$1/" + FileName + "\"", "sh", directory }),
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            CreateNoWindow = true,
        };
        using var p = Process.Start(psi) ?? throw Failed("Could not start /bin/sh to create the ssh config file.", null);
        var err = p.StandardError.ReadToEndAsync();
        var utf8 = new UTF8Encoding(false);
        var bytes = utf8.GetBytes(content);
        p.StandardInput.BaseStream.Write(bytes, 0, bytes.Length);
        p.StandardInput.BaseStream.Flush();
        p.StandardInput.Close();
        p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(15000))
        {
            try { p.Kill(); } catch (InvalidOperationException) { }
            throw Failed("Creating the ssh config file timed out.", null);
        }
        if (p.ExitCode != 0) throw Failed("Could not create the ssh config file: " + err.Result.Trim(), null);
    }

    /// <summary>Where the runtime offers File.GetUnixFileMode (.NET 7+, i.e. PowerShell 7.3+), checks the exact mode.</summary>
    private static void VerifyUnixMode(string path, int expected)
    {
        var get = typeof(File).GetMethod("GetUnixFileMode", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string) }, null);
        if (get is null) return; // umask 077 made it so; nothing to read it with on this runtime
        var mode = Convert.ToInt32(get.Invoke(null, new object[] { path }), CultureInfo.InvariantCulture) & 0xFFF;
        if (mode != expected)
        {
            throw Failed(string.Format(CultureInfo.InvariantCulture, "{0} has mode {1} instead of {2}; refusing to use it.",
                path, Convert.ToString(mode, 8), Convert.ToString(expected, 8)), null);
        }
    }

    private static void CreateOnWindows(string directory, string path, string content)
    {
        Directory.CreateDirectory(directory);
        // Only the current user, nothing inherited (TEMP is per user already; this is defence in depth
        // and what Windows OpenSSH expects of a config file).
        var user = string.IsNullOrEmpty(Environment.UserDomainName) ? Environment.UserName : Environment.UserDomainName + "\\" + Environment.UserName;
        var icacls = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.System), "icacls.exe");
        var psi = new ProcessStartInfo(icacls)
        {
            Arguments = QuoteArgument(directory) + " /inheritance:r /grant:r " + QuoteArgument(user + ":(OI)(CI)F"),
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        using (var p = Process.Start(psi) ?? throw Failed("Could not start icacls.exe.", null))
        {
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw Failed("Could not restrict the ssh config directory to the current user (icacls): " + err.Result.Trim(), null);
        }
        using var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        var bytes = new UTF8Encoding(false).GetBytes(content);
        fs.Write(bytes, 0, bytes.Length);
    }

    private static DaytonaException Failed(string message, Exception? inner) =>
        new(ErrorIds.SshConfigFailed, ErrorCategory.WriteError, message, innerException: inner);

    private static string RandomName()
    {
        var bytes = new byte[12];
        using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(bytes);
        return BitConverter.ToString(bytes).Replace("-", string.Empty).ToLowerInvariant();
    }

    internal static string JoinArguments(System.Collections.Generic.IEnumerable<string> args)
    {
        var sb = new StringBuilder();
        foreach (var a in args)
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(QuoteArgument(a));
        }
        return sb.ToString();
    }

    /// <summary>Quotes one argument for ProcessStartInfo.Arguments (the Windows/.NET parsing rules, also used by .NET on Unix).</summary>
    internal static string QuoteArgument(string arg)
    {
        if (arg.Length > 0 && arg.IndexOfAny(new[] { ' ', '\t', '\n', '\v', '"', '\\' }) < 0) return arg;
        var sb = new StringBuilder("\"");
        var backslashes = 0;
        foreach (var c in arg)
        {
            if (c == '\\')
            {
                backslashes++;
                continue;
            }
            if (c == '"')
            {
                sb.Append('\\', backslashes * 2 + 1).Append('"');
            }
            else
            {
                sb.Append('\\', backslashes).Append(c);
            }
            backslashes = 0;
        }
        sb.Append('\\', backslashes * 2).Append('"');
        return sb.ToString();
    }

    private static void TryDelete(string directory, string path)
    {
        try
        {
            if (File.Exists(path))
            {
                // Overwrite before deleting so the token does not linger in freed blocks of a tmpfs page.
                var length = new System.IO.FileInfo(path).Length;
                using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None))
                {
                    fs.Write(new byte[length], 0, (int)length);
                }
                File.Delete(path);
            }
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
        }
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, true);
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        TryDelete(DirectoryPath, FilePath);
    }
}
