using System.Globalization;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Api;

/// <summary>/api/sandbox/*: CRUD, lifecycle, settings, labels.</summary>
internal static class SandboxEndpoints
{
    public static void Map(WebApplication app)
    {
        var g = app.MapGroup("/api/sandbox");

        g.MapGet("", (HttpContext http, EmulatorContext ctx) => Json(SandboxListing.List(ctx, http.Request.Query)));

        g.MapPost("", async (HttpContext http, EmulatorContext ctx) =>
        {
            var body = await JsonBody.ReadAsync<CreateSandboxRequest>(http);
            var sandbox = SandboxFactory.Create(ctx, body);
            // Daytona's server waits up to 30 s for 'started' here; the emulator replies at once
            // (state 'creating'), which clients must handle anyway (they poll GET until started).
            return Reply(ctx, sandbox);
        });

        g.MapGet("/{id}", (string id, EmulatorContext ctx) => Reply(ctx, Find(ctx, id)));

        g.MapDelete("/{id}", (string id, EmulatorContext ctx) => Lifecycle(ctx, id, SandboxLifecycle.Delete));
        g.MapPost("/{id}/start", (string id, EmulatorContext ctx) => Lifecycle(ctx, id, SandboxLifecycle.Start));
        // force (SIGKILL vs SIGTERM) makes no difference here: KillAll kills everything.
        g.MapPost("/{id}/stop", (string id, EmulatorContext ctx) => Lifecycle(ctx, id, SandboxLifecycle.Stop));
        g.MapPost("/{id}/archive", (string id, EmulatorContext ctx) => Lifecycle(ctx, id, SandboxLifecycle.Archive));
        // skipStart only skips the server-side wait, which the emulator never does.
        g.MapPost("/{id}/recover", (string id, EmulatorContext ctx) => Lifecycle(ctx, id, SandboxLifecycle.Recover));
        g.MapPost("/{id}/pause", (string id, EmulatorContext ctx) => Lifecycle(ctx, id, SandboxLifecycle.Pause));
        g.MapPost("/{id}/resize", async (string id, HttpContext http, EmulatorContext ctx) =>
        {
            var body = await JsonBody.ReadAsync<ResizeSandboxRequest>(http);
            return Lifecycle(ctx, id, (store, s) => SandboxLifecycle.Resize(store, s, body, ctx.Options));
        });
        g.MapPost("/{id}/fork", async (string id, HttpContext http, EmulatorContext ctx) =>
        {
            var body = await JsonBody.ReadAsync<ForkSandboxRequest>(http);
            return Reply(ctx, SandboxFactory.Fork(ctx, Find(ctx, id), body));
        });
        g.MapPost("/{id}/snapshot", async (string id, HttpContext http, EmulatorContext ctx) =>
        {
            var body = await JsonBody.ReadAsync<SandboxSnapshotRequest>(http);
            var s = Find(ctx, id);
            ctx.Snapshots.CreateFromSandbox(s, body.Name, body.IncludeMemory ?? false);
            lock (ctx.Store.Sync)
            {
                // The sandbox shows 'snapshotting' for a moment, then is what it was.
                var back = s.State;
                if (!s.Pending && back is "started" or "stopped") ctx.Store.BeginTransition(s, back, back, "snapshotting");
                return Json(SandboxFactory.ToDto(ctx, s));
            }
        });
        g.MapGet("/{id}/forks", (string id, HttpContext http, EmulatorContext ctx) =>
        {
            var include = http.Request.Query["includeDestroyed"] == "true";
            var parent = Find(ctx, id);
            lock (ctx.Store.Sync) return Json(ctx.Store.ForksOf(parent.Id, include).Select(f => SandboxFactory.ToDto(ctx, f)).ToList());
        });
        g.MapGet("/{id}/parent", (string id, EmulatorContext ctx) =>
        {
            var s = Find(ctx, id);
            var parent = s.ForkParentId is { } pid ? ctx.Store.FindAny(pid) : null;
            if (parent is null) throw new DaytonaHttpException(404, $"Sandbox {s.Id} is not a fork");
            return Reply(ctx, parent);
        });
        g.MapGet("/{id}/ancestors", (string id, EmulatorContext ctx) =>
        {
            // Nearest first: the parent, its parent, and so on.
            var chain = new List<SandboxRecord>();
            for (var at = Find(ctx, id); at.ForkParentId is { } pid && ctx.Store.FindAny(pid) is { } parent && chain.Count < 1000; at = parent) chain.Add(parent);
            lock (ctx.Store.Sync) return Json(chain.Select(a => SandboxFactory.ToDto(ctx, a)).ToList());
        });
        g.MapPost("/{id}/backup", (string id, EmulatorContext ctx) => Reply(ctx, Find(ctx, id)));

        g.MapPut("/{id}/labels", async (string id, HttpContext http, EmulatorContext ctx) =>
        {
            var body = await JsonBody.ReadAsync<SandboxLabelsRequest>(http);
            if (body.Labels is null) throw new DaytonaHttpException(400, "labels must be an object");
            // Server v0.190 answers the whole Sandbox (the spec says {labels}); both carry .labels.
            return Update(ctx, id, s => s.Labels = new Dictionary<string, string>(body.Labels));
        });

        g.MapPost("/{id}/public/{isPublic}", (string id, string isPublic, EmulatorContext ctx) =>
        {
            var value = Parse.PathBool(isPublic);
            return Update(ctx, id, s => s.Public = value, 201);
        });
        g.MapPost("/{id}/autostop/{interval}", (string id, string interval, EmulatorContext ctx) =>
        {
            var minutes = NonNegative(interval, "autoStopInterval");
            return Update(ctx, id, s => s.AutoStopInterval = minutes, 201);
        });
        g.MapPost("/{id}/autopause/{interval}", (string id, string interval, EmulatorContext ctx) =>
        {
            var minutes = NonNegative(interval, "autoPauseInterval");
            return Update(ctx, id, s => s.AutoPauseInterval = minutes, 201);
        });
        g.MapPost("/{id}/autoarchive/{interval}", (string id, string interval, EmulatorContext ctx) =>
        {
            var minutes = SandboxFactory.ArchiveInterval(NonNegative(interval, "autoArchiveInterval"));
            return Update(ctx, id, s => s.AutoArchiveInterval = minutes, 201);
        });
        g.MapPost("/{id}/autodelete/{interval}", (string id, string interval, EmulatorContext ctx) =>
        {
            var minutes = Parse.PathInt(interval);
            return Update(ctx, id, s => s.AutoDeleteInterval = minutes, 201);
        });
        g.MapPost("/{id}/ttl/{ttlMinutes}", (string id, string ttlMinutes, EmulatorContext ctx) =>
        {
            var minutes = NonNegative(ttlMinutes, "ttlMinutes");
            return Update(ctx, id, s => s.AutoDestroyAt = minutes == 0 ? null : s.CreatedAt + ctx.Store.MinuteLength * minutes, 201);
        });
        g.MapPost("/{id}/last-activity", (string id, EmulatorContext ctx) =>
        {
            Find(ctx, id).Touch();
            return Results.StatusCode(201);
        });
        g.MapPost("/{id}/network-settings", async (string id, HttpContext http, EmulatorContext ctx) =>
        {
            var body = await JsonBody.ReadAsync<NetworkSettingsRequest>(http);
            return Update(ctx, id, s => NetworkSettingsRules.Apply(s, body));
        });

        // Replaces the mounted secrets; new commands see the placeholders at once (the daemon env is reconciled
        // as Daytona's server does through the toolbox's POST /env with unsetValuePrefix).
        g.MapPut("/{id}/secrets", async (string id, HttpContext http, EmulatorContext ctx) =>
        {
            var body = await JsonBody.ReadAsync<UpdateSandboxSecretsRequest>(http);
            if (body.Secrets is null) throw new DaytonaHttpException(400, "secrets must be an array");
            var mounts = ctx.Secrets.ResolveMounts(body.Secrets);
            return Update(ctx, id, s =>
            {
                s.SecretEnv = mounts;
                s.ChangeDaemonEnv(env =>
                {
                    foreach (var (name, value) in env.ToList())
                    {
                        if (value.StartsWith(SecretStore.PlaceholderPrefix, StringComparison.Ordinal) && !mounts.ContainsKey(name)) env.Remove(name);
                    }
                    foreach (var (name, placeholder) in mounts) env[name] = placeholder;
                });
            });
        });

        g.MapGet("/{id}/toolbox-proxy-url", (string id, EmulatorContext ctx) =>
        {
            Find(ctx, id);
            return Json(new { url = ctx.ToolboxProxyUrl });
        });
        g.MapGet("/{id}/signing-key", (string id, EmulatorContext ctx) => Json(Find(ctx, id).SigningKey));
        g.MapPost("/{id}/signing-key/rotate", (string id, EmulatorContext ctx) =>
        {
            var s = Find(ctx, id);
            // A new key invalidates every signed preview URL made with the old one.
            lock (ctx.Store.Sync)
            {
                s.SigningKey = SandboxRecord.NewToken(32);
                s.SignedPreviewTokens.Clear();
            }
            return Json(s.SigningKey);
        });
        g.MapGet("/{id}/build-logs-url", (string id, EmulatorContext ctx) =>
        {
            var s = Find(ctx, id);
            if (s.BuildInfo is null) throw new DaytonaHttpException(404, $"Sandbox with ID {s.Id} has no build info");
            return Json(new { url = $"{ctx.ApiUrl}/sandbox/{s.Id}/build-logs" });
        });
        g.MapGet("/{id}/build-logs", async (string id, HttpContext http, EmulatorContext ctx) =>
        {
            var s = Find(ctx, id);
            if (s.BuildInfo is null) throw new DaytonaHttpException(404, $"Sandbox with ID {s.Id} has no build info");
            await WriteBuildLogsAsync(http, s, http.Request.Query["follow"] == "true");
        });

        SandboxAccessEndpoints.Map(g);
        SandboxTelemetryEndpoints.Map(g);
    }

    internal static SandboxRecord Find(EmulatorContext ctx, string id) => ctx.Store.Get(id);

    internal static IResult Json(object? value, int status = 200) => Results.Json(value, JsonDefaults.Options, statusCode: status);

    internal static IResult Reply(EmulatorContext ctx, SandboxRecord s, int status = 200)
    {
        lock (ctx.Store.Sync) return Json(SandboxFactory.ToDto(ctx, s), status);
    }

    private static IResult Lifecycle(EmulatorContext ctx, string id, Action<SandboxStore, SandboxRecord> action)
    {
        var s = Find(ctx, id);
        lock (ctx.Store.Sync)
        {
            action(ctx.Store, s);
            return Json(SandboxFactory.ToDto(ctx, s));
        }
    }

    private static IResult Update(EmulatorContext ctx, string id, Action<SandboxRecord> change, int status = 200)
    {
        var s = Find(ctx, id);
        lock (ctx.Store.Sync)
        {
            change(s);
            s.UpdatedAt = DateTime.UtcNow;
            return Json(SandboxFactory.ToDto(ctx, s), status);
        }
    }

    private static int NonNegative(string raw, string name)
    {
        var value = Parse.PathInt(raw);
        SandboxFactory.CheckMin(value, name, 0);
        return value;
    }

    /// <summary>A plain-text build log; with follow=true it streams until the build is over.</summary>
    private static async Task WriteBuildLogsAsync(HttpContext http, SandboxRecord s, bool follow)
    {
        http.Response.ContentType = "text/plain; charset=utf-8";
        var lines = new[]
        {
            "#1 [internal] load build definition from Dockerfile",
            $"#2 building {s.BuildInfo!.SnapshotRef}",
            "#3 DONE (emulated)",
        };
        foreach (var line in lines)
        {
            await http.Response.WriteAsync(line + "\n", http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
        }
        while (follow && s.State is ("pending_build" or "building_snapshot") && !http.RequestAborted.IsCancellationRequested)
        {
            await Task.Delay(100, http.RequestAborted);
        }
        await http.Response.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"Build finished: {s.State}\n"), http.RequestAborted);
    }
}
