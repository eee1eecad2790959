using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using DaytonaPS.Auth;
using DaytonaPS.LocalEmulator;

namespace DaytonaPS.Commands.Emulator;

/// <summary>
/// Start-DaytonaEmulator: starts the local Daytona emulator on a free loopback port for a user's own
/// tests (as Azurite is for Azure Storage) and returns it once it answers. With -SetEnvironment,
/// DAYTONA_API_URL and DAYTONA_API_KEY point every DaytonaPS cmdlet (and the scripts under test) at it.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "DaytonaEmulator", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(EmulatorInstance))]
public sealed class StartDaytonaEmulatorCommand : DaytonaCmdlet
{
    /// <summary>The emulator: DaytonaPS.Emulator.dll or the daytona-emulator tool. Default: DAYTONA_EMULATOR_PATH, then daytona-emulator on PATH.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Where sandbox commands run: auto (default), linux or none.</summary>
    [Parameter]
    [ValidateSet("auto", "linux", "none", "docker")]
    public string? Runtime { get; set; }

    /// <summary>The API key the emulator accepts. Default: a new random key.</summary>
    [Parameter]
    [ValidateNotNull]
    public SecureString? ApiKey { get; set; }

    /// <summary>More emulator options, e.g. '--transition-ms', '0' or '--fault-rate', '0.1' (see daytona-emulator --help).</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] ArgumentList { get; set; } = Array.Empty<string>();

    /// <summary>Sets DAYTONA_API_URL and DAYTONA_API_KEY in this process to the emulator's; Stop-DaytonaEmulator restores them.</summary>
    [Parameter]
    public SwitchParameter SetEnvironment { get; set; }

    /// <summary>How long to wait for the emulator to answer.</summary>
    [Parameter]
    [ValidateRange(1, 600)]
    public int TimeoutSec { get; set; } = 60;

    protected override void ProcessRecord()
    {
        string path;
        try
        {
            // A relative -Path is relative to PowerShell's location, which is not the process's
            // current directory once the user has run Set-Location.
            path = EmulatorProcess.Locate(Path is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path));
        }
        catch (DaytonaException ex)
        {
            HandleFailure(ex, Path);
            return;
        }
        if (!ShouldProcess(path, "Start the local Daytona emulator on a loopback port")) return;
        var arguments = new List<string>();
        if (Runtime is not null) arguments.AddRange(new[] { "--runtime", Runtime });
        arguments.AddRange(ArgumentList);
        var key = ApiKey ?? SecretText.ToSecureString("dtn_emulator_" + Guid.NewGuid().ToString("N"));
        Run(async (pipe, ct) =>
        {
            var instance = await EmulatorProcess.StartAsync(path, arguments, key, TimeSpan.FromSeconds(TimeoutSec), ct).ConfigureAwait(false);
            pipe.WriteVerbose($"The emulator ({path}, process {instance.ProcessId}) answers at {instance.ApiUrl}.");
            foreach (var note in instance.StartupNotes.Split(new[] { '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries))
                pipe.WriteVerbose(note.Trim());
            if (SetEnvironment)
            {
                instance.SetEnvironment = true;
                instance.PreviousApiUrl = Environment.GetEnvironmentVariable(CredentialResolver.ApiUrlVariable);
                instance.PreviousApiKey = Environment.GetEnvironmentVariable(CredentialResolver.ApiKeyVariable);
                Environment.SetEnvironmentVariable(CredentialResolver.ApiUrlVariable, instance.ApiUrl);
                Environment.SetEnvironmentVariable(CredentialResolver.ApiKeyVariable, SecretText.Reveal(key));
                pipe.WriteVerbose($"Set {CredentialResolver.ApiUrlVariable} and {CredentialResolver.ApiKeyVariable} for this process.");
            }
            pipe.WriteObject(instance);
        }, path);
    }
}
