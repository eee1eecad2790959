using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using ICSharpCode.SharpZipLib.Tar;

namespace DaytonaPS.Api;

/// <summary>
/// The build context of a Dockerfile snapshot, uploaded as Daytona's SDK does for Image.fromDockerfile:
/// each local COPY/ADD source becomes a tar at {organizationId}/{hash}/context.tar in the object storage
/// that GET /object-storage/push-access names (S3, path-style, temporary credentials), skipped when that
/// prefix exists already; the hashes go into buildInfo.contextHashes.
/// </summary>
/// <remarks>
/// The S3 calls (ListObjectsV2, PutObject) are signed here with AWS Signature V4 rather than through
/// AWSSDK.S3: that SDK's AWSSDK.Core is loaded by other PowerShell modules (AWS.Tools) in versions this
/// module cannot choose, and two requests need only the published signing algorithm. The storage is not
/// Daytona's API: its requests carry the temporary credentials only, never the Daytona API key, and the
/// credentials are never written to any stream.
/// </remarks>
internal sealed class BuildContextUpload
{
    private static readonly HttpClient Storage = new(new HttpClientHandler { UseProxy = true }) { Timeout = Timeout.InfiniteTimeSpan };

    public BuildContextUpload(DaytonaApiClient api) => Api = api;

    private DaytonaApiClient Api { get; }

    /// <summary>A COPY/ADD source: where it is on disk and the path it has in the context.</summary>
    internal sealed class Source
    {
        public Source(string localPath, string archivePath) { LocalPath = localPath; ArchivePath = archivePath; }
        public string LocalPath { get; }
        public string ArchivePath { get; }
    }

    /// <summary>
    /// The local sources of the Dockerfile's COPY and ADD lines (not COPY --from, URLs or heredocs), matched in
    /// <paramref name="contextDirectory"/> ('*' and '?' in the last part of a path).
    /// </summary>
    /// <exception cref="DaytonaException">A source leaves the context folder or does not exist in it.</exception>
    public static List<Source> Sources(string dockerfileContent, string contextDirectory)
    {
        var root = Path.GetFullPath(contextDirectory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        var found = new List<Source>();
        foreach (var line in LogicalLines(dockerfileContent))
        {
            var m = Regex.Match(line, @"^\s*(COPY|ADD)\s+(.*)$", RegexOptions.IgnoreCase);
            if (!m.Success || line.Contains("<<")) continue;
            var rest = m.Groups[2].Value.Trim();
            if (Regex.IsMatch(rest, @"(^|\s)--from=", RegexOptions.IgnoreCase)) continue;
            while (rest.StartsWith("--", StringComparison.Ordinal)) rest = Regex.Replace(rest, @"^\S+\s*", string.Empty);
            var words = rest.StartsWith("[", StringComparison.Ordinal) ? JsonWords(rest) : ShellWords(rest);
            foreach (var source in words.Take(Math.Max(0, words.Count - 1)))
            {
                if (source.Contains("://")) continue;
                foreach (var relative in Match(root, source))
                {
                    if (found.All(f => f.ArchivePath != relative)) found.Add(new Source(Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar)), relative));
                }
            }
        }
        return found;
    }

    /// <summary>Uploads each source that is not in the storage yet; returns the hashes in order (none: no call at all).</summary>
    public async Task<List<string>> UploadAsync(IReadOnlyList<Source> sources, CancellationToken ct)
    {
        var hashes = new List<string>();
        if (sources.Count == 0) return hashes;
        var access = await Api.SendJsonAsync<StorageAccessDto>(HttpMethod.Get, "/object-storage/push-access", null, RetryMode.Idempotent, ct).ConfigureAwait(false)
            ?? throw DaytonaApiException.Unexpected("Daytona answered GET /object-storage/push-access without credentials.", "GET", "/object-storage/push-access");
        foreach (var source in sources)
        {
            var hash = Hash(source);
            hashes.Add(hash);
            var prefix = access.OrganizationId + "/" + hash + "/";
            if (await ExistsAsync(access, prefix, ct).ConfigureAwait(false))
            {
                Api.Log.WriteVerbose($"Build context '{source.ArchivePath}' is uploaded already ({hash}).");
                continue;
            }
            var tar = Path.Combine(Path.GetTempPath(), "daytonaps-context-" + Guid.NewGuid().ToString("N") + ".tar");
            try
            {
                var files = WriteTar(source, tar);
                Api.Log.WriteVerbose(string.Format(CultureInfo.InvariantCulture, "Build context '{0}': {1} file(s), {2:0.#} KB as {3}.",
                    source.ArchivePath, files, new System.IO.FileInfo(tar).Length / 1024.0, hash));
                await PutAsync(access, prefix + "context.tar", tar, ct).ConfigureAwait(false);
            }
            finally
            {
                try { File.Delete(tar); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
        return hashes;
    }

    // ------------------------------------------------------------------ the context

    /// <summary>Dockerfile lines with their continuations joined, comments dropped.</summary>
    private static IEnumerable<string> LogicalLines(string content)
    {
        var current = new StringBuilder();
        foreach (var raw in content.Replace("\r\n", "\n").Split('\n'))
        {
            var line = raw.TrimEnd();
            if (current.Length == 0 && line.TrimStart().StartsWith("#", StringComparison.Ordinal)) continue;
            if (line.EndsWith("\\", StringComparison.Ordinal)) { current.Append(line, 0, line.Length - 1).Append(' '); continue; }
            current.Append(line);
            yield return current.ToString();
            current.Clear();
        }
        if (current.Length > 0) yield return current.ToString();
    }

    private static List<string> JsonWords(string text)
    {
        try { return System.Text.Json.JsonSerializer.Deserialize<List<string>>(text) ?? new List<string>(); }
        catch (System.Text.Json.JsonException) { return ShellWords(text); }
    }

    private static List<string> ShellWords(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        char quote = '\0';
        var inWord = false;
        foreach (var c in text)
        {
            if (quote != '\0') { if (c == quote) quote = '\0'; else current.Append(c); continue; }
            if (c == '"' || c == '\'') { quote = c; inWord = true; continue; }
            if (char.IsWhiteSpace(c)) { if (inWord) { words.Add(current.ToString()); current.Clear(); inWord = false; } continue; }
            current.Append(c);
            inWord = true;
        }
        if (inWord) words.Add(current.ToString());
        return words;
    }

    /// <summary>Context-relative paths ('/'-separated) that <paramref name="source"/> names.</summary>
    private static List<string> Match(string root, string source)
    {
        var parts = new List<string>();
        foreach (var part in source.Replace('\\', '/').Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                if (parts.Count == 0) throw OutsideContext(source, root);
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        if (parts.Count == 0) return new List<string> { "." };
        var parent = string.Join("/", parts.Take(parts.Count - 1));
        var hostParent = parent.Length == 0 ? root : Path.Combine(root, parent.Replace('/', Path.DirectorySeparatorChar));
        var last = parts[parts.Count - 1];
        var prefix = parent.Length == 0 ? string.Empty : parent + "/";
        if (last.IndexOfAny(new[] { '*', '?' }) >= 0)
        {
            var matches = Directory.Exists(hostParent)
                ? Directory.GetFileSystemEntries(hostParent, last).Select(p => prefix + Path.GetFileName(p)).OrderBy(p => p, StringComparer.Ordinal).ToList()
                : new List<string>();
            if (matches.Count == 0) throw NotFound(source, root);
            return matches;
        }
        var path = Path.Combine(hostParent, last);
        if (!File.Exists(path) && !Directory.Exists(path)) throw NotFound(source, root);
        return new List<string> { prefix + last };
    }

    private static DaytonaException OutsideContext(string source, string root) =>
        new(ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, $"The Dockerfile copies '{source}', which is outside the context folder '{root}'.", source,
            recommendedAction: "Give a -Context folder that contains every COPY source, or move the files into it.");

    private static DaytonaException NotFound(string source, string root) =>
        new(ErrorIds.InvalidArgument, ErrorCategory.ObjectNotFound, $"The Dockerfile copies '{source}', which is not in the context folder '{root}'.", source,
            recommendedAction: "Give the folder the COPY paths are relative to with -Context (by default the Dockerfile's folder).");

    /// <summary>Files below a source (itself when it is a file), ordinal order, with their context paths.</summary>
    private static List<(string Local, string Archive, bool IsDirectory)> Entries(Source source)
    {
        var list = new List<(string, string, bool)>();
        if (File.Exists(source.LocalPath)) { list.Add((source.LocalPath, source.ArchivePath, false)); return list; }
        void Walk(string dir, string archive)
        {
            list.Add((dir, archive, true));
            foreach (var entry in Directory.GetFileSystemEntries(dir).OrderBy(e => e, StringComparer.Ordinal))
            {
                var name = archive == "." ? Path.GetFileName(entry) : archive + "/" + Path.GetFileName(entry);
                if (Directory.Exists(entry)) Walk(entry, name);
                else list.Add((entry, name, false));
            }
        }
        Walk(source.LocalPath, source.ArchivePath);
        return list;
    }

    /// <summary>MD5 over the context path, then each entry's path and content (the SDK hashes the same things in its own order).</summary>
    internal static string Hash(Source source)
    {
        using var md5 = MD5.Create();
        void Add(byte[] bytes) => md5.TransformBlock(bytes, 0, bytes.Length, null, 0);
        Add(Encoding.UTF8.GetBytes(source.ArchivePath));
        foreach (var (local, archive, isDirectory) in Entries(source))
        {
            Add(Encoding.UTF8.GetBytes(archive));
            if (isDirectory) continue;
            using var file = File.OpenRead(local);
            var buffer = new byte[81920];
            int n;
            while ((n = file.Read(buffer, 0, buffer.Length)) > 0) md5.TransformBlock(buffer, 0, n, null, 0);
        }
        md5.TransformFinalBlock(Array.Empty<byte>(), 0, 0);
        return string.Concat(md5.Hash!.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    /// <summary>A tar of the source under its context path (files and directories; links are followed as the SDK's tar does not); the file count.</summary>
    private static int WriteTar(Source source, string path)
    {
        var files = 0;
        using var file = File.Create(path);
        using var tar = new TarOutputStream(file, Encoding.UTF8);
        foreach (var (local, archive, isDirectory) in Entries(source))
        {
            var entry = TarEntry.CreateTarEntry(isDirectory ? archive.TrimEnd('/') + "/" : archive);
            entry.ModTime = File.GetLastWriteTimeUtc(local);
            if (isDirectory)
            {
                entry.TarHeader.TypeFlag = TarHeader.LF_DIR;
                entry.TarHeader.Mode = Convert.ToInt32("755", 8);
                tar.PutNextEntry(entry);
                tar.CloseEntry();
                continue;
            }
            entry.Size = new System.IO.FileInfo(local).Length;
            entry.TarHeader.Mode = Convert.ToInt32(IsExecutable(local) ? "755" : "644", 8);
            tar.PutNextEntry(entry);
            using (var input = File.OpenRead(local)) input.CopyTo(tar);
            tar.CloseEntry();
            files++;
        }
        tar.Finish();
        return files;
    }

    /// <summary>Whether the owner may execute it (Unix); Windows files are taken as plain files.</summary>
    private static bool IsExecutable(string path)
    {
        try
        {
            return LocalFileMode.Get(path) is int mode && (mode & 0x40) != 0;
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is EntryPointNotFoundException || ex is DllNotFoundException)
        {
            return false;
        }
    }

    // ------------------------------------------------------------------ S3

    private static async Task<bool> ExistsAsync(StorageAccessDto access, string prefix, CancellationToken ct)
    {
        var query = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["list-type"] = "2", ["max-keys"] = "1", ["prefix"] = prefix };
        using var request = Signed(access, HttpMethod.Get, new[] { access.Bucket }, query, Sha256Hex(Array.Empty<byte>()), null);
        using var response = await SendAsync(request, "list", ct).ConfigureAwait(false);
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
        return xml.Descendants().Any(e => e.Name.LocalName == "Contents");
    }

    private static async Task PutAsync(StorageAccessDto access, string key, string file, CancellationToken ct)
    {
        string payloadHash;
        using (var read = File.OpenRead(file))
        using (var sha = SHA256.Create())
        {
            payloadHash = string.Concat(sha.ComputeHash(read).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
        }
        using var body = File.OpenRead(file);
        var content = new StreamContent(body);
        content.Headers.ContentLength = body.Length;
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-tar");
        using var request = Signed(access, HttpMethod.Put, new[] { access.Bucket }.Concat(key.Split('/')).ToArray(),
            new SortedDictionary<string, string>(StringComparer.Ordinal), payloadHash, content);
        using var response = await SendAsync(request, "upload", ct).ConfigureAwait(false);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string what, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await Storage.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new DaytonaException(ErrorIds.ConnectionFailed, ErrorCategory.ConnectionError,
                $"The build context {what} to Daytona's object storage failed: {ex.Message}", null, innerException: ex);
        }
        if (response.IsSuccessStatusCode) return response;
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        var code = Regex.Match(text, "<Code>([^<]*)</Code>").Groups[1].Value;
        var message = Regex.Match(text, "<Message>([^<]*)</Message>").Groups[1].Value;
        response.Dispose();
        throw new DaytonaException(ErrorIds.ApiError, ErrorCategory.InvalidResult,
            $"The build context {what} was refused by Daytona's object storage: {(int)response.StatusCode} {code} {message}".TrimEnd(), null);
    }

    /// <summary>A request signed with AWS Signature V4 (service s3, the credentials' region, path-style URL).</summary>
    private static HttpRequestMessage Signed(StorageAccessDto access, HttpMethod method, string[] segments, SortedDictionary<string, string> query, string payloadHash, HttpContent? content)
    {
        var baseUri = new Uri(access.StorageUrl.Contains("://") ? access.StorageUrl : "https://" + access.StorageUrl);
        var path = baseUri.AbsolutePath.TrimEnd('/') + "/" + string.Join("/", segments.Select(Encode));
        var canonicalQuery = string.Join("&", query.Select(kv => Encode(kv.Key) + "=" + Encode(kv.Value)));
        var uri = new UriBuilder(baseUri) { Path = path, Query = canonicalQuery }.Uri;
        var now = DateTime.UtcNow;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var host = baseUri.IsDefaultPort ? baseUri.Host : baseUri.Host + ":" + baseUri.Port.ToString(CultureInfo.InvariantCulture);
        var authorization = Authorization(access, method.Method, path, canonicalQuery, host, payloadHash, now);

        var request = new HttpRequestMessage(method, uri) { Content = content };
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", payloadHash);
        request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        request.Headers.TryAddWithoutValidation("x-amz-security-token", access.SessionToken);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return request;
    }

    /// <summary>
    /// The SigV4 Authorization header for a request that signs host, x-amz-content-sha256, x-amz-date and
    /// x-amz-security-token (path and query already canonical: segments and values percent-encoded).
    /// </summary>
    internal static string Authorization(StorageAccessDto access, string method, string path, string canonicalQuery, string host, string payloadHash, DateTime now)
    {
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = now.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var region = string.IsNullOrEmpty(access.Region) ? "us-east-1" : access.Region;
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = host,
            ["x-amz-content-sha256"] = payloadHash,
            ["x-amz-date"] = amzDate,
            ["x-amz-security-token"] = access.SessionToken,
        };
        var signedHeaders = string.Join(";", headers.Keys);
        var canonicalRequest = string.Join("\n", method, path, canonicalQuery,
            string.Concat(headers.Select(h => h.Key + ":" + h.Value.Trim() + "\n")), signedHeaders, payloadHash);
        var scope = date + "/" + region + "/s3/aws4_request";
        var stringToSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + Sha256Hex(Encoding.UTF8.GetBytes(canonicalRequest));
        var key = Hmac(Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("AWS4" + access.Secret), date), region), "s3"), "aws4_request");
        var signature = string.Concat(Hmac(key, stringToSign).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
        return "AWS4-HMAC-SHA256 Credential=" + access.AccessKey + "/" + scope + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature;
    }

    /// <summary>RFC 3986 percent-encoding of everything but the unreserved characters, as SigV4 wants.</summary>
    private static string Encode(string value)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') sb.Append(c);
            else sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static byte[] Hmac(byte[] key, string data)
    {
        using var hmac = new HMACSHA256(key);
        return hmac.ComputeHash(Encoding.UTF8.GetBytes(data));
    }

    private static string Sha256Hex(byte[] data)
    {
        using var sha = SHA256.Create();
        return string.Concat(sha.ComputeHash(data).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }
}

/// <summary>GET /object-storage/push-access: temporary S3 credentials (secrets: never logged or shown).</summary>
internal sealed class StorageAccessDto
{
    public string AccessKey { get; set; } = string.Empty;
    public string Secret { get; set; } = string.Empty;
    public string SessionToken { get; set; } = string.Empty;
    public string StorageUrl { get; set; } = string.Empty;
    public string OrganizationId { get; set; } = string.Empty;
    public string Bucket { get; set; } = string.Empty;
    public string Region { get; set; } = string.Empty;
}
