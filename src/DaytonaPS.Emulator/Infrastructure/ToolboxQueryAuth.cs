using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DaytonaPS.Emulator.Infrastructure;

/// <summary>
/// The two ways a toolbox request may authenticate without a bearer header (daytona-api.md 4.1, 4.5):
/// - Signed file URLs: GET /toolbox/{id}/files/download and POST /toolbox/{id}/files/upload-v2
///   with ?path=&amp;expires=&amp;signature=v1_&lt;base64url(HMAC-SHA256(sandbox signing key,
///   "v1:files:METHOD:path:expires"))&gt;. expires is unix seconds; 0 means never (the SDK makes a
///   TTL &lt;= 0 into 0 and documents it as "never expires"). Bad or expired: 403, toolbox body.
///   Rotating the key (POST /sandbox/{id}/signing-key/rotate) invalidates every earlier URL.
/// - ?DAYTONA_SANDBOX_AUTH_KEY=&lt;the sandbox's standard preview token&gt;, which browser runtimes send
///   on toolbox WebSockets; valid only for that sandbox's toolbox and only until it restarts.
/// Neither ever accepts an API key or JWT from the query string.
/// </summary>
internal static class ToolboxQueryAuth
{
    public const string AuthKeyParameter = "DAYTONA_SANDBOX_AUTH_KEY";
    private const string SignaturePrefix = "v1_";

    public enum Outcome { NotApplicable, Accepted, Rejected }

    /// <summary>Decides a bearer-less request to /toolbox/{id}/...; rest is the path after /toolbox.</summary>
    public static Outcome Check(HttpContext http, EmulatorContext context, PathString rest, out string? reason)
    {
        reason = null;
        var segments = (rest.Value ?? "").TrimStart('/').Split('/', 2);
        if (segments[0].Length == 0) return Outcome.NotApplicable;
        var query = http.Request.Query;
        // Decoded as the route value will be, so the signature is checked against the same sandbox.
        context.Store.TryGet(RawPathRouting.Decode(segments[0]), out var sandbox);
        var operation = segments.Length > 1 ? "/" + segments[1] : "";

        if (query.ContainsKey("signature") && IsSignedOperation(http.Request.Method, operation))
        {
            if (sandbox is null) { reason = "invalid signature"; return Outcome.Rejected; }
            return CheckSignature(http.Request.Method, query, sandbox.SigningKey, out reason) ? Outcome.Accepted : Outcome.Rejected;
        }

        var authKey = query[AuthKeyParameter].FirstOrDefault();
        if (!string.IsNullOrEmpty(authKey) && sandbox is not null && AuthMiddleware.SecretEquals(authKey, sandbox.PreviewToken))
            return Outcome.Accepted;
        return Outcome.NotApplicable;
    }

    private static bool IsSignedOperation(string method, string operation) =>
        (HttpMethods.IsGet(method) && operation == "/files/download") ||
        (HttpMethods.IsPost(method) && operation == "/files/upload-v2");

    private static bool CheckSignature(string method, IQueryCollection query, string signingKey, out string? reason)
    {
        var path = query["path"].FirstOrDefault();
        var expiresText = query["expires"].FirstOrDefault();
        var signature = query["signature"].FirstOrDefault() ?? "";
        if (path is null || !long.TryParse(expiresText, NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            reason = "invalid signed URL: path and expires are required";
            return false;
        }
        if (!signature.StartsWith(SignaturePrefix, StringComparison.Ordinal)
            || !AuthMiddleware.SecretEquals(signature, Sign(signingKey, method.ToUpperInvariant(), path, expiresText!)))
        {
            reason = "invalid signature";
            return false;
        }
        if (expires != 0 && DateTimeOffset.UtcNow.ToUnixTimeSeconds() > expires)
        {
            reason = "signed URL has expired";
            return false;
        }
        reason = null;
        return true;
    }

    /// <summary>The SDK's computeFileUrlSignature: "v1_" + base64url (no padding) of the HMAC.</summary>
    public static string Sign(string signingKey, string method, string path, string expires)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), Encoding.UTF8.GetBytes($"v1:files:{method}:{path}:{expires}"));
        return SignaturePrefix + Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
