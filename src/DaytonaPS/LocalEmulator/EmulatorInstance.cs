using System;
using System.Diagnostics;
using System.Security;

namespace DaytonaPS;

/// <summary>
/// A local Daytona emulator started by Start-DaytonaEmulator. <see cref="ApiKey"/> is the key it
/// accepts, as a SecureString; it is never part of the display.
/// </summary>
public sealed class EmulatorInstance
{
    internal EmulatorInstance(Process process, string path, string apiUrl, SecureString apiKey, string startupNotes)
    {
        Process = process;
        ProcessId = process.Id;
        Path = path;
        ApiUrl = apiUrl;
        BaseUrl = apiUrl.EndsWith("/api", StringComparison.Ordinal) ? apiUrl.Substring(0, apiUrl.Length - 4) : apiUrl;
        ApiKey = apiKey;
        StartupNotes = startupNotes.Trim();
        StartedAt = DateTimeOffset.Now;
    }

    internal Process Process { get; }

    /// <summary>The API base URL (http://127.0.0.1:PORT/api): DAYTONA_API_URL for scripts under test.</summary>
    public string ApiUrl { get; }
    /// <summary>The emulator's root URL (admin routes such as /_emulator/runtime live under it).</summary>
    public string BaseUrl { get; }
    /// <summary>The API key the emulator accepts.</summary>
    public SecureString ApiKey { get; }
    /// <summary>The emulator's process id.</summary>
    public int ProcessId { get; }
    /// <summary>The emulator that was started (a DaytonaPS.Emulator.dll or the daytona-emulator tool).</summary>
    public string Path { get; }
    /// <summary>What the emulator said at start-up (its runtime, what is off and why).</summary>
    public string StartupNotes { get; }
    /// <summary>When it was started.</summary>
    public DateTimeOffset StartedAt { get; }
    /// <summary>True once the emulator's process has ended.</summary>
    public bool HasExited
    {
        get
        {
            try { return Process.HasExited; }
            catch (InvalidOperationException) { return true; }
        }
    }

    /// <summary>Whether Start-DaytonaEmulator -SetEnvironment set DAYTONA_API_URL/DAYTONA_API_KEY, and what they held before.</summary>
    internal bool SetEnvironment { get; set; }
    internal string? PreviousApiUrl { get; set; }
    internal string? PreviousApiKey { get; set; }

    public override string ToString() => ApiUrl;
}
