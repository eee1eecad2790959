using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Api;

/// <summary>
/// The organization's regions and per-sandbox resource limits, checked as Daytona's server does
/// (v0.190 sandbox.service getValidatedOrDefaultRegion and validateOrganizationQuotas; the same
/// checks in snapshot.service and resize). Limits come from --max-cpu/--max-memory/--max-disk,
/// regions from --targets.
/// </summary>
internal static class OrganizationLimits
{
    private const string PerSandboxLimitMessage =
        "Need higher resource limits per-sandbox? Contact us at support@daytona.io and let us know about your use case.";

    /// <summary>The region a target names (trimmed; empty means the default region), or 404 "Region not found".</summary>
    public static string Region(EmulatorContext context, string? target)
    {
        var name = target?.Trim();
        if (string.IsNullOrEmpty(name)) return context.Options.Targets[0];
        return context.Options.Targets.Contains(name, StringComparer.Ordinal) ? name : throw new DaytonaHttpException(404, "Region not found");
    }

    /// <summary>400 when a resource exceeds the per-sandbox limit (checked in Daytona's order: cpu, memory, disk).</summary>
    public static void CheckPerSandbox(EmulatorOptions options, int cpu, int memory, int disk)
    {
        if (cpu > options.MaxCpu)
            throw new DaytonaHttpException(400, $"CPU request {cpu} exceeds maximum allowed per sandbox ({options.MaxCpu}).\n{PerSandboxLimitMessage}");
        if (memory > options.MaxMemory)
            throw new DaytonaHttpException(400, $"Memory request {memory}GB exceeds maximum allowed per sandbox ({options.MaxMemory}GB).\n{PerSandboxLimitMessage}");
        if (disk > options.MaxDisk)
            throw new DaytonaHttpException(400, $"Disk request {disk}GB exceeds maximum allowed per sandbox ({options.MaxDisk}GB).\n{PerSandboxLimitMessage}");
    }
}
