using System.Globalization;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Api;

/// <summary>SSH access tokens and preview URLs of a sandbox.</summary>
internal static class SandboxAccessEndpoints
{
    /// <summary>Daytona's gateway port, named in sshCommand when the emulator's own gateway is off.</summary>
    public const int SshGatewayPort = 2222;

    public static void Map(RouteGroupBuilder g)
    {
        // Literal segments win over {id}, so this is not taken for a sandbox called "ssh-access".
        g.MapGet("/ssh-access/validate", (HttpContext http, EmulatorContext ctx) =>
        {
            var token = http.Request.Query["token"].ToString();
            if (string.IsNullOrEmpty(token)) throw new DaytonaHttpException(400, "token should not be empty");
            var now = DateTime.UtcNow;
            lock (ctx.Store.Sync)
            {
                foreach (var s in ctx.Store.Live)
                {
                    if (s.SshAccesses.Any(a => AuthMiddleware.SecretEquals(token, a.Token) && a.ExpiresAt > now))
                        return SandboxEndpoints.Json(new { valid = true, sandboxId = s.Id });
                }
            }
            return SandboxEndpoints.Json(new { valid = false, sandboxId = (string?)null });
        });

        g.MapPost("/{id}/ssh-access", async (string id, HttpContext http, EmulatorContext ctx) =>
        {
            // The command names the gateway's port: let it be listening before a client can use it.
            if (ctx.SshGateway is { } gateway)
            {
                try { await gateway.Ready.WaitAsync(TimeSpan.FromSeconds(30), http.RequestAborted); }
                catch (TimeoutException) { }
            }
            var minutes = 60.0;
            var raw = http.Request.Query["expiresInMinutes"].ToString();
            if (raw.Length > 0 && (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out minutes) || minutes <= 0))
                throw new DaytonaHttpException(400, "expiresInMinutes must be a positive number");
            // An expiry past DateTime's range would overflow: a client error, not a 500.
            if (minutes > (DateTime.MaxValue - DateTime.UtcNow).TotalMinutes - 1)
                throw new DaytonaHttpException(400, "expiresInMinutes is too large");
            var s = SandboxEndpoints.Find(ctx, id);
            var now = DateTime.UtcNow;
            var access = new SshAccess(Guid.NewGuid().ToString(), SandboxRecord.NewToken(32), now, now.AddMinutes(minutes));
            lock (ctx.Store.Sync)
            {
                // Creating a token revokes any earlier ones (server v0.190).
                s.SshAccesses.Clear();
                s.SshAccesses.Add(access);
            }
            return SandboxEndpoints.Json(new SshAccessDto
            {
                Id = access.Id,
                SandboxId = s.Id,
                Token = access.Token,
                ExpiresAt = Iso.Format(access.ExpiresAt),
                CreatedAt = Iso.Format(access.CreatedAt),
                UpdatedAt = Iso.Format(access.CreatedAt),
                SshCommand = SshCommand(ctx, access.Token),
            });
        });

        g.MapDelete("/{id}/ssh-access", (string id, HttpContext http, EmulatorContext ctx) =>
        {
            var token = http.Request.Query["token"].ToString();
            var s = SandboxEndpoints.Find(ctx, id);
            lock (ctx.Store.Sync)
            {
                if (string.IsNullOrEmpty(token)) s.SshAccesses.Clear();
                else s.SshAccesses.RemoveAll(a => AuthMiddleware.SecretEquals(token, a.Token));
            }
            return SandboxEndpoints.Reply(ctx, s);
        });

        g.MapGet("/{id}/ports/{port}/preview-url", (string id, string port, EmulatorContext ctx) =>
        {
            var p = Port(port);
            var s = SandboxEndpoints.Find(ctx, id);
            return SandboxEndpoints.Json(new { sandboxId = s.Id, url = PreviewUrl(ctx, $"{p}-{s.Id}"), token = s.PreviewToken });
        });

        g.MapGet("/{id}/ports/{port}/signed-preview-url", (string id, string port, HttpContext http, EmulatorContext ctx) =>
        {
            var p = Port(port);
            var seconds = 60;
            var raw = http.Request.Query["expiresInSeconds"].ToString();
            if (raw.Length > 0 && !int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out seconds))
                throw new DaytonaHttpException(400, "expiresInSeconds must be an integer number");
            if (seconds is < 1 or > 86400) throw new DaytonaHttpException(400, "expiresInSeconds must be between 1 and 86400");
            var s = SandboxEndpoints.Find(ctx, id);
            var token = SandboxRecord.NewToken(16);
            lock (ctx.Store.Sync) s.SignedPreviewTokens[token] = (p, DateTime.UtcNow.AddSeconds(seconds));
            return SandboxEndpoints.Json(new { sandboxId = s.Id, port = p, token, url = PreviewUrl(ctx, $"{p}-{token}") });
        });

        g.MapPost("/{id}/ports/{port}/signed-preview-url/{token}/expire", (string id, string port, string token, EmulatorContext ctx) =>
        {
            Port(port);
            var s = SandboxEndpoints.Find(ctx, id);
            lock (ctx.Store.Sync) s.SignedPreviewTokens.Remove(token);
            return Results.StatusCode(201);
        });
    }

    /// <summary>e.g. ssh -p 2222 TOKEN@127.0.0.1: the emulator's host, Daytona's gateway form.</summary>
    public static string SshCommand(EmulatorContext ctx, string token) =>
        SshGatewayTemplate(ctx).Replace("{{TOKEN}}", token, StringComparison.Ordinal);

    public static string SshGatewayTemplate(EmulatorContext ctx) =>
        $"ssh -p {ctx.SshGateway?.Port ?? SshGatewayPort} {{{{TOKEN}}}}@{new Uri(ctx.BaseUrl).Host}";

    /// <summary>Daytona's https://{port}-{sandboxId}.{proxyDomain}; here *.localhost on the emulator's port.</summary>
    public static string PreviewUrl(EmulatorContext ctx, string hostLabel)
    {
        var uri = new Uri(ctx.BaseUrl);
        return $"{uri.Scheme}://{hostLabel}.localhost:{uri.Port}";
    }

    private static int Port(string raw)
    {
        var port = Parse.PathInt(raw);
        if (port is < 1 or > 65535) throw new DaytonaHttpException(400, "Invalid port number. Port must be between 1 and 65535");
        return port;
    }
}
