using System.Globalization;

namespace DaytonaPS.Emulator;

/// <summary>Command-line (and in-process) settings of the emulator.</summary>
public sealed class EmulatorOptions
{
    public const string Usage = """
        usage: DaytonaPS.Emulator [options]
          --urls URL               listen address (default http://127.0.0.1:0; loopback only unless --allow-remote)
          --allow-remote           allow a non-loopback listen address
          --api-key KEY            accepted API key (repeatable; also read from DAYTONA_EMULATOR_API_KEY)
          --jwt TOKEN --organization-id ORG
                                   accept a JWT; requests must send X-Daytona-Organization-ID: ORG
          --latency-ms N           added latency per request
          --fault-rate P           probability 0..1 of injecting a fault per /api or toolbox request
          --fault-kinds LIST       comma list of 500,503,429,reset,slow (default: all of these), and the
                                   opt-in kinds (not part of 'all'): ws-drop (drops a follow=true logs
                                   WebSocket mid-stream) and lost-reply (the request is carried out,
                                   then the connection drops without a reply)
          --fault-retry-after N    seconds an injected 429 asks clients to wait (Retry-After-NAME; default 1)
          --seed N                 seed for reproducible faults
          --transition-ms N        how long transitional states last (default 300)
          --build-min-ms N         least time a Dockerfile snapshot stays building (default 2000; the
                                   SDKs poll each second and stream the build log only once they see
                                   building, as Daytona's builds always take seconds)
          --max-cpu N              per-sandbox limit on vCPUs, as the organization's (default 4)
          --max-memory N           per-sandbox limit on memory in GB (default 8)
          --max-disk N             per-sandbox limit on disk in GB (default 10)
          --targets LIST           comma list of regions (targets) sandboxes may use; the first is the
                                   default (default us,eu)
          --rate-limit NAME=N      requests per minute for throttler NAME (sandbox-create, sandbox-lifecycle, authenticated)
          --data-dir DIR           where sandboxes live (default a temp dir removed on exit)
          --no-sandboxing          same as --runtime none (sandbox commands never run on the host)
          --runtime KIND           where sandbox commands run: auto (default: linux where it works, else none),
                                   linux (namespaces via bubblewrap or util-linux unshare), none (no commands),
                                   docker (not implemented yet)
          --linux-launcher TOOL    auto (default: bubblewrap if it works, else unshare), bwrap or unshare
          --seccomp on|off         the seccomp filter on every sandbox process (default on: kernel modules,
                                   kexec, reboot, bpf, perf_event_open, keyrings, io_uring, file handles...
                                   fail with EPERM)
          --pids-limit N           processes per sandbox where the emulator enforces limits (root, cgroups;
                           default 4096; 0 = no limit)
          --sandbox-host-uid N     host uid (and gid) sandbox users run as when the emulator is root
                                   (default 2000001000; never 0)
          --ssh-port N             port of the SSH gateway on 127.0.0.1 (default 0: a free port, as for --urls)
          --no-ssh                 no SSH gateway (it needs Node.js and the ssh2 package of its sidecar)
        While running, /_emulator/faults changes these fault settings and POST /_emulator/faults/next
        {"kind":"lost-reply","method":"DELETE","path":"/api/sandbox/*","count":1} gives the next
        matching requests a fault whatever the fault rate (see README).
        """;

    public string Urls { get; set; } = "http://127.0.0.1:0";
    public bool AllowRemote { get; set; }
    public List<string> ApiKeys { get; } = new();
    public string? Jwt { get; set; }
    public string? OrganizationId { get; set; }
    public int LatencyMs { get; set; }
    public double FaultRate { get; set; }
    public HashSet<string> FaultKinds { get; } = new(StringComparer.OrdinalIgnoreCase);
    public int? Seed { get; set; }

    /// <summary>Retry-After-NAME of an injected 429 (real rate limits send their window's remainder).</summary>
    public int FaultRetryAfterSec { get; set; } = DefaultFaultRetryAfterSec;

    public const int DefaultFaultRetryAfterSec = 1;
    public int TransitionMs { get; set; } = 300;

    /// <summary>
    /// The least time a snapshot with a Dockerfile stays in building (a faster build waits out the
    /// rest): the SDKs poll each second and follow the build log only after they have seen
    /// building, so a build that ended between two polls would show them no log at all.
    /// </summary>
    public int BuildMinMs { get; set; } = 2000;
    public Dictionary<string, int> RateLimits { get; } = new(StringComparer.OrdinalIgnoreCase);
    public string? DataDir { get; set; }

    /// <summary>Per-sandbox limits (Daytona's organization defaults: 4 vCPU, 8 GB memory, 10 GB disk).</summary>
    public int MaxCpu { get; set; } = 4;
    public int MaxMemory { get; set; } = 8;
    public int MaxDisk { get; set; } = 10;

    /// <summary>Regions sandboxes and snapshots may name as target; the first is the organization's default.</summary>
    public List<string> Targets { get; set; } = ["us", "eu"];
    public bool NoSandboxing { get; set; }

    /// <summary>--no-ssh: no SSH gateway sidecar.</summary>
    public bool NoSsh { get; set; }

    /// <summary>--ssh-port: the gateway's port on 127.0.0.1 (0 = a free one).</summary>
    public int SshPort { get; set; }
    public bool ShowHelp { get; set; }

    /// <summary>What "all" (and no --fault-kinds) means: faults any client of the API may meet.</summary>
    public static readonly string[] AllFaultKinds = ["500", "503", "429", "reset", "slow"];

    /// <summary>
    /// Every kind, in the canonical order seeds draw from. ws-drop and lost-reply are opt-in: the
    /// official SDK neither reconnects a dropped log follow nor recovers from a reply lost after the
    /// server acted, so putting them in "all" would fail clients that used to pass under "all";
    /// they exist to test clients that do.
    /// </summary>
    public static readonly string[] KnownFaultKinds = [.. AllFaultKinds, "ws-drop", "lost-reply"];
    public static readonly string[] Throttlers = ["sandbox-create", "sandbox-lifecycle", "authenticated"];

    /// <summary>The organization every API key belongs to.</summary>
    public string EffectiveOrganizationId => OrganizationId ?? "00000000-0000-4000-8000-000000000001";

    public static EmulatorOptions Parse(IReadOnlyList<string> args)
    {
        var o = new EmulatorOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value()
            {
                if (i + 1 >= args.Count) throw new ArgumentException($"{name} needs a value.");
                return args[++i];
            }
            int PositiveValue(int n) => n > 0 ? n : throw new ArgumentException($"{name} needs a positive integer, not '{n}'.");
            int IntValue()
            {
                var v = Value();
                if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 0)
                    throw new ArgumentException($"{name} needs a non-negative integer, not '{v}'.");
                return n;
            }
            switch (name)
            {
                case "--urls": o.Urls = CheckUrls(Value()); break;
                case "--allow-remote": o.AllowRemote = true; break;
                case "--api-key": o.ApiKeys.Add(Value()); break;
                case "--jwt": o.Jwt = Value(); break;
                case "--organization-id": o.OrganizationId = Value(); break;
                case "--latency-ms": o.LatencyMs = IntValue(); break;
                case "--fault-rate":
                    var rate = Value();
                    if (!double.TryParse(rate, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) || p < 0 || p > 1)
                        throw new ArgumentException($"--fault-rate needs a number from 0 to 1, not '{rate}'.");
                    o.FaultRate = p;
                    break;
                case "--fault-kinds":
                    foreach (var kind in Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (kind.Equals("all", StringComparison.OrdinalIgnoreCase)) { o.FaultKinds.UnionWith(AllFaultKinds); continue; }
                        if (!KnownFaultKinds.Contains(kind, StringComparer.OrdinalIgnoreCase))
                            throw new ArgumentException($"unknown fault kind '{kind}'; use {string.Join(", ", KnownFaultKinds)} or all.");
                        o.FaultKinds.Add(kind);
                    }
                    break;
                case "--seed": o.Seed = IntValue(); break;
                case "--fault-retry-after": o.FaultRetryAfterSec = IntValue(); break;
                case "--transition-ms": o.TransitionMs = IntValue(); break;
                case "--build-min-ms": o.BuildMinMs = IntValue(); break;
                case "--rate-limit":
                    var spec = Value();
                    var eq = spec.IndexOf('=');
                    if (eq <= 0 || !int.TryParse(spec[(eq + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var limit) || limit < 0)
                        throw new ArgumentException($"--rate-limit needs NAME=N, not '{spec}'.");
                    var throttler = spec[..eq];
                    if (!Throttlers.Contains(throttler, StringComparer.OrdinalIgnoreCase))
                        throw new ArgumentException($"unknown throttler '{throttler}'; use {string.Join(", ", Throttlers)}.");
                    o.RateLimits[throttler] = limit;
                    break;
                case "--data-dir": o.DataDir = Value(); break;
                case "--pids-limit": o.PidsLimit = IntValue(); break;
                case "--max-cpu": o.MaxCpu = PositiveValue(IntValue()); break;
                case "--max-memory": o.MaxMemory = PositiveValue(IntValue()); break;
                case "--max-disk": o.MaxDisk = PositiveValue(IntValue()); break;
                case "--targets":
                    var targets = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (targets.Length == 0) throw new ArgumentException("--targets needs at least one region name.");
                    o.Targets = targets.Distinct(StringComparer.Ordinal).ToList();
                    break;
                case "--no-sandboxing": o.NoSandboxing = true; break;
                case "--no-ssh": o.NoSsh = true; break;
                case "--ssh-port": o.SshPort = IntValue() is var sshPort and >= 0 and <= 65535 ? sshPort : throw new ArgumentException("--ssh-port must be 0..65535"); break;
                case "--runtime" or "--linux-launcher" or "--sandbox-host-uid" or "--seccomp": o.ParseRuntimeOption(name, Value()); break;
                case "-h": case "--help": o.ShowHelp = true; break;
                default: throw new ArgumentException($"unknown option '{name}'.");
            }
        }
        if (o.Jwt is not null && o.OrganizationId is null)
            throw new ArgumentException("--jwt needs --organization-id.");
        if (o.FaultKinds.Count == 0) o.FaultKinds.UnionWith(AllFaultKinds);
        return o;
    }

    /// <summary>
    /// The listen addresses: ';'-separated http:// or https:// URLs with a host (+ and * mean all
    /// interfaces). Anything else fails here with one clear message instead of inside Kestrel.
    /// </summary>
    public static string CheckUrls(string urls)
    {
        var list = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (list.Length == 0) throw new ArgumentException("--urls needs at least one address such as http://127.0.0.1:0.");
        foreach (var url in list)
        {
            if (ListenUri(url) is not { } uri || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0
                || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.UserInfo.Length > 0)
                throw new ArgumentException($"--urls: '{url}' is not a listen address; use http://HOST:PORT such as http://127.0.0.1:0.");
        }
        return string.Join(';', list);
    }

    /// <summary>A listen URL as a Uri, with Kestrel's wildcard hosts (+, *) as 0.0.0.0; null if it is not one.</summary>
    public static Uri? ListenUri(string url) =>
        Uri.TryCreate(url.Replace("://+", "://0.0.0.0").Replace("://*", "://0.0.0.0"), UriKind.Absolute, out var uri) ? uri : null;

    // ---- Sandbox runtime (Runtime/): kept in one block so other changes to this file merge cleanly.

    /// <summary>--runtime: auto, linux, none or docker (docker answers "not implemented yet").</summary>
    public string Runtime { get; set; } = "auto";

    /// <summary>--linux-launcher: auto, bwrap or unshare.</summary>
    public string LinuxLauncher { get; set; } = "auto";

    /// <summary>--seccomp on|off: the seccomp filter on every sandbox process (Runtime/SandboxSeccomp.cs); on by default.</summary>
    public bool Seccomp { get; set; } = true;

    /// <summary>--pids-limit: processes per sandbox (pids.max) where limits are enforced; 0 = none.</summary>
    public int PidsLimit { get; set; } = 4096;

    /// <summary>--sandbox-host-uid: the unprivileged host uid/gid a root emulator runs sandboxes as.</summary>
    public uint SandboxHostUid { get; set; } = DefaultSandboxHostUid;

    public const uint DefaultSandboxHostUid = 2_000_001_000;
    public static readonly string[] RuntimeKinds = ["auto", "linux", "none", "docker"];
    public static readonly string[] LinuxLaunchers = ["auto", "bwrap", "unshare"];

    private void ParseRuntimeOption(string name, string value)
    {
        switch (name)
        {
            case "--runtime":
                if (!RuntimeKinds.Contains(value, StringComparer.OrdinalIgnoreCase))
                    throw new ArgumentException($"unknown runtime '{value}'; use {string.Join(", ", RuntimeKinds)}.");
                if (value.Equals("docker", StringComparison.OrdinalIgnoreCase))
                    throw new ArgumentException("--runtime docker is not implemented yet; use --runtime linux (Linux namespaces) or --runtime none.");
                Runtime = value.ToLowerInvariant();
                break;
            case "--linux-launcher":
                if (!LinuxLaunchers.Contains(value, StringComparer.OrdinalIgnoreCase))
                    throw new ArgumentException($"unknown launcher '{value}'; use {string.Join(", ", LinuxLaunchers)}.");
                LinuxLauncher = value.ToLowerInvariant();
                break;
            case "--seccomp":
                Seccomp = value.ToLowerInvariant() switch
                {
                    "on" => true,
                    "off" => false,
                    _ => throw new ArgumentException($"--seccomp needs on or off, not '{value}'."),
                };
                break;
            case "--sandbox-host-uid":
                if (!uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var uid) || uid == 0 || uid == uint.MaxValue)
                    throw new ArgumentException($"--sandbox-host-uid needs a uid other than 0, not '{value}'.");
                SandboxHostUid = uid;
                break;
        }
    }
}
