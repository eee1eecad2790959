using System;
using System.Globalization;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Api;

/// <summary>Which signed file route a URL opens.</summary>
internal enum FileUrlOperation
{
    /// <summary>GET {toolbox}/{id}/files/download?path=</summary>
    Download,
    /// <summary>POST {toolbox}/{id}/files/upload-v2?path= (multipart, field "file")</summary>
    Upload,
}

/// <summary>
/// Pre-signed toolbox file URLs, made the way Daytona's SDK makes them (its utils/fileUrlSigning):
/// <c>{toolboxProxyUrl}/{sandboxId}/files/download?path=&amp;expires=&amp;signature=v1_...</c>, the
/// signature being base64url (no padding) of HMAC-SHA256 over "v1:files:METHOD:path:expires" keyed
/// with the UTF-8 bytes of the sandbox's signing key (GET /sandbox/{id}/signing-key; rotated by SandboxSettingsApi.RotateSigningKeyAsync); expires is
/// unix seconds, 0 for a URL that never expires. Only the key comes from the API; the signing is
/// local. The key is a secret: it lives in a local variable for the signing and is never logged
/// (the API client logs no bodies).
/// </summary>
internal static class SignedFileUrls
{
    /// <summary>The SDK's default lifetime of a signed URL.</summary>
    public const int DefaultTtlSeconds = 3600;

    private const string SignaturePrefix = "v1_";

    /// <summary>GET /sandbox/{id}/signing-key: a JSON string.</summary>
    public static async Task<string> GetSigningKeyAsync(this DaytonaApiClient api, string sandboxId, CancellationToken ct)
    {
        var route = "/sandbox/" + DaytonaApiClient.Segment(sandboxId) + "/signing-key";
        var key = await api.SendJsonAsync<string>(HttpMethod.Get, route, null, RetryMode.Idempotent, ct).ConfigureAwait(false);
        return string.IsNullOrEmpty(key)
            ? throw DaytonaApiException.Unexpected($"Daytona gave no signing key for sandbox {sandboxId}.", "GET", route)
            : key!;
    }

    public static string Method(FileUrlOperation operation) => operation == FileUrlOperation.Upload ? "POST" : "GET";

    private static string Route(FileUrlOperation operation) => operation == FileUrlOperation.Upload ? "/files/upload-v2" : "/files/download";

    /// <summary>The SDK's resolveExpires: now + ttl in unix seconds, or 0 (never) for a ttl of 0 or less.</summary>
    public static long Expires(int ttlSeconds, DateTimeOffset now) =>
        ttlSeconds <= 0 ? 0 : now.ToUnixTimeSeconds() + ttlSeconds;

    /// <summary>The SDK's computeFileUrlSignature.</summary>
    public static string Sign(string signingKey, string method, string path, long expires)
    {
        var canonical = "v1:files:" + method + ":" + path + ":" + expires.ToString(CultureInfo.InvariantCulture);
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(signingKey));
        var digest = hmac.ComputeHash(Encoding.UTF8.GetBytes(canonical));
        return SignaturePrefix + Convert.ToBase64String(digest).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The full URL (a credential: whoever holds it can read or write that path until it expires).</summary>
    public static string Build(ToolboxClient toolbox, FileUrlOperation operation, string path, string signingKey, long expires) =>
        toolbox.BaseUrl + Route(operation) + Query(path, expires, Sign(signingKey, Method(operation), path, expires));

    /// <summary>The same URL with the signature replaced by ***: what displays show.</summary>
    public static string Masked(ToolboxClient toolbox, FileUrlOperation operation, string path, long expires) =>
        toolbox.BaseUrl + Route(operation) + Query(path, expires, "***");

    private static string Query(string path, long expires, string signature) =>
        "?path=" + Uri.EscapeDataString(path) + "&expires=" + expires.ToString(CultureInfo.InvariantCulture) + "&signature=" + signature;
}
