using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DaytonaPS.Emulator.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// /files: the daemon's file API over the sandbox root. Paths are sandbox paths (relative ones
/// start at /home/daytona); file bodies stream between the socket and the disk, never buffered whole.
/// </summary>
public static class FileEndpoints
{
    private const int CopyBufferSize = 256 * 1024;

    public sealed record DownloadRequest(List<string>? Paths);
    public sealed record ReplaceRequest(List<string>? Files, string? Pattern, string? NewValue);

    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/files", List);
        group.MapGet("/files/info", (HttpContext http, string? path) =>
        {
            var resolved = Paths(http).Resolve(path);
            return Results.Json(FileInfoMapper.Describe(resolved.HostPath, resolved.ApiPath, Ids(http)), JsonDefaults.Options);
        });
        group.MapGet("/files/download", Download);
        group.MapPost("/files/bulk-download", (Func<HttpContext, Task>)BulkDownload.WriteAsync);
        group.MapPost("/files/upload-v2", (Func<HttpContext, string?, Task<IResult>>)UploadV2);
        group.MapPost("/files/upload", (Func<HttpContext, string?, Task<IResult>>)UploadV2);
        group.MapPost("/files/bulk-upload", (Func<HttpContext, Task<IResult>>)BulkUpload.ReadAsync);
        group.MapPost("/files/folder", CreateFolder);
        group.MapDelete("/files", Delete);
        group.MapPost("/files/move", Move);
        group.MapPost("/files/permissions", SetPermissions);
        group.MapGet("/files/find", Find);
        group.MapGet("/files/search", Search);
        group.MapPost("/files/replace", (Func<HttpContext, Task<IResult>>)Replace);
    }

    internal static SandboxPaths Paths(HttpContext http) => http.Sandbox().Runtime.Paths;

    private static Runtime.IdMap Ids(HttpContext http) => http.Sandbox().Runtime.Container.Ids;

    private static IResult List(HttpContext http, string? path, string? depth)
    {
        var levels = 1;
        if (!string.IsNullOrEmpty(depth) && (!int.TryParse(depth, NumberStyles.None, CultureInfo.InvariantCulture, out levels) || levels < 1))
            throw ToolboxException.BadRequest("depth must be an integer >= 1");
        var dir = Paths(http).Resolve(string.IsNullOrEmpty(path) ? SandboxPaths.WorkDir : path);
        if (File.Exists(dir.HostPath)) throw ToolboxException.BadRequest($"not a directory: {dir.ApiPath}");
        if (!Directory.Exists(dir.HostPath)) throw ToolboxException.NotFound($"directory not found: {dir.ApiPath}");
        var entries = new List<FileInfoDto>();
        AddEntries(entries, dir.HostPath, dir.ApiPath, levels, Ids(http));
        return Results.Json(entries, JsonDefaults.Options);
    }

    private static void AddEntries(List<FileInfoDto> into, string hostDir, string apiDir, int levels, Runtime.IdMap ids)
    {
        var children = new DirectoryInfo(hostDir).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = true })
            .OrderBy(e => e.Name, StringComparer.Ordinal);
        foreach (var child in children)
        {
            var apiPath = (apiDir == "/" ? "" : apiDir) + "/" + child.Name;
            FileInfoDto dto;
            try { dto = FileInfoMapper.Describe(child.FullName, apiPath, ids); }
            catch (ToolboxException) { continue; } // vanished meanwhile
            into.Add(dto);
            if (levels > 1 && dto.IsDir) AddEntries(into, child.FullName, apiPath, levels - 1, ids);
        }
    }

    private static IResult Download(HttpContext http, string? path)
    {
        var file = Paths(http).Resolve(path);
        if (Directory.Exists(file.HostPath)) throw ToolboxException.BadRequest($"path is a directory: {file.ApiPath}");
        if (!File.Exists(file.HostPath)) throw ToolboxException.NotFound($"file not found: {file.ApiPath}");
        // PhysicalFile streams from disk (sendfile where it can), never through memory.
        return Results.File(file.HostPath, "application/octet-stream", Path.GetFileName(file.HostPath));
    }

    private static async Task<IResult> UploadV2(HttpContext http, string? path)
    {
        var target = Paths(http).Resolve(path, write: true);
        var runtime = http.Sandbox().Runtime;
        if (MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type) && type.MediaType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            var reader = BulkUpload.Reader(http, type);
            MultipartSection? section;
            while ((section = await reader.ReadNextSectionAsync(http.RequestAborted)) is not null)
            {
                if (BulkUpload.FieldName(section) != "file") continue;
                await WriteFileAsync(runtime, section.Body, target, http.RequestAborted);
                return Uploaded(target);
            }
            throw ToolboxException.BadRequest("multipart field 'file' is required");
        }
        await WriteFileAsync(runtime, http.Request.Body, target, http.RequestAborted);
        return Uploaded(target);
    }

    private static IResult Uploaded(SandboxPaths.Resolved target) =>
        Results.Json(new { name = Path.GetFileName(target.HostPath), path = target.ApiPath, type = "file" }, JsonDefaults.Options);

    /// <summary>
    /// Streams body into the target (parents created, an existing file replaced) via a temp file
    /// beside it. The file keeps an existing file's mode (a chmod +x script stays executable) and
    /// belongs to the sandbox user, as if the sandbox had written it.
    /// </summary>
    internal static async Task WriteFileAsync(SandboxRuntime runtime, Stream body, SandboxPaths.Resolved target, CancellationToken cancellationToken)
    {
        if (target.ReadOnly) throw ToolboxException.Forbidden($"read-only file system: {target.ApiPath}");
        if (Directory.Exists(target.HostPath)) throw ToolboxException.BadRequest($"path is a directory: {target.ApiPath}");
        var dir = Path.GetDirectoryName(target.HostPath)!;
        if (File.Exists(dir)) throw ToolboxException.BadRequest($"parent is not a directory: {target.ApiPath}");
        CreateDirectories(runtime, dir, null);
        UnixFileMode? keepMode = !OperatingSystem.IsWindows() && File.Exists(target.HostPath) ? File.GetUnixFileMode(target.HostPath) : null;
        var temp = Path.Combine(dir, $".{Path.GetFileName(target.HostPath)}.upload-{Guid.NewGuid():N}");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, CopyBufferSize, FileOptions.Asynchronous))
            {
                await body.CopyToAsync(file, CopyBufferSize, cancellationToken);
            }
            if (keepMode is { } mode && !OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, mode);
            runtime.Container.Adopt(temp);
            File.Move(temp, target.HostPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static IResult CreateFolder(HttpContext http, string? path, string? mode)
    {
        var dir = Paths(http).Resolve(path, write: true);
        var unixMode = ParseMode(string.IsNullOrEmpty(mode) ? "0755" : mode);
        if (File.Exists(dir.HostPath)) throw ToolboxException.Conflict($"a file exists at {dir.ApiPath}");
        CreateDirectories(http.Sandbox().Runtime, dir.HostPath, unixMode);
        return Results.StatusCode(201);
    }

    /// <summary>mkdir -p that hands each directory it creates to the sandbox user; the last one gets mode.</summary>
    private static void CreateDirectories(SandboxRuntime runtime, string hostDir, UnixFileMode? mode)
    {
        if (Directory.Exists(hostDir)) return;
        var parent = Path.GetDirectoryName(hostDir);
        if (parent is not null && !Directory.Exists(parent)) CreateDirectories(runtime, parent, null);
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(hostDir);
        else Directory.CreateDirectory(hostDir, mode ?? (UnixFileMode)Convert.ToInt32("755", 8));
        runtime.Container.Adopt(hostDir);
    }

    private static IResult Delete(HttpContext http, string? path, string? recursive)
    {
        var target = Paths(http).Resolve(path, followFinal: false, write: true);
        if (SandboxPaths.IsProtected(target.ApiPath)) throw ToolboxException.Forbidden($"cannot delete {target.ApiPath}");
        var info = new FileInfo(target.HostPath);
        if (info.LinkTarget is not null || File.Exists(target.HostPath))
        {
            File.Delete(target.HostPath);
            return Results.NoContent();
        }
        if (!Directory.Exists(target.HostPath)) throw ToolboxException.NotFound($"file not found: {target.ApiPath}");
        if (!string.Equals(recursive, "true", StringComparison.OrdinalIgnoreCase))
            throw ToolboxException.BadRequest($"{target.ApiPath} is a directory: set recursive=true to delete it");
        Directory.Delete(target.HostPath, recursive: true);
        return Results.NoContent();
    }

    private static IResult Move(HttpContext http, string? source, string? destination)
    {
        var from = Paths(http).Resolve(source, followFinal: false, write: true);
        var to = Paths(http).Resolve(destination, followFinal: false, write: true);
        if (SandboxPaths.IsProtected(from.ApiPath)) throw ToolboxException.Forbidden($"cannot move {from.ApiPath}");
        var fromIsLink = new FileInfo(from.HostPath).LinkTarget is not null;
        if (!fromIsLink && !File.Exists(from.HostPath) && !Directory.Exists(from.HostPath))
            throw ToolboxException.NotFound($"file not found: {from.ApiPath}");
        if (File.Exists(to.HostPath) || Directory.Exists(to.HostPath) || new FileInfo(to.HostPath).LinkTarget is not null)
            throw ToolboxException.Conflict($"destination already exists: {to.ApiPath}");
        if (!Directory.Exists(Path.GetDirectoryName(to.HostPath)))
            throw ToolboxException.BadRequest($"destination directory does not exist: {to.ApiPath}");
        if (!fromIsLink && Directory.Exists(from.HostPath)) Directory.Move(from.HostPath, to.HostPath);
        else File.Move(from.HostPath, to.HostPath);
        return Results.Ok();
    }

    private static IResult SetPermissions(HttpContext http, string? path, string? owner, string? group, string? mode)
    {
        var target = Paths(http).Resolve(path, write: true);
        if (!File.Exists(target.HostPath) && !Directory.Exists(target.HostPath))
            throw ToolboxException.NotFound($"file not found: {target.ApiPath}");
        if (!string.IsNullOrEmpty(mode) && !OperatingSystem.IsWindows()) File.SetUnixFileMode(target.HostPath, ParseMode(mode));
        if (!string.IsNullOrEmpty(owner) || !string.IsNullOrEmpty(group))
        {
            // Names are the sandbox's (its /etc/passwd and /etc/group); ids map to the host's.
            var ids = Ids(http);
            var etc = Paths(http).MapLexical("/etc") ?? "/etc";
            var uid = string.IsNullOrEmpty(owner) ? uint.MaxValue : HostId(Native.LookupId(owner, group: false, etc), ids.UidToHost, owner);
            var gid = string.IsNullOrEmpty(group) ? uint.MaxValue : HostId(Native.LookupId(group, group: true, etc), ids.GidToHost, group);
            var error = Native.Chown(target.HostPath, uid, gid);
            if (error is not null) throw ToolboxException.Forbidden(error);
        }
        return Results.Ok();
    }

    private static uint HostId(uint? sandboxId, Func<uint, uint?> toHost, string name)
    {
        if (sandboxId is null) throw ToolboxException.BadRequest($"unknown user or group: {name}");
        return toHost(sandboxId.Value) ?? throw ToolboxException.Forbidden($"chown to {name}: operation not permitted (only the sandbox user exists on this runtime)");
    }

    private static IResult Find(HttpContext http, string? path, string? pattern)
    {
        if (string.IsNullOrEmpty(pattern)) throw ToolboxException.BadRequest("pattern is required");
        var root = Paths(http).Resolve(path);
        var matches = new List<object>();
        foreach (var (hostFile, apiFile) in Walk(http, root, filesOnly: true))
        {
            if (LooksBinary(hostFile)) continue;
            var lineNumber = 0;
            foreach (var line in File.ReadLines(hostFile))
            {
                lineNumber++;
                if (line.Contains(pattern, StringComparison.Ordinal)) matches.Add(new { file = apiFile, line = lineNumber, content = line });
            }
        }
        return Results.Json(matches, JsonDefaults.Options);
    }

    private static IResult Search(HttpContext http, string? path, string? pattern)
    {
        if (string.IsNullOrEmpty(pattern)) throw ToolboxException.BadRequest("pattern is required");
        var glob = GlobRegex(pattern);
        var root = Paths(http).Resolve(path);
        var files = Walk(http, root, filesOnly: false).Where(e => glob.IsMatch(Path.GetFileName(e.HostPath))).Select(e => e.ApiPath).ToList();
        return Results.Json(new { files }, JsonDefaults.Options);
    }

    private static async Task<IResult> Replace(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<ReplaceRequest>(http);
        if (request.Files is null || string.IsNullOrEmpty(request.Pattern) || request.NewValue is null)
            throw ToolboxException.BadRequest("files, pattern and newValue are required");
        var results = new List<object>();
        foreach (var file in request.Files)
        {
            try
            {
                var target = Paths(http).Resolve(file, write: true);
                if (!File.Exists(target.HostPath)) throw ToolboxException.NotFound($"file not found: {target.ApiPath}");
                var text = await File.ReadAllTextAsync(target.HostPath, http.RequestAborted);
                // A plain-text replacement of every occurrence (not a regex).
                await File.WriteAllTextAsync(target.HostPath, text.Replace(request.Pattern, request.NewValue, StringComparison.Ordinal), new UTF8Encoding(false), http.RequestAborted);
                results.Add(new { file, success = true });
            }
            catch (Exception e) when (e is ToolboxException or IOException or UnauthorizedAccessException)
            {
                results.Add(new { file, success = false, error = e.Message });
            }
        }
        return Results.Json(results, JsonDefaults.Options);
    }

    /// <summary>
    /// Everything below root (root itself when it is a file), not following symlinks, in the
    /// daemon's order (Go's filepath.Walk: depth first, each folder's entries sorted by name).
    /// </summary>
    private static IEnumerable<(string HostPath, string ApiPath)> Walk(HttpContext http, SandboxPaths.Resolved root, bool filesOnly)
    {
        if (File.Exists(root.HostPath)) return [(root.HostPath, root.ApiPath)];
        if (!Directory.Exists(root.HostPath)) throw ToolboxException.NotFound($"directory not found: {root.ApiPath}");
        return WalkSorted(root.HostPath, root.ApiPath == "/" ? "" : root.ApiPath, filesOnly);
    }

    private static IEnumerable<(string HostPath, string ApiPath)> WalkSorted(string hostDir, string apiDir, bool filesOnly)
    {
        var options = new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        FileSystemInfo[] entries;
        try { entries = new DirectoryInfo(hostDir).GetFileSystemInfos("*", options); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { yield break; }
        foreach (var entry in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var apiPath = apiDir + "/" + entry.Name;
            var isDir = entry is DirectoryInfo;
            if (!isDir || !filesOnly) yield return (entry.FullName, apiPath);
            if (isDir)
            {
                foreach (var child in WalkSorted(entry.FullName, apiPath, filesOnly)) yield return child;
            }
        }
    }

    private static bool LooksBinary(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var head = new byte[8000];
            var n = stream.Read(head, 0, head.Length);
            return Array.IndexOf(head, (byte)0, 0, n) >= 0;
        }
        catch (IOException) { return true; }
        catch (UnauthorizedAccessException) { return true; }
    }

    /// <summary>Go's filepath.Match syntax (*, ?, [...]) as a regex over one base name.</summary>
    internal static Regex GlobRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*': sb.Append(".*"); break;
                case '?': sb.Append('.'); break;
                case '[':
                    var end = pattern.IndexOf(']', i + 1);
                    if (end < 0) { sb.Append(@"\["); break; }
                    var set = pattern[(i + 1)..end];
                    if (set.StartsWith('^') || set.StartsWith('!')) set = "^" + set[1..];
                    sb.Append('[').Append(set.Replace(@"\", @"\\")).Append(']');
                    i = end;
                    break;
                case '\\' when i + 1 < pattern.Length:
                    sb.Append(Regex.Escape(pattern[++i].ToString()));
                    break;
                default: sb.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant);
    }

    internal static UnixFileMode ParseMode(string mode)
    {
        try
        {
            var value = Convert.ToInt32(mode, 8);
            if (value is < 0 or > 0xFFF) throw new FormatException();
            return (UnixFileMode)value;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            throw ToolboxException.BadRequest($"invalid mode '{mode}': use an octal string such as 0755");
        }
    }

    internal static string JsonError(HttpContext http, ToolboxException ex) =>
        JsonSerializer.Serialize(ToolboxErrors.Body(http, ex), JsonDefaults.Options);
}
