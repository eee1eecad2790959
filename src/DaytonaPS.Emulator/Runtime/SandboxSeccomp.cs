using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace DaytonaPS.Emulator.Runtime;

/// <summary>
/// A seccomp filter on every process of every sandbox: the system calls that Docker's default
/// profile keeps from containers and that a sandbox has no use for (kernel modules, kexec, reboot,
/// swap, the clock, keyrings, bpf, perf events, io_uring, userfaultfd, file handles, ...) fail
/// with EPERM. Compiled by libseccomp (Debian's libseccomp2, on practically every Linux because
/// systemd needs it), which also handles the 32-bit and x32 system-call tables.
/// </summary>
/// <remarks>
/// How every process gets it: a seccomp filter is a property of a thread, inherited by every
/// process it forks and kept across execve, setuid and setns. The filter is loaded on ONE thread
/// of the emulator that does nothing but start the sandboxes' host launchers (Process.Start forks
/// on the calling thread): bwrap or unshare for a sandbox's init, nsenter for every command,
/// session shell, terminal, interpreter and preview relay. So PID 1, whatever PID 1 reparents, and
/// every nsenter child run under the same filter from their first instruction, with no helper
/// binary to ship and nothing to add to the launch chain. The emulator's other threads, and
/// whatever else it runs on the host, are not filtered.
///
/// What stays allowed on purpose: unshare/clone of namespaces, setns, mount, umount2, pivot_root
/// and chroot. Nested user namespaces are part of the design (see <see cref="LinuxRuntime"/>:
/// each command runs in one, and Chromium's sandbox, bwrap or rootless podman inside a sandbox
/// need them), and these calls only do anything with a capability that a sandbox process has only
/// inside a nested namespace it made, over mounts the kernel keeps locked (SandboxIsolationTests
/// try it). Denying them would stop nothing more and break those programs; the launchers
/// themselves need them after the filter is on. Docker allows ptrace and process_vm_* too.
///
/// No no_new_privs on the launcher thread when the emulator is root (it may load a filter with
/// CAP_SYS_ADMIN): a root emulator's launchers then behave exactly as before. An unprivileged
/// emulator must set it (the kernel asks for it); its launchers use no set-uid program.
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class SandboxSeccomp
{
    /// <summary>The system calls that fail with EPERM in a sandbox (names unknown to this kernel's table are skipped).</summary>
    public static readonly string[] Denied =
    [
        // kernel modules, kexec, reboot, swap
        "init_module", "finit_module", "delete_module", "create_module", "query_module", "get_kernel_syms",
        "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff",
        // the clock, accounting, quotas, the kernel log, old and obsolete interfaces
        "settimeofday", "stime", "clock_settime", "clock_settime64", "clock_adjtime", "clock_adjtime64", "adjtimex",
        "acct", "quotactl", "quotactl_fd", "syslog", "vhangup", "nfsservctl", "sysfs", "_sysctl", "uselib", "ustat",
        "lookup_dcookie", "iopl", "ioperm", "vm86", "vm86old",
        // keyrings (not namespaced), bpf, perf events, fanotify
        "add_key", "request_key", "keyctl", "bpf", "perf_event_open", "fanotify_init",
        // file handles: the "shocker" escape reads any file of a mount's filesystem by inode
        "name_to_handle_at", "open_by_handle_at",
        // io_uring (a large kernel attack surface; Docker denies it since 25.0), userfaultfd
        "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd",
    ];

    private const string Library = "libseccomp.so.2";
    private const uint ActAllow = 0x7fff0000;
    private const uint Eperm = 1;
    private const uint ActErrnoEperm = 0x00050000 | Eperm;
    private const int AttrNoNewPrivs = 3;
    private const uint ArchX86_64 = 0xC000003E, ArchX86 = 0x40000003, ArchX32 = 0x4000003E, ArchAarch64 = 0xC00000B7, ArchArm = 0x40000028;

    [DllImport(Library)] private static extern IntPtr seccomp_init(uint defaultAction);
    [DllImport(Library)] private static extern void seccomp_release(IntPtr ctx);
    [DllImport(Library)] private static extern uint seccomp_arch_native();
    [DllImport(Library)] private static extern int seccomp_arch_add(IntPtr ctx, uint arch);
    [DllImport(Library)] private static extern int seccomp_attr_set(IntPtr ctx, int attr, uint value);
    [DllImport(Library)] private static extern int seccomp_syscall_resolve_name([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
    [DllImport(Library)] private static extern int seccomp_rule_add_array(IntPtr ctx, uint action, int syscall, uint argCount, IntPtr args);
    [DllImport(Library)] private static extern int seccomp_load(IntPtr ctx);

    private static readonly object s_lock = new();
    private static SandboxSeccomp? s_instance;
    private static string? s_failure;

    private readonly BlockingCollection<Action> _work = new();

    private SandboxSeccomp() { }

    /// <summary>The denied calls this kernel's tables know (what the filter holds).</summary>
    public IReadOnlyList<string> DeniedHere { get; private set; } = [];

    /// <summary>One line for the runtime's start-up notes.</summary>
    public string Describe() =>
        $"seccomp: {DeniedHere.Count} system calls fail with EPERM in every sandbox process (kernel modules, kexec, reboot, swap, clock, keyrings, bpf, perf_event_open, io_uring, userfaultfd, name_to_handle_at/open_by_handle_at, ...)";

    /// <summary>
    /// The process-wide launcher thread with the filter loaded, started on first use; null (and why
    /// not in <paramref name="why"/>) where libseccomp is missing or the kernel refuses the filter.
    /// </summary>
    public static SandboxSeccomp? Get(out string? why)
    {
        lock (s_lock)
        {
            if (s_instance is null && s_failure is null) Start();
            why = s_failure;
            return s_instance;
        }
    }

    private static void Start()
    {
        var instance = new SandboxSeccomp();
        var loaded = new TaskCompletionSource<IReadOnlyList<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try { loaded.SetResult(LoadOnThisThread()); }
            catch (Exception e)
            {
                loaded.SetException(e);
                return; // the thread ends: it never starts anything unfiltered
            }
            // Serves launches for the life of the process.
            foreach (var work in instance._work.GetConsumingEnumerable()) work();
        })
        {
            IsBackground = true,
            Name = "sandbox launcher (seccomp)",
        };
        thread.Start();
        try
        {
            instance.DeniedHere = loaded.Task.GetAwaiter().GetResult();
            s_instance = instance;
        }
        catch (DllNotFoundException)
        {
            s_failure = "libseccomp (libseccomp.so.2) is not installed (apt-get install libseccomp2)";
        }
        catch (Exception e) when (e is EntryPointNotFoundException or InvalidOperationException)
        {
            s_failure = e.Message;
        }
    }

    /// <summary>Compiles the filter and loads it on the calling thread only (no TSYNC).</summary>
    private static IReadOnlyList<string> LoadOnThisThread()
    {
        var ctx = seccomp_init(ActAllow);
        if (ctx == IntPtr.Zero) throw new InvalidOperationException("seccomp_init failed");
        try
        {
            // 32-bit programs get the same rules (without this their system calls would be killed).
            var native = seccomp_arch_native();
            if (native == ArchX86_64) { _ = seccomp_arch_add(ctx, ArchX86); _ = seccomp_arch_add(ctx, ArchX32); }
            else if (native == ArchAarch64) _ = seccomp_arch_add(ctx, ArchArm);
            if (Posix.IsRoot && seccomp_attr_set(ctx, AttrNoNewPrivs, 0) != 0) throw new InvalidOperationException("seccomp_attr_set(NNP) failed");
            var denied = new List<string>();
            foreach (var name in Denied)
            {
                var nr = seccomp_syscall_resolve_name(name);
                if (nr == -1) continue; // __NR_SCMP_ERROR: no such call in libseccomp's tables
                var rc = seccomp_rule_add_array(ctx, ActErrnoEperm, nr, 0, IntPtr.Zero);
                if (rc != 0) throw new InvalidOperationException($"seccomp_rule_add({name}) failed: {rc}");
                denied.Add(name);
            }
            var load = seccomp_load(ctx);
            if (load != 0) throw new InvalidOperationException($"the kernel refused the seccomp filter ({load})");
            return denied;
        }
        finally
        {
            seccomp_release(ctx);
        }
    }

    /// <summary>Starts a process on the filtered thread: it and all it starts run under the filter.</summary>
    public Process Start(ProcessStartInfo psi)
    {
        var done = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try { done.SetResult(Process.Start(psi) ?? throw new InvalidOperationException($"{psi.FileName} did not start")); }
            catch (Exception e) { done.SetException(e); }
        });
        // A blocking wait, as Process.Start itself is: the launcher thread needs no pool thread.
        return done.Task.GetAwaiter().GetResult();
    }
}
