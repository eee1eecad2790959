using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Api;

/// <summary>
/// The toolbox's file routes (<c>/files/...</c>) of one sandbox. Every call goes through
/// <see cref="DaytonaApiClient.SendAsync"/> (auth, retries, logging, errors), and bodies stream:
/// uploads are StreamContent over the local file (reopened per attempt), downloads are read with
/// ResponseHeadersRead straight into a temp file beside the target, renamed into place when complete.
/// File failures are refined here, where the reply is read: 404 PathNotFound, 403 AccessDenied, 409 PathExists.
/// </summary>
internal sealed class SandboxFiles
{
    /// <summary>Depth of a recursive listing (GET /files?depth=).</summary>
    public const int AllLevels = 512;

    private const int CopyBufferSize = 128 * 1024;
    private readonly DaytonaApiClient _api;
    private readonly ToolboxClient _toolbox;

    public SandboxFiles(DaytonaApiClient api, ToolboxClient toolbox)
    {
        _api = api;
        _toolbox = toolbox;
    }

    public string SandboxId => _toolbox.SandboxId;

    private static string Q(string value) => Uri.EscapeDataString(value);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, Func<HttpContent?>? content, RetryMode retry, CancellationToken ct,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        try
        {
            return await _api.SendAsync(method, _toolbox.Uri(pathAndQuery), content, retry, ct, completion).ConfigureAwait(false);
        }
        catch (DaytonaApiException ex) when (ex.Kind is DaytonaFailureKind.NotFound or DaytonaFailureKind.Forbidden or DaytonaFailureKind.NameTaken or DaytonaFailureKind.Busy)
        {
            throw ex.WithKind(ex.Kind switch
            {
                DaytonaFailureKind.NotFound => DaytonaFailureKind.PathNotFound,
                DaytonaFailureKind.Forbidden => DaytonaFailureKind.AccessDenied,
                _ => DaytonaFailureKind.PathExists,
            });
        }
    }

    private async Task<T> JsonAsync<T>(HttpMethod method, string pathAndQuery, CancellationToken ct) where T : new()
    {
        using var response = await SendAsync(method, pathAndQuery, null, RetryMode.Idempotent, ct).ConfigureAwait(false);
        return await DaytonaApiClient.ReadJsonAsync<T>(response, ct).ConfigureAwait(false) ?? new T();
    }

    private async Task NoContentAsync(HttpMethod method, string pathAndQuery, CancellationToken ct)
    {
        using var response = await SendAsync(method, pathAndQuery, null, RetryMode.Idempotent, ct).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- metadata

    /// <summary>GET /files/info: one file or folder (a missing path is PathNotFound).</summary>
    public Task<FileInfoDto> GetInfoAsync(string path, CancellationToken ct) =>
        JsonAsync<FileInfoDto>(HttpMethod.Get, "/files/info?path=" + Q(path), ct);

    /// <summary>GET /files/info, or null when nothing is there.</summary>
    public async Task<FileInfoDto?> TryGetInfoAsync(string path, CancellationToken ct)
    {
        try
        {
            return await GetInfoAsync(path, ct).ConfigureAwait(false);
        }
        catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.PathNotFound)
        {
            return null;
        }
    }

    /// <summary>GET /files?path=&amp;depth=: a folder's entries, <paramref name="depth"/> levels down.</summary>
    public Task<List<FileInfoDto>> ListAsync(string path, int depth, CancellationToken ct) =>
        JsonAsync<List<FileInfoDto>>(HttpMethod.Get,
            "/files?path=" + Q(path) + (depth > 1 ? "&depth=" + depth.ToString(CultureInfo.InvariantCulture) : string.Empty), ct);

    /// <summary>GET /files/find: the lines of text files below path that contain pattern (plain, case-sensitive; binary files skipped).</summary>
    public Task<List<FileMatchDto>> FindAsync(string path, string pattern, CancellationToken ct) =>
        JsonAsync<List<FileMatchDto>>(HttpMethod.Get, "/files/find?path=" + Q(path) + "&pattern=" + Q(pattern), ct);

    /// <summary>GET /files/search: the paths below path (path itself included) whose name matches a glob (*, ?, [...]).</summary>
    public async Task<List<string>> SearchAsync(string path, string pattern, CancellationToken ct) =>
        (await JsonAsync<FileSearchDto>(HttpMethod.Get, "/files/search?path=" + Q(path) + "&pattern=" + Q(pattern), ct).ConfigureAwait(false)).Files ?? new List<string>();

    // ---------------------------------------------------------------- changes

    /// <summary>
    /// POST /files/replace: replaces every occurrence of pattern (plain text) in each file; one
    /// result per file. Sent once (RejectedOnly): a replacement that contains the pattern would grow again.
    /// </summary>
    public async Task<List<FileReplaceResultDto>> ReplaceAsync(IReadOnlyList<string> files, string pattern, string newValue, CancellationToken ct)
    {
        var body = new FileReplaceDto { Files = new List<string>(files), Pattern = pattern, NewValue = newValue };
        using var response = await SendAsync(HttpMethod.Post, "/files/replace", () => DaytonaApiClient.JsonContent(body), RetryMode.RejectedOnly, ct).ConfigureAwait(false);
        return await DaytonaApiClient.ReadJsonAsync<List<FileReplaceResultDto>>(response, ct).ConfigureAwait(false) ?? new List<FileReplaceResultDto>();
    }

    /// <summary>POST /files/folder?path=&amp;mode=: creates a folder and its parents (an existing folder is fine).</summary>
    public Task CreateFolderAsync(string path, string mode, CancellationToken ct) =>
        NoContentAsync(HttpMethod.Post, "/files/folder?path=" + Q(path) + "&mode=" + Q(mode), ct);

    /// <summary>DELETE /files?path=&amp;recursive=.</summary>
    public Task DeleteAsync(string path, bool recursive, CancellationToken ct) =>
        NoContentAsync(HttpMethod.Delete, "/files?path=" + Q(path) + (recursive ? "&recursive=true" : string.Empty), ct);

    /// <summary>POST /files/move?source=&amp;destination= (an existing destination is PathExists). Not retried: a second move would fail.</summary>
    public async Task MoveAsync(string source, string destination, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, "/files/move?source=" + Q(source) + "&destination=" + Q(destination), null, RetryMode.RejectedOnly, ct).ConfigureAwait(false);
    }

    /// <summary>POST /files/permissions?path=&amp;mode=&amp;owner=&amp;group= (null ones left out).</summary>
    public Task SetPermissionsAsync(string path, string? mode, string? owner, string? group, CancellationToken ct)
    {
        var query = new StringBuilder("/files/permissions?path=").Append(Q(path));
        if (!string.IsNullOrEmpty(mode)) query.Append("&mode=").Append(Q(mode!));
        if (!string.IsNullOrEmpty(owner)) query.Append("&owner=").Append(Q(owner!));
        if (!string.IsNullOrEmpty(group)) query.Append("&group=").Append(Q(group!));
        return NoContentAsync(HttpMethod.Post, query.ToString(), ct);
    }

    // ---------------------------------------------------------------- transfers

    /// <summary>One file of a bulk upload: where it goes and how to open its bytes (called once per attempt).</summary>
    public sealed class UploadItem
    {
        public UploadItem(string remotePath, Func<Stream> open, long length)
        {
            RemotePath = remotePath;
            Open = open;
            Length = length;
        }

        public string RemotePath { get; }
        public Func<Stream> Open { get; }
        public long Length { get; }
    }

    /// <summary>
    /// POST /files/bulk-upload of several files in one multipart request (fields files[i].path and
    /// files[i].file, as Daytona's SDK sends them); each file streams from its source, nothing is
    /// buffered whole. The daemon creates parents and replaces existing files.
    /// </summary>
    public async Task UploadAsync(IReadOnlyList<UploadItem> items, TransferProgress? progress, CancellationToken ct)
    {
        var opened = new List<Stream>();
        HttpContent Build()
        {
            // A retry builds the body again: close what the previous attempt opened, and count its bytes once only.
            foreach (var s in opened) s.Dispose();
            opened.Clear();
            var form = new MultipartFormDataContent("daytonaps-" + Guid.NewGuid().ToString("N"));
            for (var i = 0; i < items.Count; i++)
            {
                var prefix = "files[" + i.ToString(CultureInfo.InvariantCulture) + "]";
                form.Add(new StringContent(items[i].RemotePath, Encoding.UTF8), prefix + ".path");
                var stream = new ProgressStream(items[i].Open(), progress);
                opened.Add(stream);
                var file = new StreamContent(stream, (int)Math.Max(4096, Math.Min(items[i].Length, CopyBufferSize)));
                file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                file.Headers.ContentLength = items[i].Length;
                form.Add(file, prefix + ".file", "file");
            }
            return form;
        }
        try
        {
            using var response = await SendAsync(HttpMethod.Post, "/files/bulk-upload", Build, RetryMode.Idempotent, ct).ConfigureAwait(false);
        }
        finally
        {
            foreach (var s in opened) s.Dispose();
        }
        if (progress is not null) foreach (var _ in items) progress.FileDone();
    }

    /// <summary>GET /files/download: the reply with its body unread (the caller disposes it).</summary>
    public Task<HttpResponseMessage> OpenDownloadAsync(string path, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "/files/download?path=" + Q(path), null, RetryMode.Idempotent, ct, HttpCompletionOption.ResponseHeadersRead);

    /// <summary>
    /// Downloads one file into <paramref name="localPath"/> through a temp file in the same folder,
    /// renamed into place only when complete; on failure or cancellation the temp file is removed.
    /// With <paramref name="overwrite"/> false an existing file is never replaced.
    /// </summary>
    /// <param name="size">The expected size (sizes the buffers: a tree of small files should not allocate 128 KiB per file).</param>
    public async Task DownloadAsync(string remotePath, string localPath, long size, bool overwrite, int? mode, TransferProgress? progress, CancellationToken ct)
    {
        using var response = await OpenDownloadAsync(remotePath, ct).ConfigureAwait(false);
        using var source = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        await WriteLocalAsync(source, localPath, size, overwrite, mode, progress, ct).ConfigureAwait(false);
    }

    /// <summary>One file of a bulk download: what to ask for and where it goes.</summary>
    public sealed class DownloadItem
    {
        public DownloadItem(string remotePath, string localPath, long size, int? mode)
        {
            RemotePath = remotePath;
            LocalPath = localPath;
            Size = size;
            Mode = mode;
        }

        public string RemotePath { get; }
        public string LocalPath { get; }
        public long Size { get; }
        /// <summary>The permission bits to give the local file (executables), or null.</summary>
        public int? Mode { get; }
    }

    /// <summary>
    /// POST /files/bulk-download of several files in one request: Daytona answers one
    /// multipart/form-data body with a part per file (name "file", filename = the requested path)
    /// or per failure (name "error", the daemon's JSON error). Each part streams from the socket
    /// into its temp file as <see cref="DownloadAsync"/> does; the first error part, or a file the
    /// reply left out, fails the call (files already written stay, as with GETs).
    /// </summary>
    public async Task DownloadManyAsync(IReadOnlyList<DownloadItem> items, bool overwrite, TransferProgress? progress, CancellationToken ct)
    {
        const string route = "/files/bulk-download";
        var pending = new Dictionary<string, DownloadItem>(StringComparer.Ordinal);
        foreach (var item in items) pending[item.RemotePath] = item;
        var body = new BulkDownloadDto { Paths = new List<string>(pending.Keys) };
        using var response = await SendAsync(HttpMethod.Post, route, () => DaytonaApiClient.JsonContent(body), RetryMode.Idempotent, ct,
            HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        var boundary = response.Content.Headers.ContentType?.Parameters
            .FirstOrDefault(p => string.Equals(p.Name, "boundary", StringComparison.OrdinalIgnoreCase))?.Value?.Trim('"');
        if (string.IsNullOrEmpty(boundary))
            throw DaytonaApiException.Unexpected("Daytona answered the bulk download without a multipart body.", "POST", route);
        using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        // MultipartReader (ASP.NET Core's, netstandard2.0) parses the reply section by section without buffering it.
        var reader = new Microsoft.AspNetCore.WebUtilities.MultipartReader(boundary, stream) { BodyLengthLimit = null };
        Microsoft.AspNetCore.WebUtilities.MultipartSection? section;
        while ((section = await reader.ReadNextSectionAsync(ct).ConfigureAwait(false)) is not null)
        {
            if (!Microsoft.Net.Http.Headers.ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
            var name = Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(disposition.Name).Value;
            var fileName = Microsoft.Net.Http.Headers.HeaderUtilities.UnescapeAsQuotedString(disposition.FileName).Value ?? string.Empty;
            if (!pending.TryGetValue(fileName, out var item)) continue; // not ours: the reader drains it
            if (name == "error") throw await PartErrorAsync(section.Body, fileName, route, ct).ConfigureAwait(false);
            await WriteLocalAsync(section.Body, item.LocalPath, item.Size, overwrite, item.Mode, progress, ct).ConfigureAwait(false);
            pending.Remove(fileName);
        }
        if (pending.Count > 0)
            throw DaytonaApiException.Unexpected($"Daytona's bulk download sent nothing for '{pending.Keys.First()}'" +
                (pending.Count > 1 ? $" and {pending.Count - 1} more file(s)." : "."), "POST", route);
    }

    /// <summary>An error part ({statusCode, message, code}) as the failure kind a GET of that file would have given.</summary>
    private static async Task<DaytonaApiException> PartErrorAsync(Stream body, string path, string route, CancellationToken ct)
    {
        var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, 4096, ct).ConfigureAwait(false);
        BulkErrorDto? error = null;
        try
        {
            error = System.Text.Json.JsonSerializer.Deserialize<BulkErrorDto>(buffer.ToArray(), DaytonaJson.Options);
        }
        catch (System.Text.Json.JsonException)
        {
        }
        var status = error?.StatusCode ?? 500;
        var kind = status switch
        {
            404 => DaytonaFailureKind.PathNotFound,
            403 or 401 => DaytonaFailureKind.AccessDenied,
            400 => DaytonaFailureKind.InvalidRequest,
            _ => DaytonaFailureKind.UnexpectedReply,
        };
        var message = error?.Message ?? Encoding.UTF8.GetString(buffer.ToArray());
        return new DaytonaApiException($"Cannot download '{path}': {message}", kind, status, "POST", route, message, error?.Code);
    }

    /// <summary>
    /// Streams source into localPath through a temp file in the same folder, renamed into place
    /// when complete (an existing file replaced only with overwrite); the temp file never stays.
    /// </summary>
    private static async Task WriteLocalAsync(Stream source, string localPath, long size, bool overwrite, int? mode, TransferProgress? progress, CancellationToken ct)
    {
        var bufferSize = (int)Math.Max(4096, Math.Min(size + 1, CopyBufferSize));
        var directory = Path.GetDirectoryName(localPath)!;
        var temp = Path.Combine(directory, "." + Path.GetFileName(localPath) + ".daytonaps-" + Guid.NewGuid().ToString("N").Substring(0, 12) + ".part");
        try
        {
            using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize, useAsync: size >= 1024 * 1024))
            {
                var buffer = new byte[bufferSize];
                int n;
                while ((n = await source.ReadAsync(buffer, 0, buffer.Length, ct).ConfigureAwait(false)) > 0)
                {
                    await target.WriteAsync(buffer, 0, n, ct).ConfigureAwait(false);
                    progress?.AddBytes(n);
                }
            }
            if (mode is { } m) LocalFileMode.Set(temp, m);
            if (File.Exists(localPath))
            {
                if (!overwrite) throw Exists(localPath);
                File.Replace(temp, localPath, null);
            }
            else
            {
                File.Move(temp, localPath);
            }
            progress?.FileDone();
        }
        finally
        {
            TryDelete(temp);
        }
    }

    internal static DaytonaException Exists(string path) => new(
        ErrorIds.PathExists, System.Management.Automation.ErrorCategory.ResourceExists,
        $"'{path}' already exists; add -Force to overwrite it.", path,
        recommendedAction: "Add -Force to overwrite, or choose another destination.");

    private static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
        }
    }
}
