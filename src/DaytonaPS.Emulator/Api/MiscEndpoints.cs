using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Api;

/// <summary>/api/config, /api/health, /api/api-keys/current, /api/regions.</summary>
internal static class MiscEndpoints
{
    private static readonly DateTime Started = DateTime.UtcNow;

    private static readonly string[] Permissions =
    [
        "write:registries", "delete:registries", "write:snapshots", "delete:snapshots", "write:sandboxes",
        "delete:sandboxes", "read:volumes", "write:volumes", "delete:volumes", "write:regions", "delete:regions",
        "read:runners", "write:runners", "delete:runners", "read:audit_logs",
    ];

    public static void Map(WebApplication app)
    {
        // Unauthenticated, as on Daytona.
        app.MapGet("/api/config", (EmulatorContext ctx) =>
        {
            var limits = ctx.Faults.Current.RateLimits;
            object? Entry(string name) => limits.TryGetValue(name, out var l) && l > 0 ? new { ttl = RateLimiter.WindowSeconds, limit = l } : null;
            var uri = new Uri(ctx.BaseUrl);
            return SandboxEndpoints.Json(new
            {
                version = EmulatorContext.DaemonVersion,
                oidc = new { issuer = ctx.BaseUrl + "/oidc", clientId = "daytona-emulator", audience = "daytona-emulator" },
                linkedAccountsEnabled = false,
                announcements = new Dictionary<string, object>(),
                proxyTemplateUrl = $"{uri.Scheme}://{{{{PORT}}}}-{{{{sandboxId}}}}.localhost:{uri.Port}",
                proxyToolboxUrl = ctx.ToolboxProxyUrl,
                defaultSnapshot = SnapshotStore.DefaultSnapshotName,
                dashboardUrl = ctx.BaseUrl + "/dashboard",
                maxAutoArchiveInterval = EmulatorContext.MaxAutoArchiveInterval,
                maintananceMode = false,
                environment = "emulator",
                sshGatewayCommand = SandboxAccessEndpoints.SshGatewayTemplate(ctx),
                rateLimit = new
                {
                    authenticated = Entry("authenticated"),
                    sandboxCreate = Entry("sandbox-create"),
                    sandboxLifecycle = Entry("sandbox-lifecycle"),
                },
            });
        });

        var healthy = new { status = "ok", info = new { }, error = new { }, details = new { } };
        app.MapGet("/api/health", () => SandboxEndpoints.Json(healthy));
        app.MapGet("/api/health/ready", () => SandboxEndpoints.Json(healthy));

        app.MapGet("/api/api-keys/current", (HttpContext http, EmulatorContext ctx) =>
        {
            var header = http.Request.Headers.Authorization.ToString();
            var token = header.Length > 7 ? header[7..].Trim() : "";
            if (ctx.Options.Jwt is not null && AuthMiddleware.SecretEquals(token, ctx.Options.Jwt))
                throw new DaytonaHttpException(400, "Current API key can only be retrieved when authenticated with an API key");
            return SandboxEndpoints.Json(new
            {
                name = "emulator",
                value = Mask(token),
                createdAt = Iso.Format(Started),
                permissions = Permissions,
                lastUsedAt = Iso.Format(DateTime.UtcNow),
                expiresAt = (string?)null,
                userId = "emulator-user",
                organizationId = ctx.Options.EffectiveOrganizationId,
            });
        });

        object Region(string id) => new
        {
            id,
            name = id,
            organizationId = (string?)null,
            regionType = "shared",
            createdAt = Iso.Format(Started),
            updatedAt = Iso.Format(Started),
        };
        // The regions of --targets (default us, eu), the first being the organization's default.
        app.MapGet("/api/regions", (EmulatorContext ctx) => SandboxEndpoints.Json(ctx.Options.Targets.Select(Region).ToList()));
        app.MapGet("/api/shared-regions", (EmulatorContext ctx) => SandboxEndpoints.Json(ctx.Options.Targets.Select(Region).ToList()));
    }

    /// <summary>Like Daytona's masked value: a short prefix and suffix at most; short keys are fully hidden.</summary>
    internal static string Mask(string key) =>
        key.Length >= 16 ? key[..3] + new string('*', 20) + key[^3..] : new string('*', 20);
}
