using System.Collections.Concurrent;
using System.Globalization;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using DaytonaPS.Emulator.Api;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Build;

/// <summary>
/// The object storage Daytona hands out for build contexts (GET /api/object-storage/push-access), as
/// the small part of the S3 API that the SDK's ObjectStorage uses on it: ListObjectsV2 (does a context
/// exist?), PutObject and the multipart upload (@aws-sdk/lib-storage), path-style at
/// {BaseUrl}/{bucket}/{key}. Objects are files below the data directory. Written here because the
/// emulator must serve this protocol itself; it is loopback-only like every route.
/// </summary>
/// <remarks>
/// Authentication: each request must carry an access key and session token that push-access issued
/// (the SigV4 Authorization header's Credential and x-amz-security-token), not expired, and a
/// Signature V4 that the emulator recomputes from the request with the key's secret.
/// </remarks>
internal sealed class ObjectStorage(EmulatorContext context)
{
    public const string Bucket = "daytona-emulator-builds";
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, (string Secret, string SessionToken, DateTime ExpiresAt)> _credentials = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _uploads = new(StringComparer.Ordinal);

    private string Root => Path.Combine(context.DataDir, "object-storage", Bucket);

    /// <summary>The context archive an upload of <paramref name="hash"/> left, or null.</summary>
    public string? ContextArchive(string organizationId, string hash)
    {
        if (!IsSafeSegment(hash) || !IsSafeSegment(organizationId)) return null;
        var path = Path.Combine(Root, organizationId, hash, "context.tar");
        return File.Exists(path) ? path : null;
    }

    public static void Map(WebApplication app)
    {
        app.MapGet("/api/object-storage/push-access", (EmulatorContext ctx) => SandboxEndpoints.Json(ctx.ObjectStorage.Issue()));
        app.MapMethods("/" + Bucket, ["GET"], (HttpContext http, EmulatorContext ctx) => ctx.ObjectStorage.ListAsync(http));
        app.MapMethods("/" + Bucket + "/{**key}", ["PUT", "POST", "GET", "HEAD", "DELETE"], (string key, HttpContext http, EmulatorContext ctx) => ctx.ObjectStorage.ObjectAsync(http, key));
    }

    private object Issue()
    {
        var accessKey = "EMU" + SandboxRecord.NewToken(17).ToUpperInvariant();
        var session = SandboxRecord.NewToken(48);
        var secret = SandboxRecord.NewToken(40);
        var now = DateTime.UtcNow;
        foreach (var (key, value) in _credentials) if (value.ExpiresAt < now) _credentials.TryRemove(key, out _);
        _credentials[accessKey] = (secret, session, now + Lifetime);
        return new
        {
            accessKey,
            secret,
            sessionToken = session,
            storageUrl = context.BaseUrl,
            organizationId = context.Options.EffectiveOrganizationId,
            bucket = Bucket,
            region = "us-east-1",
        };
    }

    /// <summary>An issued, unexpired access key with its session token, and a SigV4 signature that is right for the request.</summary>
    private bool Authorized(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("AWS4-HMAC-SHA256 ", StringComparison.Ordinal)) return false;
        var fields = header[17..].Split(',').Select(f => f.Trim().Split('=', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("Credential", out var credential) || !fields.TryGetValue("SignedHeaders", out var signedHeaders) || !fields.TryGetValue("Signature", out var signature)) return false;
        var scope = credential.Split('/');
        if (scope.Length != 5) return false;
        if (!_credentials.TryGetValue(scope[0], out var issued) || issued.ExpiresAt <= DateTime.UtcNow) return false;
        if (!AuthMiddleware.SecretEquals(http.Request.Headers["x-amz-security-token"].FirstOrDefault(), issued.SessionToken)) return false;
        return AuthMiddleware.SecretEquals(signature, Signature(http, issued.Secret, scope, signedHeaders));
    }

    /// <summary>AWS Signature V4 of the request as received (the published algorithm; service and region from the credential scope).</summary>
    private static string Signature(HttpContext http, string secret, string[] scope, string signedHeaders)
    {
        var request = http.Request;
        var rawTarget = http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? request.Path.ToString();
        var path = rawTarget.Split('?')[0];
        var query = string.Join("&", request.Query
            .SelectMany(q => q.Value.Select(v => (Key: Uri.EscapeDataString(q.Key), Value: Uri.EscapeDataString(v ?? ""))))
            .OrderBy(q => q.Key, StringComparer.Ordinal).ThenBy(q => q.Value, StringComparer.Ordinal)
            .Select(q => q.Key + "=" + q.Value));
        var names = signedHeaders.Split(';');
        var canonicalHeaders = string.Concat(names.Select(n => n + ":" + string.Join(",", request.Headers[n].Select(v => (v ?? "").Trim())) + "\n"));
        var payload = request.Headers["x-amz-content-sha256"].FirstOrDefault() ?? "UNSIGNED-PAYLOAD";
        var canonical = string.Join("\n", request.Method, path, query, canonicalHeaders, signedHeaders, payload);
        var amzDate = request.Headers["x-amz-date"].FirstOrDefault() ?? "";
        var stringToSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + string.Join("/", scope.Skip(1)) + "\n" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
        var key = Encoding.UTF8.GetBytes("AWS4" + secret);
        foreach (var part in scope.Skip(1)) key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
    }

    private async Task<IResult> ListAsync(HttpContext http)
    {
        if (!Authorized(http)) return S3Error(403, "AccessDenied", "Access Denied");
        var prefix = http.Request.Query["prefix"].FirstOrDefault() ?? "";
        var max = int.TryParse(http.Request.Query["max-keys"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var m) ? Math.Clamp(m, 0, 1000) : 1000;
        var found = new List<(string Key, long Size)>();
        if (Directory.Exists(Root))
        {
            foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
            {
                var key = Path.GetRelativePath(Root, file).Replace('\\', '/');
                if (key.StartsWith(prefix, StringComparison.Ordinal) && !key.Contains("/.upload-", StringComparison.Ordinal)) found.Add((key, new FileInfo(file).Length));
            }
        }
        var items = found.OrderBy(f => f.Key, StringComparer.Ordinal).Take(max).ToList();
        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
        xml.Append("<Name>").Append(Bucket).Append("</Name><Prefix>").Append(SecurityElement.Escape(prefix)).Append("</Prefix>");
        xml.Append(CultureInfo.InvariantCulture, $"<KeyCount>{items.Count}</KeyCount><MaxKeys>{max}</MaxKeys><IsTruncated>{(found.Count > items.Count ? "true" : "false")}</IsTruncated>");
        foreach (var (key, size) in items)
            xml.Append("<Contents><Key>").Append(SecurityElement.Escape(key)).Append(CultureInfo.InvariantCulture, $"</Key><Size>{size}</Size><StorageClass>STANDARD</StorageClass></Contents>");
        xml.Append("</ListBucketResult>");
        await Task.CompletedTask;
        return Results.Text(xml.ToString(), "application/xml");
    }

    private async Task<IResult> ObjectAsync(HttpContext http, string key)
    {
        if (!Authorized(http)) return S3Error(403, "AccessDenied", "Access Denied");
        var segments = key.Split('/');
        if (segments.Any(s => !IsSafeSegment(s))) return S3Error(400, "InvalidArgument", "Invalid object key");
        var path = Path.Combine([Root, .. segments]);
        var q = http.Request.Query;
        var method = http.Request.Method;

        if (method == "POST" && q.ContainsKey("uploads"))
        {
            var uploadId = Guid.NewGuid().ToString("N");
            _uploads[uploadId] = key;
            Directory.CreateDirectory(PartsDirectory(uploadId));
            return Xml($"<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>{Bucket}</Bucket><Key>{SecurityElement.Escape(key)}</Key><UploadId>{uploadId}</UploadId></InitiateMultipartUploadResult>");
        }
        if (q["uploadId"].FirstOrDefault() is { } id)
        {
            if (!_uploads.TryGetValue(id, out var uploadKey) || uploadKey != key) return S3Error(404, "NoSuchUpload", "The specified upload does not exist");
            if (method == "PUT" && int.TryParse(q["partNumber"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var part) && part is >= 1 and <= 10000)
            {
                var partFile = Path.Combine(PartsDirectory(id), part.ToString("D5", CultureInfo.InvariantCulture));
                var etag = await WriteBodyAsync(http, partFile);
                http.Response.Headers.ETag = etag;
                return Results.Ok();
            }
            if (method == "POST")
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await using (var target = File.Create(path))
                {
                    foreach (var partFile in Directory.EnumerateFiles(PartsDirectory(id)).Order(StringComparer.Ordinal))
                    {
                        await using var source = File.OpenRead(partFile);
                        await source.CopyToAsync(target, http.RequestAborted);
                    }
                }
                Discard(id);
                return Xml($"<CompleteMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>{Bucket}</Bucket><Key>{SecurityElement.Escape(key)}</Key><ETag>\"{id}\"</ETag></CompleteMultipartUploadResult>");
            }
            if (method == "DELETE")
            {
                Discard(id);
                return Results.NoContent();
            }
            return S3Error(400, "InvalidRequest", "Unsupported multipart request");
        }
        switch (method)
        {
            case "PUT":
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                http.Response.Headers.ETag = await WriteBodyAsync(http, path);
                return Results.Ok();
            case "GET" or "HEAD":
                return File.Exists(path) ? Results.File(path, "application/octet-stream") : S3Error(404, "NoSuchKey", "The specified key does not exist.");
            case "DELETE":
                if (File.Exists(path)) File.Delete(path);
                return Results.NoContent();
            default:
                return S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
        }
    }

    private string PartsDirectory(string uploadId) => Path.Combine(Root, ".upload-" + uploadId);

    private void Discard(string uploadId)
    {
        _uploads.TryRemove(uploadId, out _);
        try { Directory.Delete(PartsDirectory(uploadId), recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Writes the request body (decoding aws-chunked, which the SDK uses for streamed bodies with a checksum trailer); the ETag.</summary>
    private static async Task<string> WriteBodyAsync(HttpContext http, string path)
    {
        var chunked = http.Request.Headers.ContentEncoding.ToString().Contains("aws-chunked", StringComparison.OrdinalIgnoreCase)
            || (http.Request.Headers["x-amz-content-sha256"].FirstOrDefault() ?? "").StartsWith("STREAMING-", StringComparison.Ordinal);
        using var md5 = MD5.Create();
        await using (var file = File.Create(path))
        {
            if (chunked) await AwsChunked.DecodeAsync(http.Request.Body, file, http.RequestAborted);
            else await http.Request.Body.CopyToAsync(file, http.RequestAborted);
        }
        await using var read = File.OpenRead(path);
        return "\"" + Convert.ToHexStringLower(await md5.ComputeHashAsync(read)) + "\"";
    }

    private static bool IsSafeSegment(string s) =>
        s.Length is > 0 and <= 255 && s != "." && s != ".." && !s.StartsWith(".upload-", StringComparison.Ordinal) && s.IndexOfAny(['\\', '\0', '/']) < 0;

    private static IResult Xml(string body) => Results.Text("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + body, "application/xml");

    private static IResult S3Error(int status, string code, string message) =>
        Results.Text($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{SecurityElement.Escape(message)}</Message></Error>", "application/xml", statusCode: status);
}

/// <summary>S3's aws-chunked body encoding: "hex-size[;ext]\r\n data \r\n" ... "0\r\n" then trailers.</summary>
internal static class AwsChunked
{
    public static async Task DecodeAsync(Stream body, Stream target, CancellationToken ct)
    {
        var buffered = new BufferedStream(body, 65536);
        while (true)
        {
            var header = await ReadLineAsync(buffered, ct) ?? throw new BadHttpRequestException("truncated aws-chunked body");
            var sizeText = header.Split(';')[0].Trim();
            if (!long.TryParse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) || size < 0) throw new BadHttpRequestException("bad aws-chunked size");
            if (size == 0) return; // trailers (x-amz-checksum-*) follow; nothing to keep
            var buffer = new byte[Math.Min(size, 65536)];
            while (size > 0)
            {
                var n = await buffered.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, size)), ct);
                if (n == 0) throw new BadHttpRequestException("truncated aws-chunked body");
                await target.WriteAsync(buffer.AsMemory(0, n), ct);
                size -= n;
            }
            await ReadLineAsync(buffered, ct);
        }
    }

    private static async Task<string?> ReadLineAsync(Stream stream, CancellationToken ct)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (await stream.ReadAsync(one, ct) == 1)
        {
            if (one[0] == '\n') return Encoding.ASCII.GetString(bytes.ToArray()).TrimEnd('\r');
            bytes.Add(one[0]);
            if (bytes.Count > 4096) throw new BadHttpRequestException("aws-chunked line too long");
        }
        return bytes.Count == 0 ? null : Encoding.ASCII.GetString(bytes.ToArray());
    }
}
