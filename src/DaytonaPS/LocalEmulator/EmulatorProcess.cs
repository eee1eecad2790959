using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Auth;

namespace DaytonaPS.LocalEmulator;

/// <summary>
/// Finds, starts and stops the local Daytona emulator (the DaytonaPS.Emulator .NET tool) as a child
/// process on a free loopback port, for users' own tests (Start-/Stop-DaytonaEmulator). The API key
/// reaches the emulator through its environment (DAYTONA_EMULATOR_API_KEY), never its command line.
/// </summary>
internal static class EmulatorProcess
{
    public const string ToolCommand = "daytona-emulator";
    public const string PathVariable = "DAYTONA_EMULATOR_PATH";

    private static readonly List<EmulatorInstance> Started = new();
    private static int _exitHookInstalled;

    /// <summary>The emulator to run: the given path, else DAYTONA_EMULATOR_PATH, else daytona-emulator on PATH or in ~/.dotnet/tools.</summary>
    public static string Locate(string? path)
    {
        var given = !string.IsNullOrEmpty(path) ? path : Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrEmpty(given))
        {
            var full = System.IO.Path.GetFullPath(given!);
            if (File.Exists(full)) return full;
            throw NotFound($"The emulator '{full}' does not exist{(string.IsNullOrEmpty(path) ? $" ({PathVariable})" : "")}.");
        }
        var names = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? new[] { ToolCommand + ".exe", ToolCommand + ".cmd" } : new[] { ToolCommand };
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator)
            .Concat(new[] { System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools") });
        foreach (var folder in folders.Where(f => f.Length > 0))
        {
            foreach (var name in names)
            {
                var candidate = System.IO.Path.Combine(folder, name);
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw NotFound($"The Daytona emulator ({ToolCommand}) was not found on PATH or in ~/.dotnet/tools, and {PathVariable} is not set.");
    }

    private static DaytonaException NotFound(string message) => new(
        ErrorIds.EmulatorNotFound, System.Management.Automation.ErrorCategory.ObjectNotFound, message, terminating: true,
        recommendedAction: "Install it with 'dotnet tool install --global DaytonaPS.Emulator --add-source <folder holding DaytonaPS.Emulator.*.nupkg>', or give -Path (DaytonaPS.Emulator.dll or the tool's executable).");

    /// <summary>Starts the emulator and returns once it prints its API URL (or fails with its own one-line reason).</summary>
    public static async Task<EmulatorInstance> StartAsync(string path, IReadOnlyList<string> arguments, SecureString apiKey, TimeSpan timeout, CancellationToken ct)
    {
        var isDll = path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var all = new List<string>();
        if (isDll) all.Add(path);
        all.AddRange(new[] { "--urls", "http://127.0.0.1:0" });
        all.AddRange(arguments);
        var psi = new ProcessStartInfo(isDll ? DotnetHost() : path, string.Join(" ", all.Select(QuoteArgument)))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            CreateNoWindow = true,
        };
        psi.Environment["DAYTONA_EMULATOR_API_KEY"] = SecretText.Reveal(apiKey);
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new DaytonaException(ErrorIds.EmulatorFailed, System.Management.Automation.ErrorCategory.ResourceUnavailable,
                $"Cannot start the emulator '{path}': {ex.Message}", path, terminating: true, innerException: ex);
        }
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) if (stderr.Length < 16384) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        var firstLine = process.StandardOutput.ReadLineAsync();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var waited = await Task.WhenAny(firstLine, Task.Delay(Timeout.Infinite, deadline.Token)).ConfigureAwait(false);
        string? url = waited == firstLine ? await firstLine.ConfigureAwait(false) : null;
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url!.Trim(), UriKind.Absolute, out _))
        {
            Kill(process);
            ct.ThrowIfCancellationRequested();
            string reason;
            lock (stderr) reason = string.Join(" ", stderr.ToString().Split(new[] { '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).Take(5));
            var why = waited == firstLine ? "ended without printing its URL" : $"did not print its URL within {timeout.TotalSeconds:0} s";
            throw new DaytonaException(ErrorIds.EmulatorFailed, System.Management.Automation.ErrorCategory.ResourceUnavailable,
                $"The emulator '{path}' {why}{(reason.Length > 0 ? ": " + reason : ".")}", path, terminating: true,
                recommendedAction: "Run the emulator by hand with the same arguments to see its output; '--help' lists its options.");
        }
        // Keep draining stdout so the emulator never blocks on a full pipe.
        _ = process.StandardOutput.ReadToEndAsync();
        string notes;
        lock (stderr) notes = stderr.ToString();
        var instance = new EmulatorInstance(process, path, url.Trim(), apiKey, notes);
        lock (Started) Started.Add(instance);
        InstallExitHook();
        return instance;
    }

    /// <summary>The emulators started by this process that are still running.</summary>
    public static IReadOnlyList<EmulatorInstance> Running()
    {
        lock (Started) return Started.Where(i => !i.HasExited).ToList();
    }

    /// <summary>
    /// Stops the emulator: a graceful stop first (SIGTERM on Unix, so it ends its sandboxes and
    /// removes its temporary data), then the whole process tree after <paramref name="grace"/>.
    /// </summary>
    public static async Task StopAsync(EmulatorInstance instance, TimeSpan grace, CancellationToken ct)
    {
        lock (Started) Started.Remove(instance);
        var process = instance.Process;
        if (!process.HasExited && !RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            _ = SysKill(process.Id, SigTerm);
            var until = DateTime.UtcNow + grace;
            while (!process.HasExited && DateTime.UtcNow < until) await Task.Delay(50, ct).ConfigureAwait(false);
        }
        Kill(process);
        process.Dispose();
    }

    private static void Kill(Process process)
    {
        try
        {
            if (process.HasExited) return;
            // Process.Kill(bool entireProcessTree) exists on the .NET that runs PowerShell 7 but not in
            // netstandard2.0; without it (Windows PowerShell) only the emulator itself is killed.
            var tree = typeof(Process).GetMethod("Kill", new[] { typeof(bool) });
            if (tree is not null) tree.Invoke(process, new object[] { true });
            else process.Kill();
            process.WaitForExit(10000);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TargetInvocationException or System.ComponentModel.Win32Exception)
        {
            // already gone
        }
    }

    private static void InstallExitHook()
    {
        if (Interlocked.Exchange(ref _exitHookInstalled, 1) == 1) return;
        // An emulator a user forgot to stop must not outlive the PowerShell that started it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var i in Running()) Kill(i.Process);
        };
    }

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host!;
        var running = Process.GetCurrentProcess().MainModule?.FileName;
        if (running is not null && System.IO.Path.GetFileNameWithoutExtension(running).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return running;
        return "dotnet";
    }

    /// <summary>
    /// One argument quoted for ProcessStartInfo.Arguments, which .NET splits by the Windows rules
    /// (CommandLineToArgvW) on every OS. Hand-written because netstandard2.0 has no ArgumentList.
    /// </summary>
    internal static string QuoteArgument(string value)
    {
        if (value.Length > 0 && value.IndexOfAny(new[] { ' ', '\t', '\n', '\v', '"' }) < 0) return value;
        var sb = new StringBuilder("\"");
        var backslashes = 0;
        foreach (var c in value)
        {
            if (c == '\\') { backslashes++; continue; }
            if (c == '"') sb.Append('\\', backslashes * 2 + 1);
            else sb.Append('\\', backslashes);
            backslashes = 0;
            sb.Append(c);
        }
        sb.Append('\\', backslashes * 2);
        return sb.Append('"').ToString();
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}
