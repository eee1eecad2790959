using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Api;

/// <summary>
/// Daytona's lifecycle rules (reference section 3.2, server v0.190). Every method runs with the
/// store's lock held, checks, then starts the transition; the reply shows the transitional state.
/// </summary>
internal static class SandboxLifecycle
{
    private const string InProgress = "Sandbox state change in progress";

    public static void Start(SandboxStore store, SandboxRecord s)
    {
        EnsureNotErrored(s);
        if (s.State == "started" && s.DesiredState == "started" && !s.Pending) return;
        // Starting is allowed while an archive has been asked for but not begun/finished.
        var cancelsArchive = s.DesiredState == "archived" && s.State is "stopped" or "archiving";
        if (!cancelsArchive) EnsureNoChangeInProgress(s);
        if (s.State is not ("stopped" or "archived" or "archiving" or "paused"))
            throw new DaytonaHttpException(400, "Sandbox is not in valid state");

        s.Touch();
        s.PreviewToken = SandboxRecord.NewToken(16);
        // A resumed sandbox keeps its memory, so its daemon keeps the env it had; any other start runs a new daemon.
        if (s.State != "paused") s.ResetDaemonEnv();
        var transitional = s.State switch
        {
            "archived" => "restoring",
            "paused" => "resuming",
            _ => "starting",
        };
        store.BeginTransition(s, "started", "started", transitional);
    }

    public static void Stop(SandboxStore store, SandboxRecord s)
    {
        EnsureNotErrored(s);
        EnsureNoChangeInProgress(s);
        if (s.State is not ("started" or "paused"))
            throw new DaytonaHttpException(400, "Sandbox is not in a stoppable state");
        store.BeginStop(s);
    }

    public static void Archive(SandboxStore store, SandboxRecord s)
    {
        EnsureNotErrored(s);
        EnsureNoChangeInProgress(s);
        if (s.State != "stopped") throw new DaytonaHttpException(400, "Sandbox is not stopped");
        if (s.AutoDeleteInterval == 0) throw new DaytonaHttpException(400, "Ephemeral sandboxes cannot be archived");
        store.BeginTransition(s, "archived", "archived", "archiving");
    }

    public static void Recover(SandboxStore store, SandboxRecord s)
    {
        EnsureNoChangeInProgress(s, allowErrored: true);
        if (s.State != "error") throw new DaytonaHttpException(400, "Sandbox is not in an error state");
        if (!s.Recoverable) throw new DaytonaHttpException(400, "Sandbox error is not recoverable");
        s.ErrorReason = null;
        s.Recoverable = false;
        s.Touch();
        store.BeginTransition(s, "started", "started", "starting");
    }

    public static void Delete(SandboxStore store, SandboxRecord s)
    {
        // Delete is refused only while a change is pending (not during a build).
        if (s.Pending && s.State != "pending_build") throw new DaytonaHttpException(409, InProgress);
        if (store.Live.Any(other => other.LinkedSandboxId == s.Id && other.State != "destroying"))
            throw new DaytonaHttpException(400, "Sandbox has linked sandboxes; delete them first");
        if (store.ForksOf(s.Id, includeDestroyed: false).Any(fork => fork.State != "destroying"))
            throw new DaytonaHttpException(400, "Sandbox has active forks; delete them first");
        store.BeginDestroy(s);
    }

    /// <summary>
    /// sandbox.service pause (v0.190): started (400), no pending change (409), a VM class (422), then
    /// pausing -> paused. The emulator keeps the processes running (state only); start resumes.
    /// </summary>
    public static void Pause(SandboxStore store, SandboxRecord s)
    {
        if (s.State != "started") throw new DaytonaHttpException(400, "Sandbox must be in started state to pause");
        if (s.Pending) throw new DaytonaHttpException(409, InProgress);
        if (s.SandboxClass is not ("linux-vm" or "windows"))
            throw new DaytonaHttpException(422, "Pausing is not supported for this sandbox");
        store.BeginTransition(s, "paused", "paused", "pausing");
    }

    /// <summary>
    /// sandbox.service resize (v0.190), in its order: the body's minimums (DTO validation), the state (400),
    /// a pending change (409), then nothing asked, disk while running, decreases, no change at all (400), limits.
    /// </summary>
    public static void Resize(SandboxStore store, SandboxRecord s, ResizeSandboxRequest body, EmulatorOptions options)
    {
        const string NoChange = "No resource changes specified - sandbox is already at the desired configuration";
        SandboxFactory.CheckMin(body.Cpu, "cpu", 1);
        SandboxFactory.CheckMin(body.Memory, "memory", 1);
        SandboxFactory.CheckMin(body.Disk, "disk", 1);
        if (body.Gpu is { } gpu && gpu != s.Gpu) throw new DaytonaHttpException(400, "GPU resources cannot be resized");
        if (s.State is not ("started" or "stopped")) throw new DaytonaHttpException(400, "Sandbox must be in started or stopped state to resize");
        if (s.Pending || s.State != s.DesiredState) throw new DaytonaHttpException(409, InProgress);
        if (body.Cpu is null && body.Memory is null && body.Disk is null) throw new DaytonaHttpException(400, NoChange);
        var started = s.State == "started";
        if (body.Disk is not null && started) throw new DaytonaHttpException(400, "Disk resize can only be performed on a stopped sandbox");
        if (started && body.Cpu < s.Cpu) throw new DaytonaHttpException(400, "Sandbox must be in stopped state to decrease the number of CPU cores");
        if (started && body.Memory < s.Memory) throw new DaytonaHttpException(400, "Sandbox must be in stopped state to decrease memory");
        if (body.Disk < s.Disk) throw new DaytonaHttpException(400, "Sandbox disk size cannot be decreased");
        if ((body.Cpu ?? s.Cpu) == s.Cpu && (body.Memory ?? s.Memory) == s.Memory && (body.Disk ?? s.Disk) == s.Disk)
            throw new DaytonaHttpException(400, NoChange);

        OrganizationLimits.CheckPerSandbox(options, body.Cpu ?? s.Cpu, body.Memory ?? s.Memory, body.Disk ?? s.Disk);

        s.Cpu = body.Cpu ?? s.Cpu;
        s.Memory = body.Memory ?? s.Memory;
        s.Disk = body.Disk ?? s.Disk;
        s.Runtime.Container.SetLimits(s.Cpu, s.Memory);
        var back = s.State;
        store.BeginTransition(s, back, back, "resizing");
    }

    private static void EnsureNotErrored(SandboxRecord s)
    {
        if (s.State is "error" or "build_failed") throw new DaytonaHttpException(400, "Sandbox is in an errored state");
    }

    /// <summary>409 while a change is pending, or while the state differs from the desired state.</summary>
    private static void EnsureNoChangeInProgress(SandboxRecord s, bool allowErrored = false)
    {
        if (allowErrored && s.State == "error") return;
        if (s.Pending || s.State != s.DesiredState) throw new DaytonaHttpException(409, InProgress);
    }
}
