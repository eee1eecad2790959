using System;
using System.Collections.Generic;
using System.Management.Automation;
using DaytonaPS.Auth;
using DaytonaPS.LocalEmulator;

namespace DaytonaPS.Commands.Emulator;

/// <summary>
/// Stop-DaytonaEmulator: stops emulators started by Start-DaytonaEmulator (the piped ones, or all
/// that this PowerShell started) and restores DAYTONA_API_URL/DAYTONA_API_KEY if -SetEnvironment set them.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "DaytonaEmulator", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(void))]
public sealed class StopDaytonaEmulatorCommand : DaytonaCmdlet
{
    /// <summary>The emulator to stop. Default: every emulator this PowerShell process started that still runs.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public EmulatorInstance[]? InputObject { get; set; }

    /// <summary>How long the emulator may take to end its sandboxes before its processes are killed.</summary>
    [Parameter]
    [ValidateRange(0, 600)]
    public int GraceSec { get; set; } = 10;

    private bool _sawInput;

    protected override void ProcessRecord()
    {
        if (InputObject is null) return;
        _sawInput = true;
        foreach (var instance in InputObject) Stop(instance);
    }

    protected override void EndProcessing()
    {
        if (_sawInput || MyInvocation.BoundParameters.ContainsKey(nameof(InputObject))) return;
        foreach (var instance in EmulatorProcess.Running()) Stop(instance);
    }

    private void Stop(EmulatorInstance instance)
    {
        if (!ShouldProcess($"emulator at {instance.ApiUrl} (process {instance.ProcessId})", "Stop")) return;
        Run(async (pipe, ct) =>
        {
            await EmulatorProcess.StopAsync(instance, TimeSpan.FromSeconds(GraceSec), ct).ConfigureAwait(false);
            pipe.WriteVerbose($"Stopped the emulator at {instance.ApiUrl}.");
        }, instance);
        if (instance.SetEnvironment)
        {
            instance.SetEnvironment = false;
            // Put back what was there, unless something else changed the variables since.
            if (Environment.GetEnvironmentVariable(CredentialResolver.ApiUrlVariable) == instance.ApiUrl)
            {
                Environment.SetEnvironmentVariable(CredentialResolver.ApiUrlVariable, instance.PreviousApiUrl);
                Environment.SetEnvironmentVariable(CredentialResolver.ApiKeyVariable, instance.PreviousApiKey);
                WriteVerbose($"Restored {CredentialResolver.ApiUrlVariable} and {CredentialResolver.ApiKeyVariable}.");
            }
        }
    }
}
