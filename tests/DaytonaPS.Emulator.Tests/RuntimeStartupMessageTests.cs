using System.Diagnostics;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>`--runtime linux` where it cannot work: the emulator refuses to start with one clear line.</summary>
public sealed class RuntimeStartupMessageTests
{
    [Fact]
    public async Task RuntimeLinuxThatCannotWorkSaysWhyInOneLineAndLeavesNothingBehind()
    {
        if (!OperatingSystem.IsLinux()) return;
        var tmp = Path.Combine(Path.GetTempPath(), "startup-message-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(tmp);
        try
        {
            // bwrap only, with bwrap hidden (a child process: the variable must not reach other tests' emulators).
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "DaytonaPS.Emulator.dll"), "--urls", "http://127.0.0.1:0", "--api-key", "k", "--runtime", "linux", "--linux-launcher", "bwrap" })
                psi.ArgumentList.Add(a);
            psi.Environment["DAYTONA_EMULATOR_NO_BWRAP"] = "1";
            psi.Environment["TMPDIR"] = tmp;
            psi.Environment.Remove("DAYTONA_EMULATOR_API_KEY");
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));

            Assert.Equal(1, process.ExitCode);
            Assert.Equal("", await stdout); // no API URL: nothing started
            var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var line = Assert.Single(lines);
            Assert.StartsWith("daytona-emulator: cannot start: --runtime linux cannot work here (bubblewrap not found", line);
            Assert.Contains("user namespaces", line);
            Assert.Contains("--runtime auto or --runtime none", line);
            Assert.Empty(Directory.EnumerateFileSystemEntries(tmp, "daytona-emulator-*"));
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }
}
