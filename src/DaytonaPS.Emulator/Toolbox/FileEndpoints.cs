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
            using var parent = RootedFiles.Parent(resolved);
            return Results.Json(FileInfoMapper.Describe(parent.Entry, resolved.ApiPath, Ids(http)), JsonDefaults.Options);
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
        using (var pinned = RootedFiles.OpenDirectory(dir)) AddEntries(entries, pinned, dir.ApiPath, levels, Ids(http));
        return Results.Json(entries, JsonDefaults.Options);
    }

    /// <summary>Each level is listed through its own descriptor, so a swapped subdirectory can't lead the listing out of the sandbox.</summary>
    private static void AddEntries(List<FileInfoDto> into, RootedFiles.Pinned dir, string apiDir, int levels, Runtime.IdMap ids)
    {
        var children = new DirectoryInfo(dir.Directory).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = true })
            .OrderBy(e => e.Name, StringComparer.Ordinal);
        foreach (var child in children)
        {
            var apiPath = (apiDir == "/" ? "" : apiDir) + "/" + child.Name;
            FileInfoDto dto;
            try { dto = FileInfoMapper.Describe(dir.Directory + "/" + child.Name, apiPath, ids); }
            catch (ToolboxException) { continue; } // vanished meanwhile
            into.Add(dto);
            if (levels <= 1 || !dto.IsDir) continue;
            using var sub = RootedFiles.Subdirectory(dir, child.Name);
            if (sub is not null) AddEntries(into, sub, apiPath, levels - 1, ids);
        }
    }

    private static IResult Download(HttpContext http, string? path)
    {
        var file = Paths(http).Resolve(path);
        if (Directory.Exists(file.HostPath)) throw ToolboxException.BadRequest($"path is a directory: {file.ApiPath}");
        if (!File.Exists(file.HostPath)) throw ToolboxException.NotFound($"file not found: {file.ApiPath}");
        // Opened inside the sandbox's tree (RootedFiles), streamed from disk, never through memory.
        return Results.File(RootedFiles.OpenRead(file, CopyBufferSize), "application/octet-stream", Path.GetFileName(file.HostPath));
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
        var dirHost = Path.GetDirectoryName(target.HostPath)!;
        if (File.Exists(dirHost)) throw ToolboxException.BadRequest($"parent is not a directory: {target.ApiPath}");
        // The parent is created and held by descriptor; the temp file is created O_EXCL in it, its
        // mode set through its own handle, and renamed over the target: nothing follows a symlink.
        using var dir = RootedFiles.CreateDirectories(target with { HostPath = dirHost }, null, runtime.Container.Adopt);
        var name = Path.GetFileName(target.HostPath);
        var entry = dir.Directory + "/" + name;
        var existing = new FileInfo(entry);
        UnixFileMode? keepMode = !OperatingSystem.IsWindows() && existing.Exists && existing.LinkTarget is null ? existing.UnixFileMode : null;
        var temp = dir.Directory + $"/.{name}.upload-{Guid.NewGuid():N}";
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, CopyBufferSize, FileOptions.Asynchronous))
            {
                await body.CopyToAsync(file, CopyBufferSize, cancellationToken);
                if (keepMode is { } mode && !OperatingSystem.IsWindows()) File.SetUnixFileMode(file.SafeFileHandle, mode);
            }
            runtime.Container.Adopt(temp);
            File.Move(temp, entry, overwrite: true);
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
        // mkdir -p by descriptor; each directory it creates goes to the sandbox user, the last one gets mode.
        using (RootedFiles.CreateDirectories(dir, unixMode, http.Sandbox().Runtime.Container.Adopt)) { }
        return Results.StatusCode(201);
    }

    private static IResult Delete(HttpContext http, string? path, string? recursive)
    {
        var target = Paths(http).Resolve(path, followFinal: false, write: true);
        if (SandboxPaths.IsProtected(target.ApiPath)) throw ToolboxException.Forbidden($"cannot delete {target.ApiPath}");
        using var parent = RootedFiles.Parent(target);
        var entry = parent.Entry;
        var info = new FileInfo(entry);
        if (info.LinkTarget is not null || File.Exists(entry))
        {
            File.Delete(entry);
            return Results.NoContent();
        }
        if (!Directory.Exists(entry)) throw ToolboxException.NotFound($"file not found: {target.ApiPath}");
        if (!string.Equals(recursive, "true", StringComparison.OrdinalIgnoreCase))
            throw ToolboxException.BadRequest($"{target.ApiPath} is a directory: set recursive=true to delete it");
        RootedFiles.DeleteTree(parent, parent.Name);
        return Results.NoContent();
    }

    private static IResult Move(HttpContext http, string? source, string? destination)
    {
        var from = Paths(http).Resolve(source, followFinal: false, write: true);
        var to = Paths(http).Resolve(destination, followFinal: false, write: true);
        if (SandboxPaths.IsProtected(from.ApiPath)) throw ToolboxException.Forbidden($"cannot move {from.ApiPath}");
        // Both parents held by descriptor: the rename happens exactly between them.
        using var fromParent = RootedFiles.Parent(from);
        var fromEntry = fromParent.Entry;
        var fromIsLink = new FileInfo(fromEntry).LinkTarget is not null;
        if (!fromIsLink && !File.Exists(fromEntry) && !Directory.Exists(fromEntry))
            throw ToolboxException.NotFound($"file not found: {from.ApiPath}");
        if (File.Exists(to.HostPath) || Directory.Exists(to.HostPath) || new FileInfo(to.HostPath).LinkTarget is not null)
            throw ToolboxException.Conflict($"destination already exists: {to.ApiPath}");
        if (!Directory.Exists(Path.GetDirectoryName(to.HostPath)))
            throw ToolboxException.BadRequest($"destination directory does not exist: {to.ApiPath}");
        using var toParent = RootedFiles.Parent(to);
        var toEntry = toParent.Entry;
        if (File.Exists(toEntry) || Directory.Exists(toEntry) || new FileInfo(toEntry).LinkTarget is not null)
            throw ToolboxException.Conflict($"destination already exists: {to.ApiPath}");
        if (!fromIsLink && Directory.Exists(fromEntry)) Directory.Move(fromEntry, toEntry);
        else File.Move(fromEntry, toEntry);
        return Results.Ok();
    }

    private static IResult SetPermissions(HttpContext http, string? path, string? owner, string? group, string? mode)
    {
        var target = Paths(http).Resolve(path, write: true);
        if (!File.Exists(target.HostPath) && !Directory.Exists(target.HostPath))
            throw ToolboxException.NotFound($"file not found: {target.ApiPath}");
        // chmod/chown through /proc/self/fd of a descriptor opened inside the sandbox's tree.
        var (handle, hostPath) = RootedFiles.Target(target);
        using var _ = handle;
        if (!string.IsNullOrEmpty(mode) && !OperatingSystem.IsWindows()) File.SetUnixFileMode(hostPath, ParseMode(mode));
        if (!string.IsNullOrEmpty(owner) || !string.IsNullOrEmpty(group))
        {
            // Names are the sandbox's (its /etc/passwd and /etc/group); ids map to the host's.
            var ids = Ids(http);
            var uid = string.IsNullOrEmpty(owner) ? uint.MaxValue : HostId(LookupId(http, owner, group: false), ids.UidToHost, owner);
            var gid = string.IsNullOrEmpty(group) ? uint.MaxValue : HostId(LookupId(http, group, group: true), ids.GidToHost, group);
            var error = Native.Chown(hostPath, uid, gid);
            if (error is not null) throw ToolboxException.Forbidden(error);
        }
        return Results.Ok();
    }

    /// <summary>
    /// A user or group by number, or by name from the sandbox's own /etc/passwd or /etc/group,
    /// read inside its tree (a sandbox that makes its passwd a symlink to a host file gets its own
    /// path resolved as it sees it, never the host's file).
    /// </summary>
    private static uint? LookupId(HttpContext http, string name, bool group)
    {
        if (uint.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return id;
        try
        {
            var file = Paths(http).Resolve(group ? "/etc/group" : "/etc/passwd");
            using var reader = new StreamReader(RootedFiles.OpenRead(file), new UTF8Encoding(false));
            return Native.LookupId(name, reader);
        }
        catch (Exception e) when (e is ToolboxException or IOException or UnauthorizedAccessException)
        {
            return null; // no such file in the sandbox: only numbers
        }
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
            // Read inside the sandbox's tree, whatever the walk met.
            var file = RootedFiles.Below(root, hostFile, apiFile);
            if (LooksBinary(file)) continue;
            var lineNumber = 0;
            IEnumerable<string> lines;
            try { lines = ReadLines(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            foreach (var line in lines)
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
                string text;
                using (var reader = new StreamReader(RootedFiles.OpenRead(target), new UTF8Encoding(false))) text = await reader.ReadToEndAsync(http.RequestAborted);
                // A plain-text replacement of every occurrence (not a regex), written as an upload is.
                using var replaced = new MemoryStream(new UTF8Encoding(false).GetBytes(text.Replace(request.Pattern, request.NewValue, StringComparison.Ordinal)));
                await WriteFileAsync(http.Sandbox().Runtime, replaced, target, http.RequestAborted);
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
    /// <remarks>
    /// Each folder is listed through a descriptor of its own, opened inside the sandbox's tree
    /// (<see cref="RootedFiles.OpenDirectory"/>, then <see cref="RootedFiles.Subdirectory"/>, which
    /// never follows a symlink): a folder that a sandbox process swaps for a symlink during the walk
    /// (to the host's /etc, another sandbox's tree) ends the walk there instead of listing the
    /// host's names. The host paths returned are lexical (the tree root plus the sandbox path);
    /// whatever reads them resolves them inside the tree again (<see cref="RootedFiles.Below"/>).
    /// </remarks>
    private static IEnumerable<(string HostPath, string ApiPath)> Walk(HttpContext http, SandboxPaths.Resolved root, bool filesOnly)
    {
        if (File.Exists(root.HostPath)) return [(root.HostPath, root.ApiPath)];
        if (!Directory.Exists(root.HostPath)) throw ToolboxException.NotFound($"directory not found: {root.ApiPath}");
        return WalkPinned(root, filesOnly);
    }

    private static IEnumerable<(string HostPath, string ApiPath)> WalkPinned(SandboxPaths.Resolved root, bool filesOnly)
    {
        RootedFiles.Pinned pinned;
        try { pinned = RootedFiles.OpenDirectory(root); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { yield break; }
        using (pinned)
        {
            foreach (var entry in WalkSorted(pinned, root.HostPath, root.ApiPath == "/" ? "" : root.ApiPath, filesOnly)) yield return entry;
        }
    }

    private static IEnumerable<(string HostPath, string ApiPath)> WalkSorted(RootedFiles.Pinned dir, string hostDir, string apiDir, bool filesOnly)
    {
        var options = new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        FileSystemInfo[] entries;
        try { entries = new DirectoryInfo(dir.Directory).GetFileSystemInfos("*", options); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { yield break; }
        foreach (var entry in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var apiPath = apiDir + "/" + entry.Name;
            var hostPath = hostDir + "/" + entry.Name;
            var isDir = entry is DirectoryInfo;
            if (!isDir || !filesOnly) yield return (hostPath, apiPath);
            if (!isDir) continue;
            using var sub = RootedFiles.Subdirectory(dir, entry.Name); // null: not a directory (any more)
            if (sub is null) continue;
            foreach (var child in WalkSorted(sub, hostPath, apiPath, filesOnly)) yield return child;
        }
    }

    private static IEnumerable<string> ReadLines(SandboxPaths.Resolved file)
    {
        using var reader = new StreamReader(RootedFiles.OpenRead(file));
        var lines = new List<string>();
        while (reader.ReadLine() is { } line) lines.Add(line);
        return lines;
    }

    private static bool LooksBinary(SandboxPaths.Resolved path)
    {
        try
        {
            using var stream = RootedFiles.OpenRead(path);
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
