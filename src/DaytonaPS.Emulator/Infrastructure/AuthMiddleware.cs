using System.Security.Cryptography;
using System.Text;

namespace DaytonaPS.Emulator.Infrastructure;

/// <summary>
/// Bearer auth on every /api and /toolbox route (except Daytona's unauthenticated /api/config and
/// /api/health). In JWT mode the X-Daytona-Organization-ID header must name the organization.
/// Bearer-less toolbox requests may instead use a signed file URL or the sandbox's preview token
/// (<see cref="ToolboxQueryAuth"/>).
/// </summary>
public sealed class AuthMiddleware(RequestDelegate next, EmulatorContext context)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var path = http.Request.Path;
        var guarded = path.StartsWithSegments("/api") || path.StartsWithSegments("/toolbox") || path.StartsWithSegments("/_emulator");
        if (!guarded || IsAnonymous(path))
        {
            await next(http);
            return;
        }

        var header = http.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        // Without a bearer, a toolbox request may carry a signed file URL or the sandbox's preview
        // token (browser WebSockets); never an API key in the query string.
        if (token is null && path.StartsWithSegments("/toolbox", out var rest))
        {
            switch (ToolboxQueryAuth.Check(http, context, rest, out var reason))
            {
                case ToolboxQueryAuth.Outcome.Accepted:
                    await next(http);
                    return;
                case ToolboxQueryAuth.Outcome.Rejected:
                    await Toolbox.ToolboxErrors.WriteAsync(http, new Toolbox.ToolboxException(403, "FORBIDDEN", reason ?? "invalid signature", Toolbox.ToolboxErrors.ProxySource));
                    return;
            }
        }
        switch (context.Authenticate(token, http.Request.Headers["X-Daytona-Organization-ID"].FirstOrDefault()))
        {
            case AuthOutcome.Ok:
                await next(http);
                return;
            case AuthOutcome.MissingOrganization:
                await DaytonaErrors.WriteAsync(http, 403, "X-Daytona-Organization-ID header is required when authenticating with a JWT");
                return;
            case AuthOutcome.WrongOrganization:
                await DaytonaErrors.WriteAsync(http, 403, "Forbidden resource");
                return;
            default:
                await DaytonaErrors.WriteAsync(http, 401, "Unauthorized");
                return;
        }
    }

    public static bool IsAnonymous(PathString path) =>
        path.Equals("/api/config") || path.StartsWithSegments("/api/health");

    /// <summary>Constant-time comparison so the emulator does not leak key prefixes through timing.</summary>
    public static bool SecretEquals(string? a, string b) =>
        a is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}

public enum AuthOutcome { Ok, Unauthorized, MissingOrganization, WrongOrganization }
