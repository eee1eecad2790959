using System.Diagnostics;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

public abstract partial class SandboxIsolationTests<TFixture>
{
    /// <summary>
    /// Makes each system call named on the command line (all of them without arguments) with
    /// harmless arguments and prints "NAME: OK" or "NAME: ERRNO". Without a filter several of them
    /// work for anyone (add_key, keyctl, name_to_handle_at, userfaultfd in user mode, iopl(0),
    /// sysfs) or fail with another errno than EPERM (EFAULT, EBADF, ENOENT, EINVAL), so "EPERM"
    /// for every one is the filter's doing. Arguments are chosen so that even host root changes
    /// nothing: kexec_load with an unknown flag, reboot without its magic, swap and module calls on
    /// names that do not exist, no vhangup at all.
    /// </summary>
    internal const string SyscallProbe = """
        import ctypes, errno, os, platform, sys
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        X86 = platform.machine() == "x86_64"
        # (x86_64, aarch64) numbers; None where the architecture has no such call.
        NR = {
            "init_module": (175, 105), "finit_module": (313, 273), "delete_module": (176, 106),
            "kexec_load": (246, 104), "kexec_file_load": (320, 294), "reboot": (169, 142),
            "swapon": (167, 224), "swapoff": (168, 225), "settimeofday": (164, 170),
            "clock_settime": (227, 112), "clock_adjtime": (305, 266), "acct": (163, 89),
            "quotactl": (179, 60), "quotactl_fd": (443, 443), "syslog": (103, 116),
            "lookup_dcookie": (212, 18), "sysfs": (139, None), "ustat": (136, None),
            "uselib": (134, None), "iopl": (172, None), "ioperm": (173, None),
            "add_key": (248, 217), "request_key": (249, 218), "keyctl": (250, 219),
            "bpf": (321, 280), "perf_event_open": (298, 241), "fanotify_init": (300, 262),
            "name_to_handle_at": (303, 264), "open_by_handle_at": (304, 265),
            "io_uring_setup": (425, 425), "io_uring_enter": (426, 426), "io_uring_register": (427, 427),
            "userfaultfd": (323, 282),
        }
        S = lambda s: ctypes.c_char_p(s.encode())
        handle = ctypes.create_string_buffer(136); ctypes.memmove(handle, (128).to_bytes(4, "little"), 4)
        mount_id = ctypes.c_int()
        ARGS = {
            "init_module": (None, 0, S("")), "finit_module": (-1, S(""), 0),
            "delete_module": (S("dtn_no_such_module"), os.O_NONBLOCK),
            "kexec_load": (0, 0, None, 0x8000), "kexec_file_load": (-1, -1, 0, S(""), 0x8000),
            "reboot": (0, 0, 0, None), "swapon": (S("/nonexistent-dtn"), 0), "swapoff": (S("/nonexistent-dtn"),),
            "settimeofday": (None, None), "clock_settime": (0, None), "clock_adjtime": (0, None),
            "acct": (S("/nonexistent-dtn/acct"),), "quotactl": (0, None, 0, None), "quotactl_fd": (-1, 0, 0, None),
            "syslog": (10, None, 0), "lookup_dcookie": (0, None, 0), "sysfs": (3,), "ustat": (0, None),
            "uselib": (S("/nonexistent-dtn"),), "iopl": (0,), "ioperm": (0, 1, 0),
            "add_key": (S("user"), S("dtn-probe"), S("x"), 1, -2), "request_key": (S("user"), S("dtn-none"), None, 0),
            "keyctl": (0, -2, 0), "bpf": (0, None, 0), "perf_event_open": (None, 0, -1, -1, 0),
            "fanotify_init": (0, 0), "name_to_handle_at": (-100, S("/"), handle, ctypes.byref(mount_id), 0),
            "open_by_handle_at": (-1, handle, 0), "io_uring_setup": (1, None),
            "io_uring_enter": (-1, 0, 0, 0, None, 0), "io_uring_register": (-1, 0, None, 0), "userfaultfd": (1,),
        }
        for name in sys.argv[1:] or sorted(NR):
            nr = NR[name][0 if X86 else 1]
            if nr is None:
                continue
            ctypes.set_errno(0)
            rc = libc.syscall(ctypes.c_long(nr), *ARGS[name])
            e = ctypes.get_errno()
            print("%s: %s" % (name, "OK" if rc >= 0 else errno.errorcode.get(e, str(e))))
        """;

    /// <summary>Calls that, without a filter, answer otherwise than EPERM even for an unprivileged user.</summary>
    private static readonly string[] AnsweredWithoutAFilter = ["add_key", "keyctl", "name_to_handle_at", "io_uring_setup", "perf_event_open", "bpf", "clock_settime"];

    private async Task<string> UploadAsync(string id, string path, string text)
    {
        using var body = new StringContent(text);
        using (var up = await fx.Http.PostAsync(fx.Toolbox(id, "files/upload?path=" + path), body))
            Assert.True(up.IsSuccessStatusCode, await up.Content.ReadAsStringAsync());
        return path;
    }

    private static void AssertAllDenied(string output, string who)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 25, $"{who}: the probe printed too little: {output}");
        foreach (var line in lines) Assert.True(line.EndsWith(": EPERM", StringComparison.Ordinal), $"{who}: {line}\n{output}");
        foreach (var name in AnsweredWithoutAFilter) Assert.Contains(name + ": EPERM", output);
    }

    [Fact]
    public async Task DeniedSystemCallsFailWithEpermForTheUserAndForNestedRoot()
    {
        var id = await fx.CreateSandboxAsync();
        var probe = await UploadAsync(id, "/tmp/syscalls.py", SyscallProbe);
        var (code, asUser) = await fx.ExecAsync(id, $"python3 {probe} 2>&1");
        Assert.Equal(0, code);
        AssertAllDenied(asUser, "daytona");
        // Root of a nested user and mount namespace, with every capability there.
        var (_, who) = await fx.ExecAsync(id, "unshare -rm sh -c 'id -u; grep ^CapEff: /proc/self/status'");
        Assert.StartsWith("0\n", who);
        Assert.DoesNotContain("CapEff:\t0000000000000000", who);
        var (nestedCode, asRoot) = await fx.ExecAsync(id, $"unshare -rm python3 {probe} 2>&1");
        Assert.Equal(0, nestedCode);
        AssertAllDenied(asRoot, "nested root");
    }

    [Fact]
    public void TheProbeTellsAFilterFromNone()
    {
        // On the host (no filter), the same probe gets other answers: the test above can fail.
        Assert.Equal("0", File.ReadAllLines("/proc/self/status").Single(l => l.StartsWith("Seccomp:", StringComparison.Ordinal)).Split('\t')[1]);
        var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-c", SyscallProbe }.Concat(AnsweredWithoutAFilter)) psi.ArgumentList.Add(a);
        using var python = Process.Start(psi)!;
        var output = python.StandardOutput.ReadToEnd();
        python.WaitForExit();
        foreach (var name in AnsweredWithoutAFilter)
            Assert.Matches($"(?m)^{name}: (?!EPERM$)", output);
    }

    [Fact]
    public async Task EveryProcessOfTheSandboxRunsUnderTheFilter()
    {
        var id = await fx.CreateSandboxAsync();
        var job = "seccomp-bg-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(0, (await fx.ExecAsync(id, $"bash -c 'exec -a {job} sleep 300' >/dev/null 2>&1 &")).ExitCode);
        // A session's long-lived shell with a job of its own.
        var session = "seccomp-" + Guid.NewGuid().ToString("N")[..8];
        using (var create = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "process/session"), new { sessionId = session }))
            Assert.True(create.IsSuccessStatusCode, await create.Content.ReadAsStringAsync());
        using (var run = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, $"process/session/{session}/exec"), new { command = "sleep 301 >/dev/null 2>&1 &", runAsync = false }))
            Assert.True(run.IsSuccessStatusCode, await run.Content.ReadAsStringAsync());
        var (_, statuses) = await fx.ExecAsync(id,
            "sleep 0.3; for s in /proc/[0-9]*/status; do printf '%s %s %s\\n' \"$(awk '/^Name:/{print $2}' $s)\" \"$(awk '/^Seccomp:/{print $2}' $s)\" \"$(awk '/^NoNewPrivs:/{print $2}' $s)\"; done 2>/dev/null");
        var lines = statuses.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 5, statuses); // PID 1, the job, the session's shell and job, this command
        // Seccomp 2 = filter mode, for all of them, PID 1 (bwrap's or unshare's init) included.
        foreach (var line in lines) Assert.Matches(@"^\S+ 2 [01]$", line);
        Assert.Contains(lines, l => l.StartsWith("sleep ", StringComparison.Ordinal));
        var (_, init) = await fx.ExecAsync(id, "grep ^Seccomp: /proc/1/status");
        Assert.Equal("Seccomp:\t2\n", init);
        // The runtime says so.
        var info = await fx.Http.GetFromJsonAsync<JsonElement>("_emulator/runtime");
        Assert.Contains(info.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("seccomp: ", StringComparison.Ordinal) && n.GetString()!.Contains("EPERM"));
    }

    [Fact]
    public async Task OrdinaryWorkStillWorksUnderTheFilter()
    {
        var id = await fx.CreateSandboxAsync();
        foreach (var tool in new[] { "git", "python3", "node", "cc", "make" })
            Assert.True((await fx.ExecAsync(id, "command -v " + tool)).ExitCode == 0, tool + " is needed inside the sandbox (the host's /usr) for this test");
        var script = """
            set -e
            cd /workspace && mkdir app && cd app
            git init -q . && git config user.email t@example.com && git config user.name t
            printf 'int main(void){return 0;}\n' > main.c
            printf 'all: app\napp: main.c\n\tcc -O0 -o app main.c\n' > Makefile
            make -s && ./app && echo built
            git add -A && git commit -qm one && git log --oneline | wc -l
            python3 -c 'import subprocess, threading, asyncio, tempfile, mmap; print("python", subprocess.run(["true"]).returncode)'
            node -e 'require("fs").promises.writeFile("/tmp/n", "x").then(() => console.log("node", require("fs").readFileSync("/tmp/n", "utf8")))'
            unshare -r id -u
            unshare -rm sh -c 'mount -t tmpfs none /mnt && touch /mnt/own && echo nested-mount'
            """;
        var path = await UploadAsync(id, "/tmp/ordinary.sh", script);
        var (code, output) = await fx.ExecAsync(id, "bash " + path + " 2>&1");
        Assert.True(code == 0, output);
        Assert.Equal("built\n1\npython 0\nnode x\n0\nnested-mount\n", output);
    }
}
