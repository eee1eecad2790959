using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// POST /files/bulk-download: a multipart/form-data response written straight to the socket. Each
/// file is a part name="file" filename="&lt;requested path&gt;" streamed from disk; a failure is a part
/// name="error" with the daemon's JSON error body (the SDK matches parts to requests by filename).
/// </summary>
internal static class BulkDownload
{
    private const int CopyBufferSize = 256 * 1024;

    public static async Task WriteAsync(HttpContext http)
    {
        FileEndpoints.DownloadRequest request;
        try
        {
            request = await ToolboxEndpoints.ReadJsonAsync<FileEndpoints.DownloadRequest>(http);
            if (request.Paths is null || request.Paths.Count == 0) throw ToolboxException.BadRequest("paths is required");
        }
        catch (ToolboxException ex)
        {
            await ToolboxErrors.WriteAsync(http, ex);
            return;
        }

        var boundary = Guid.NewGuid().ToString("N");
        http.Response.ContentType = $"multipart/form-data; boundary={boundary}";
        var body = http.Response.Body;
        var paths = FileEndpoints.Paths(http);
        foreach (var requested in request.Paths)
        {
            FileStream? file = null;
            ToolboxException? error = null;
            try
            {
                var resolved = paths.Resolve(requested);
                if (Directory.Exists(resolved.HostPath)) throw ToolboxException.BadRequest($"path is a directory: {resolved.ApiPath}");
                if (!File.Exists(resolved.HostPath)) throw ToolboxException.NotFound($"file not found: {resolved.ApiPath}");
                file = RootedFiles.OpenRead(resolved, CopyBufferSize);
            }
            catch (ToolboxException ex) { error = ex; }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                error = ToolboxException.Forbidden($"cannot read {requested}: {ex.Message}");
            }

            await using (file)
            {
                var disposition = $"form-data; name=\"{(file is null ? "error" : "file")}\"; filename=\"{Quote(requested)}\"";
                var headers = new StringBuilder($"--{boundary}\r\nContent-Disposition: {disposition}\r\n");
                if (file is null)
                {
                    var json = Encoding.UTF8.GetBytes(FileEndpoints.JsonError(http, error!));
                    headers.Append($"Content-Type: application/json\r\nContent-Length: {json.Length}\r\n\r\n");
                    await body.WriteAsync(Encoding.UTF8.GetBytes(headers.ToString()), http.RequestAborted);
                    await body.WriteAsync(json, http.RequestAborted);
                }
                else
                {
                    headers.Append($"Content-Type: application/octet-stream\r\nContent-Length: {file.Length}\r\n\r\n");
                    await body.WriteAsync(Encoding.UTF8.GetBytes(headers.ToString()), http.RequestAborted);
                    await file.CopyToAsync(body, CopyBufferSize, http.RequestAborted);
                }
                await body.WriteAsync("\r\n"u8.ToArray(), http.RequestAborted);
            }
        }
        await body.WriteAsync(Encoding.ASCII.GetBytes($"--{boundary}--\r\n"), http.RequestAborted);
    }

    /// <summary>Backslash-escapes as Go's mime/multipart does, so quotes in paths survive.</summary>
    private static string Quote(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"");
}

/// <summary>
/// POST /files/bulk-upload: fields files[i].path (text) and files[i].file, read section by section
/// with MultipartReader so each file goes straight to disk. A file part arriving before its path
/// (the SDK sends the path first) is spooled inside the sandbox's daemon dir until the path comes.
/// </summary>
internal static partial class BulkUpload
{
    private const int MaxPathFieldBytes = 64 * 1024;

    [GeneratedRegex(@"^files\[(\d+)\]\.(path|file)$")]
    private static partial Regex FieldPattern();

    public static MultipartReader Reader(HttpContext http, MediaTypeHeaderValue type)
    {
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary)) throw ToolboxException.BadRequest("multipart boundary is missing");
        // BodyLengthLimit null: no per-part cap (its default is 128 MB); parts are streamed anyway.
        return new MultipartReader(boundary, http.Request.Body) { BodyLengthLimit = null };
    }

    public static string? FieldName(MultipartSection section) =>
        ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var cd) ? HeaderUtilities.RemoveQuotes(cd.Name).Value : null;

    public static async Task<IResult> ReadAsync(HttpContext http)
    {
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type) || !type.MediaType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
            throw ToolboxException.BadRequest("expected a multipart/form-data body");
        var runtime = http.Sandbox().Runtime;
        var reader = Reader(http, type);
        var paths = new Dictionary<int, SandboxPaths.Resolved>();
        var spooled = new Dictionary<int, string>();
        var spoolDir = Path.Combine(runtime.ControlDirOnHost, "uploads");
        try
        {
            MultipartSection? section;
            while ((section = await reader.ReadNextSectionAsync(http.RequestAborted)) is not null)
            {
                var match = FieldPattern().Match(FieldName(section) ?? "");
                if (!match.Success) continue; // unknown fields are skipped (the reader drains them)
                var index = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                if (match.Groups[2].Value == "path")
                {
                    var target = runtime.Paths.Resolve(await ReadTextAsync(section.Body, http.RequestAborted), write: true);
                    paths[index] = target;
                    if (spooled.Remove(index, out var spool))
                    {
                        await using var from = File.OpenRead(spool);
                        await FileEndpoints.WriteFileAsync(runtime, from, target, http.RequestAborted);
                        File.Delete(spool);
                    }
                }
                else if (paths.TryGetValue(index, out var target))
                {
                    await FileEndpoints.WriteFileAsync(runtime, section.Body, target, http.RequestAborted);
                }
                else
                {
                    Directory.CreateDirectory(spoolDir);
                    var spool = Path.Combine(spoolDir, Guid.NewGuid().ToString("N"));
                    await using (var to = File.Create(spool)) await section.Body.CopyToAsync(to, http.RequestAborted);
                    spooled[index] = spool;
                }
            }
            if (spooled.Count > 0) throw ToolboxException.BadRequest($"files[{spooled.Keys.First()}].path is missing");
            return Results.Ok();
        }
        finally
        {
            foreach (var spool in spooled.Values) File.Delete(spool);
        }
    }

    private static async Task<string> ReadTextAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > MaxPathFieldBytes) throw ToolboxException.BadRequest("path field is too long");
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
