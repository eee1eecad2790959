using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>
/// Escape attempts that must fail, and what a sandbox must look like from inside, for every way the
/// linux runtime runs: bubblewrap and unshare, with the tests' own privileges (root on CI) and as an
/// unprivileged user (a child emulator). Each escape is tried for real; a success is the failure.
/// </summary>
public abstract partial class SandboxIsolationTests<TFixture>(TFixture fx) where TFixture : IEmulatorTarget
{
    protected TFixture Fx => fx;

    /// <summary>
    /// Tries the syscalls behind container escapes and prints one line per attempt: remount of
    /// every mount read-write, new mounts, unmounting, and open_by_handle_at on every mount (with
    /// its own handle and with a forged one for inode 2, the "shocker" attack). Any line saying
    /// ALLOWED for a read-only remount or a handle is an escape.
    /// </summary>
    private const string EscapeScript = """
        import ctypes, os, errno, struct
        libc = ctypes.CDLL(None, use_errno=True)
        MS_RDONLY, MS_REMOUNT, MS_BIND = 1, 32, 4096
        def report(what, ok):
            e = ctypes.get_errno()
            print(what + ": " + ("ALLOWED" if ok else "DENIED " + errno.errorcode.get(e, str(e))))
        mounts = []
        for line in open("/proc/self/mountinfo"):
            f = line.split()
            mounts.append((f[4].replace("\\040", " "), "ro" in f[5].split(",")))
        for mp, ro in mounts:
            rc = libc.mount(None, mp.encode(), None, MS_REMOUNT | MS_BIND, None)
            report("remount-rw %s ro=%d" % (mp, ro), rc == 0)
        report("mount tmpfs /mnt", libc.mount(b"none", b"/mnt", b"tmpfs", 0, None) == 0)
        report("bind /usr /mnt", libc.mount(b"/usr", b"/mnt", None, MS_BIND, None) == 0)
        report("umount /usr", libc.umount2(b"/usr", 2) == 0)
        class Handle(ctypes.Structure):
            _fields_ = [("handle_bytes", ctypes.c_uint), ("handle_type", ctypes.c_int), ("f_handle", ctypes.c_ubyte * 128)]
        for mp, ro in mounts:
            try:
                fd = os.open(mp, os.O_RDONLY)
            except OSError:
                continue
            h = Handle(); h.handle_bytes = 128; mount_id = ctypes.c_int()
            if libc.name_to_handle_at(fd, b"", ctypes.byref(h), ctypes.byref(mount_id), 0x1000) == 0:
                r = libc.open_by_handle_at(fd, ctypes.byref(h), os.O_RDONLY)
                report("open_by_handle_at own %s" % mp, r >= 0)
            forged = Handle(); forged.handle_bytes = 8; forged.handle_type = 1
            ctypes.memmove(forged.f_handle, struct.pack("<II", 2, 0), 8)
            r = libc.open_by_handle_at(fd, ctypes.byref(forged), os.O_RDONLY)
            report("open_by_handle_at forged %s" % mp, r >= 0)
            os.close(fd)
        """;

    private async Task<string> UploadScriptAsync(string id)
    {
        using var body = new StringContent(EscapeScript);
        using (var up = await fx.Http.PostAsync(fx.Toolbox(id, "files/upload?path=/tmp/escape.py"), body))
            Assert.True(up.IsSuccessStatusCode, await up.Content.ReadAsStringAsync());
        var (hasPython, _) = await fx.ExecAsync(id, "command -v python3");
        Assert.True(hasPython == 0, "python3 is needed inside the sandbox (the host's /usr) for the syscall-level escape attempts");
        return "/tmp/escape.py";
    }

    [Fact]
    public async Task NoCapabilitiesAndNoNewPrivileges()
    {
        var id = await fx.CreateSandboxAsync();
        var (_, status) = await fx.ExecAsync(id, "grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):' /proc/self/status");
        foreach (var set in new[] { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" })
            Assert.Contains($"{set}:\t0000000000000000", status);
        Assert.Contains("NoNewPrivs:\t1", status);
        // Only the sandbox user exists: no uid 0 inside, host root's files belong to nobody.
        var (_, ids) = await fx.ExecAsync(id, "cat /proc/self/uid_map; stat -c %u /usr/bin/env");
        Assert.DoesNotMatch(@"(?m)^\s*0\s", ids);
        Assert.EndsWith("65534\n", ids);
    }

    [Fact]
    public async Task MountsCannotBeChangedAndFileHandlesDoNotOpen()
    {
        var id = await fx.CreateSandboxAsync();
        var script = await UploadScriptAsync(id);
        var (_, direct) = await fx.ExecAsync(id, $"python3 {script}");
        Assert.Contains("remount-rw /usr ro=1: DENIED", direct);
        Assert.Contains("open_by_handle_at forged /:", direct);
        Assert.DoesNotContain("ALLOWED", direct);

        // Even root of a nested user namespace (unshare -rm) gets only its own new mounts: the
        // read-only ones stay locked read-only and handles stay closed.
        var (_, nested) = await fx.ExecAsync(id, $"unshare -rm python3 {script} 2>&1");
        Assert.Contains("remount-rw /usr ro=1: DENIED", nested);
        Assert.DoesNotMatch(@"remount-rw \S+ ro=1: ALLOWED", nested);
        Assert.DoesNotMatch(@"open_by_handle_at \S+ \S+: ALLOWED", nested);

        // util-linux mount agrees, and the read-only trees stay read-only.
        var (code, output) = await fx.ExecAsync(id, "mount -o remount,bind,rw /usr 2>&1; mount -t tmpfs none /mnt 2>&1; touch /usr/escape 2>&1; echo done");
        Assert.Equal(0, code);
        Assert.Contains("Read-only file system", output);
        Assert.False(File.Exists("/usr/escape"));
        using var write = await fx.Http.PostAsync(fx.Toolbox(id, "files/upload?path=/usr/escape"), new StringContent("x"));
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        Assert.False(File.Exists("/usr/escape"));
    }

    [Fact]
    public async Task AnotherSandboxsFilesAreOutOfReach()
    {
        var a = await fx.CreateSandboxAsync();
        var b = await fx.CreateSandboxAsync();
        var secret = "secret-" + Guid.NewGuid().ToString("N");
        await fx.ExecAsync(a, $"for d in /home/daytona /tmp /workspace /opt /root /etc; do echo {secret} > $d/secret; done");
        var hostRootA = fx.HostRootOf(a);
        Assert.Equal(secret + "\n", await File.ReadAllTextAsync(Path.Combine(hostRootA, "workspace", "secret")));

        var (_, seen) = await fx.ExecAsync(b,
            $"cat /home/daytona/secret /tmp/secret /workspace/secret /opt/secret /root/secret /etc/secret {hostRootA}/workspace/secret 2>&1; " +
            "for p in /proc/[0-9]*; do cat $p/root/workspace/secret 2>/dev/null; done; grep -rs " + secret + " /home /tmp /workspace /opt /root /etc /var; true");
        Assert.DoesNotContain(secret, seen);
        using var api = await fx.Http.GetAsync(fx.Toolbox(b, "files/download?path=" + Uri.EscapeDataString(hostRootA + "/workspace/secret")));
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
    }

    [Fact]
    public async Task TheHostsFilesAreOutOfReach()
    {
        var id = await fx.CreateSandboxAsync();
        var marker = "host-" + Guid.NewGuid().ToString("N");
        var content = "content-" + Guid.NewGuid().ToString("N");
        var hostTmpFile = Path.Combine(Path.GetTempPath(), marker);
        await File.WriteAllTextAsync(hostTmpFile, content);
        var checkout = FindCheckoutFile();
        try
        {
            var (_, read) = await fx.ExecAsync(id, $"cat {hostTmpFile} {checkout} /root/.bash_history /root/.profile 2>&1; ls -A /root /tmp /home");
            Assert.DoesNotContain(content, read);
            Assert.DoesNotContain("Project(", read); // the .sln's text
            Assert.Equal(0, (await fx.ExecAsync(id, "test ! -e " + checkout)).ExitCode);

            // Writes land in the sandbox, never on the host.
            var (code, _) = await fx.ExecAsync(id, $"echo x > /tmp/{marker}-w; echo x > /root/{marker}-w; echo x > /etc/{marker}-w; mkdir -p {Path.GetDirectoryName(checkout)}; echo x > {checkout}.{marker}");
            Assert.Equal(0, code);
            Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), marker + "-w")));
            Assert.False(File.Exists($"/tmp/{marker}-w"));
            Assert.False(File.Exists($"/root/{marker}-w"));
            Assert.False(File.Exists($"/etc/{marker}-w"));
            Assert.False(File.Exists($"{checkout}.{marker}"));
            Assert.True(File.Exists(Path.Combine(fx.HostRootOf(id), "tmp", marker + "-w")));

            // No process of the sandbox names where it lives on the host (its PID 1 included).
            // (The pattern comes from a file: on grep's own command line it would match itself.)
            using (var pattern = await fx.Http.PostAsync(fx.Toolbox(id, "files/upload?path=/tmp/pattern"), new StringContent(fx.HostRootOf(id))))
                Assert.True(pattern.IsSuccessStatusCode);
            var (_, named) = await fx.ExecAsync(id, "cat /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c -F -f /tmp/pattern");
            Assert.Equal("0\n", named);
            // Nor does any file it can read (its /run/daytona included).
            var (_, files) = await fx.ExecAsync(id, "grep -r -l -F -f /tmp/pattern /run /etc /home /tmp /var /opt /root /workspace 2>/dev/null | grep -v '^/tmp/pattern$'");
            Assert.Equal("", files);
        }
        finally
        {
            File.Delete(hostTmpFile);
        }
    }

    [Fact]
    public async Task TheEmulatorAndOtherSandboxesCannotBeSignalled()
    {
        var a = await fx.CreateSandboxAsync();
        var b = await fx.CreateSandboxAsync();
        var job = "victim-" + Guid.NewGuid().ToString("N")[..12];
        await fx.ExecAsync(b, $"bash -c 'exec -a {job} sleep 300' >/dev/null 2>&1 &");
        await ToolboxProcessTests.WaitUntilAsync(() => ToolboxBackgroundTests.HostPidsWithMarker(job).Count > 0);
        var victim = ToolboxBackgroundTests.HostPidsWithMarker(job).Single();

        // By host pid, and then everything a can signal at all.
        var (_, output) = await fx.ExecAsync(a, $"kill -9 {fx.EmulatorProcessId} {victim} 2>&1; kill -9 -1 2>&1; echo survived");
        Assert.Contains("No such process", output);
        await Task.Delay(300);
        Assert.True(ToolboxProcessTests.ProcessAlive(victim));
        Assert.True(ToolboxProcessTests.ProcessAlive(fx.EmulatorProcessId));
        Assert.Equal(0, (await fx.ExecAsync(b, $"pgrep -f {job} >/dev/null")).ExitCode);
        // a's own processes are its own: kill -1 may end them, and a still runs commands.
        Assert.Equal((0, "ok\n"), await fx.ExecAsync(a, "echo ok"));
    }

    [Fact]
    public async Task TheHostsLoopbackServicesAreOutOfReach()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = listener.AcceptTcpClientAsync();
        var id = await fx.CreateSandboxAsync();
        var (code, output) = await fx.ExecAsync(id, $"timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port} && echo CONNECTED' 2>&1; cat /proc/net/route; ip -o link 2>/dev/null | cut -d: -f2");
        Assert.DoesNotContain("CONNECTED", output);
        Assert.Contains("refused", output);
        // No route anywhere (only the header of /proc/net/route) and no interface but loopback.
        Assert.Single(output.Split('\n'), l => l.StartsWith("Iface", StringComparison.Ordinal));
        Assert.DoesNotMatch(@"(?m)^\S+\t[0-9A-F]{8}", output);
        Assert.False(accepted.IsCompleted);

        // The sandbox's own loopback works, and two sandboxes can use the same port.
        var other = await fx.CreateSandboxAsync();
        foreach (var s in new[] { id, other })
            await fx.ExecAsync(s, $"nohup python3 -m http.server {port} --bind 127.0.0.1 >/dev/null 2>&1 &");
        foreach (var s in new[] { id, other })
        {
            var get = $"exec 3<>/dev/tcp/127.0.0.1/{port} && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3";
            var (served, page) = await fx.ExecAsync(s, $"for i in $(seq 50); do bash -c \"{get}\" 2>/dev/null && break; sleep 0.2; done");
            Assert.Equal(0, served);
            Assert.StartsWith("HTTP/1.0 200", page);
        }
        Assert.False(accepted.IsCompleted);
    }

    [Fact]
    public async Task FidelityIdentityEnvironmentAndWorkDir()
    {
        var id = await fx.CreateSandboxAsync();
        var (code, output) = await fx.ExecAsync(id, "whoami; id -u; hostname; pwd; echo $HOME; echo $DAYTONA_SANDBOX_ID; echo $DAYTONA_SANDBOX_SNAPSHOT; echo $DAYTONA_SANDBOX_USER");
        Assert.Equal(0, code);
        var lines = output.Split('\n');
        Assert.Equal(["daytona", "1000", id, "/home/daytona", "/home/daytona", id], lines[..6]);
        Assert.False(string.IsNullOrEmpty(lines[6]));
        Assert.Equal("daytona", lines[7]);
    }

    [Fact]
    public async Task WorkspaceAndOptAreWritableAndTheFileApiSeesTheSameFiles()
    {
        var id = await fx.CreateSandboxAsync();
        Assert.Equal(0, (await fx.ExecAsync(id, "echo cmd > /workspace/x; echo cmd > /opt/x; echo cmd > /var/x; echo cmd > /root/x; echo cmd > /etc/x")).ExitCode);
        foreach (var dir in new[] { "/workspace", "/opt", "/var", "/root", "/etc" })
        {
            Assert.Equal("cmd\n", await fx.Http.GetStringAsync(fx.Toolbox(id, $"files/download?path={dir}/x")));
            using (var up = await fx.Http.PostAsync(fx.Toolbox(id, $"files/upload?path={dir}/y/z.txt"), new StringContent("api")))
                Assert.True(up.IsSuccessStatusCode, await up.Content.ReadAsStringAsync());
        }
        // What the file API wrote belongs to the sandbox user, who can change and remove it.
        var (code, output) = await fx.ExecAsync(id, "cat /workspace/y/z.txt /opt/y/z.txt; stat -c %U /opt/y /opt/y/z.txt; echo more >> /etc/y/z.txt && rm -r /root/y && echo changed");
        Assert.Equal(0, code);
        Assert.Equal("apiapidaytona\ndaytona\nchanged\n", output);
    }

    [Fact]
    public async Task UploadKeepsAnExistingFilesMode()
    {
        var id = await fx.CreateSandboxAsync();
        using (var up = await fx.Http.PostAsync(fx.Toolbox(id, "files/upload?path=/workspace/run.sh"), new StringContent("#!/bin/sh\necho one\n")))
            Assert.True(up.IsSuccessStatusCode);
        Assert.Equal((0, "one\n"), await fx.ExecAsync(id, "chmod 755 /workspace/run.sh && /workspace/run.sh"));
        using (var again = await fx.Http.PostAsync(fx.Toolbox(id, "files/upload?path=/workspace/run.sh"), new StringContent("#!/bin/sh\necho two\n")))
            Assert.True(again.IsSuccessStatusCode);
        Assert.Equal((0, "two\n"), await fx.ExecAsync(id, "/workspace/run.sh"));
        var info = await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, "files/info?path=/workspace/run.sh"));
        Assert.Equal("0755", info.GetProperty("permissions").GetString());
        Assert.Equal("1000", info.GetProperty("owner").GetString());
    }

    [Fact]
    public async Task ABackgroundJobLivesUntilStop()
    {
        var id = await fx.CreateSandboxAsync();
        var job = "bg-" + Guid.NewGuid().ToString("N")[..12];
        Assert.Equal(0, (await fx.ExecAsync(id, $"bash -c 'exec -a {job} sleep 300' >/dev/null 2>&1 &")).ExitCode);
        Assert.Equal(0, (await fx.ExecAsync(id, $"sleep 0.5; pgrep -f {job}")).ExitCode);
        Assert.NotEmpty(ToolboxBackgroundTests.HostPidsWithMarker(job));
        using (var stop = await fx.Http.PostAsync($"api/sandbox/{id}/stop", null)) Assert.True(stop.IsSuccessStatusCode);
        await fx.WaitForStateAsync(id, "stopped");
        await ToolboxProcessTests.WaitUntilAsync(() => ToolboxBackgroundTests.HostPidsWithMarker(job).Count == 0);
        using (var start = await fx.Http.PostAsync($"api/sandbox/{id}/start", null)) Assert.True(start.IsSuccessStatusCode);
        await fx.WaitForStateAsync(id, "started");
        Assert.Equal(1, (await fx.ExecAsync(id, $"pgrep -f {job}")).ExitCode);
    }

    /// <summary>A file of this checkout (the tests run from it), by its host path.</summary>
    private static string FindCheckoutFile()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, "DaytonaPS.sln");
            if (File.Exists(file)) return file;
        }
        throw new InvalidOperationException("the checkout was not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>In this process (root on CI), bubblewrap.</summary>
public sealed class IsolationBwrapTests(ToolboxServerFixture fx) : SandboxIsolationTests<ToolboxServerFixture>(fx), IClassFixture<ToolboxServerFixture>;

/// <summary>In this process (root on CI), util-linux unshare.</summary>
public sealed class IsolationUnshareTests(UnshareRuntimeFixture fx) : SandboxIsolationTests<UnshareRuntimeFixture>(fx), IClassFixture<UnshareRuntimeFixture>;

/// <summary>An unprivileged emulator, bubblewrap.</summary>
public sealed class IsolationUnprivilegedBwrapTests(UnprivilegedEmulatorFixture fixture) : SandboxIsolationTests<UnprivilegedEmulatorFixture>(fixture), IClassFixture<UnprivilegedEmulatorFixture>
{
    [Fact]
    public async Task TheEmulatorRunsAsAnUnprivilegedUserAndSandboxesAsIt()
    {
        var info = await Fx.Http.GetFromJsonAsync<JsonElement>("_emulator/runtime");
        Assert.Equal("bwrap", info.GetProperty("launcher").GetString());
        if (ChildEmulatorFixture.TestsRunAsRoot)
        {
            Assert.StartsWith(ChildEmulatorFixture.ChildUid + " (the emulator's own uid)", info.GetProperty("hostUid").GetString());
            Assert.Contains($"Uid:\t{ChildEmulatorFixture.ChildUid}\t", await File.ReadAllTextAsync($"/proc/{Fx.EmulatorProcessId}/status"));
        }
    }
}

/// <summary>An unprivileged emulator with bubblewrap hidden: unshare.</summary>
public sealed class IsolationUnprivilegedUnshareTests(UnprivilegedUnshareEmulatorFixture fixture) : SandboxIsolationTests<UnprivilegedUnshareEmulatorFixture>(fixture), IClassFixture<UnprivilegedUnshareEmulatorFixture>
{
    [Fact]
    public async Task TheChildChoseUnshareBecauseBwrapWasHidden()
    {
        var info = await Fx.Http.GetFromJsonAsync<JsonElement>("_emulator/runtime");
        Assert.Equal("linux", info.GetProperty("runtime").GetString());
        Assert.Equal("unshare", info.GetProperty("launcher").GetString());
        Assert.Contains("DAYTONA_EMULATOR_NO_BWRAP", await Fx.StderrContainingAsync("DAYTONA_EMULATOR_NO_BWRAP"));
    }
}
