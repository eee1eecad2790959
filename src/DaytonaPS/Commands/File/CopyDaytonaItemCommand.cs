using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DaytonaPS.Api;
using DaytonaPS.Commands.Sandbox;

namespace DaytonaPS.Commands.Files;

/// <summary>
/// Copy-DaytonaItem: copies files and folders into sandbox(es) (-ToSandbox, or piped sandboxes) or
/// out of one (-FromSandbox), as Copy-Item -ToSession/-FromSession. Files stream between disk and
/// the network; a folder goes up in bulk-upload requests and comes down in bulk-download requests of
/// several files each (Daytona has no archive route, so no tar: the bulk routes are its one-request transfers). Existing files are replaced only with -Force, and a copy that cannot
/// be done whole (a conflict, a name that would escape the destination) is refused before anything is written.
/// </summary>
[Cmdlet(VerbsCommon.Copy, "DaytonaItem", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ToSet)]
[OutputType(typeof(DaytonaPS.FileInfo), typeof(FileSystemInfo))]
public sealed class CopyDaytonaItemCommand : DaytonaFileCmdlet
{
    private const string ToSet = "ToSandbox";
    private const string FromSet = "FromSandbox";
    // Fewer, larger bulk requests beat many small ones, and on 2 cores more than 2 at once gained
    // nothing (bench/results.md, 5,000-file tree): up to 1,000 files or 32 MiB per request, 2 at a time.
    private const int MaxFilesPerRequest = 1000;
    private const long MaxBytesPerRequest = 32L * 1024 * 1024;
    private const int ParallelRequests = 2;

    /// <summary>What to copy: local paths with -ToSandbox, sandbox paths with -FromSandbox. Wildcards are expanded on that side.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Where to copy to: a sandbox path with -ToSandbox, a local path with -FromSandbox.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = string.Empty;

    /// <summary>Sandboxes to copy into (ids, names or sandbox objects).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ToSet)]
    [SandboxReference]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SandboxCompleter))]
    public string[] ToSandbox { get; set; } = Array.Empty<string>();

    /// <summary>The sandbox to copy from (id, name or sandbox object).</summary>
    [Parameter(Mandatory = true, ParameterSetName = FromSet)]
    [SandboxReference]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SandboxCompleter))]
    public string FromSandbox { get; set; } = string.Empty;

    /// <summary>Copy folders with everything in them.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Replace files that exist at the destination.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Return what was created at the destination.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Names (wildcards) to leave out, at any depth, e.g. .git, node_modules, *.tmp.</summary>
    [Parameter]
    [SupportsWildcards]
    public string[]? Exclude { get; set; }

    private bool Download => ParameterSetName == FromSet;
    private readonly List<string> _localSources = new();
    private string _localDestination = string.Empty;
    private WildcardPattern[] _exclude = Array.Empty<WildcardPattern>();

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        _exclude = (Exclude ?? Array.Empty<string>()).Where(e => !string.IsNullOrEmpty(e))
            .Select(e => WildcardPattern.Get(e, WildcardOptions.IgnoreCase)).ToArray();
        if (Download)
        {
            _localDestination = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Destination);
            return;
        }
        foreach (var path in Path)
        {
            try
            {
                var resolved = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out var provider);
                if (provider.Name != "FileSystem")
                {
                    WriteError(ErrorMapper.ToErrorRecord(Invalid($"'{path}' is not a file system path.", path), path));
                    continue;
                }
                _localSources.AddRange(resolved);
            }
            catch (ItemNotFoundException)
            {
                WriteError(ErrorMapper.ToErrorRecord(PathNotFound(path, "on this machine"), path));
            }
        }
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ToSet) EnqueueEach(null, ToSandbox, ThrottleLimit, Work);
        else if (ParameterSetName == FromSet) EnqueueEach(null, new[] { FromSandbox }, 1, Work);
        else base.ProcessRecord();
    }

    private Task Work(CmdletPipe pipe, string idOrName, DaytonaPS.Sandbox? known, CancellationToken ct) =>
        ProcessSandboxAsync(pipe, idOrName, known, null, ct);

    private protected override Task ProcessSandboxAsync(CmdletPipe pipe, ToolboxClient toolbox, string display, object? state, CancellationToken ct) =>
        Download ? DownloadAllAsync(pipe, Files(pipe, toolbox), display, ct) : UploadAllAsync(pipe, Files(pipe, toolbox), display, ct);

    private bool Excluded(string name) => _exclude.Any(p => p.IsMatch(name));

    // ---------------------------------------------------------------- up

    private async Task UploadAllAsync(CmdletPipe pipe, SandboxFiles files, string display, CancellationToken ct)
    {
        var sources = _localSources.Where(s => !Excluded(System.IO.Path.GetFileName(TrimSeparators(s)))).ToList();
        if (sources.Count == 0) return;
        var destination = await files.TryGetInfoAsync(Destination, ct).ConfigureAwait(false);
        if (destination is { IsDir: false } && sources.Count > 1)
        {
            pipe.WriteFailure(Invalid($"{InSandbox(Destination, display)} is a file: copying several items needs a folder as -Destination.", Destination), Destination);
            return;
        }
        var intoFolder = destination?.IsDir ?? (sources.Count > 1 || Destination.EndsWith("/", StringComparison.Ordinal));
        foreach (var local in sources)
        {
            var target = intoFolder ? TransferPaths.RemoteJoin(Destination, System.IO.Path.GetFileName(TrimSeparators(local))) : Destination;
            await ForPathAsync(pipe, local, () => Directory.Exists(local)
                ? UploadFolderAsync(pipe, files, display, local, target, ct)
                : UploadFileAsync(pipe, files, display, local, target, ct)).ConfigureAwait(false);
        }
    }

    private async Task UploadFileAsync(CmdletPipe pipe, SandboxFiles files, string display, string local, string target, CancellationToken ct)
    {
        var existing = await files.TryGetInfoAsync(target, ct).ConfigureAwait(false);
        if (existing is { IsDir: true })
            throw new DaytonaException(ErrorIds.PathExists, ErrorCategory.ResourceExists, $"{InSandbox(target, display)} is a folder; a file cannot replace it.", target);
        if (existing is not null && !Force) throw RemoteExists(target, display);
        if (!await pipe.ShouldProcessAsync(InSandbox(target, display), $"Copy file '{local}'").ConfigureAwait(false)) return;

        var length = new System.IO.FileInfo(local).Length;
        var progress = new TransferProgress(pipe, $"Copying to {display}", length, 1);
        await files.UploadAsync(new[] { new SandboxFiles.UploadItem(target, () => OpenRead(local, length), length) }, progress, ct).ConfigureAwait(false);
        progress.Complete();
        var mode = LocalFileMode.Get(local);
        if (LocalFileMode.IsExecutable(mode)) await files.SetPermissionsAsync(target, Octal(mode!.Value), null, null, ct).ConfigureAwait(false);
        pipe.WriteVerbose($"Copied '{local}' to {InSandbox(target, display)} ({TransferProgress.Size(length)}).");
        if (PassThru) pipe.WriteObject(new DaytonaPS.FileInfo(files.SandboxId, await files.GetInfoAsync(target, ct).ConfigureAwait(false)));
    }

    private sealed class LocalEntry
    {
        public LocalEntry(string fullPath, string relative, long length, int? mode)
        {
            FullPath = fullPath;
            Relative = relative;
            Length = length;
            Mode = mode;
        }

        public string FullPath { get; }
        public string Relative { get; }
        public long Length { get; }
        public int? Mode { get; }
    }

    private async Task UploadFolderAsync(CmdletPipe pipe, SandboxFiles files, string display, string local, string target, CancellationToken ct)
    {
        if (!Recurse) throw Invalid($"'{local}' is a folder: add -Recurse to copy it with its contents.", local);
        var existing = await files.TryGetInfoAsync(target, ct).ConfigureAwait(false);
        if (existing is { IsDir: false })
            throw new DaytonaException(ErrorIds.PathExists, ErrorCategory.ResourceExists, $"{InSandbox(target, display)} is a file; a folder cannot replace it.", target);

        var fileList = new List<LocalEntry>();
        var folders = new List<LocalEntry>();
        ScanLocal(pipe, local, string.Empty, fileList, folders);

        if (existing is not null)
        {
            var remote = new Dictionary<string, FileInfoDto>(StringComparer.Ordinal);
            foreach (var entry in await files.ListAsync(existing.Path ?? target, SandboxFiles.AllLevels, ct).ConfigureAwait(false))
                remote[TransferPaths.RemoteRelative(existing.Path ?? target, entry.Path ?? string.Empty)] = entry;
            var blocked = folders.Where(f => remote.TryGetValue(f.Relative, out var r) && !r.IsDir)
                .Concat(fileList.Where(f => remote.TryGetValue(f.Relative, out var r) && r.IsDir)).ToList();
            if (blocked.Count > 0)
                throw new DaytonaException(ErrorIds.PathExists, ErrorCategory.ResourceExists,
                    $"Cannot copy '{local}' to {InSandbox(target, display)}: {Names(blocked)} exist(s) there as the other kind (file vs folder).", target);
            var conflicts = fileList.Where(f => remote.ContainsKey(f.Relative)).ToList();
            if (conflicts.Count > 0 && !Force)
                throw new DaytonaException(ErrorIds.PathExists, ErrorCategory.ResourceExists,
                    $"Cannot copy '{local}' to {InSandbox(target, display)}: {Names(conflicts)} already exist(s) there. Add -Force to overwrite.", target,
                    recommendedAction: "Add -Force to overwrite, or choose another destination.");
        }

        var totalBytes = fileList.Sum(f => f.Length);
        var action = string.Format(CultureInfo.InvariantCulture, "Copy folder '{0}' ({1} file(s), {2})", local, fileList.Count, TransferProgress.Size(totalBytes));
        if (!await pipe.ShouldProcessAsync(InSandbox(target, display), action).ConfigureAwait(false)) return;

        var progress = new TransferProgress(pipe, $"Copying '{System.IO.Path.GetFileName(TrimSeparators(local))}' to {display}", totalBytes, fileList.Count);
        await files.CreateFolderAsync(target, "0755", ct).ConfigureAwait(false);
        // Folders that hold files are created by the uploads; empty ones need a call of their own.
        var holdingFiles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in fileList)
        {
            for (var parent = TransferPaths.RemoteParent(f.Relative); parent.Length > 0 && holdingFiles.Add(parent); parent = TransferPaths.RemoteParent(parent)) { }
        }
        foreach (var folder in folders.Where(f => !holdingFiles.Contains(f.Relative)))
            await files.CreateFolderAsync(TransferPaths.RemoteJoin(target, folder.Relative), "0755", ct).ConfigureAwait(false);

        await ParallelAsync(Batches(fileList, f => f.Length), ParallelRequests, (batch, token) => files.UploadAsync(
            batch.Select(f => new SandboxFiles.UploadItem(TransferPaths.RemoteJoin(target, f.Relative), () => OpenRead(f.FullPath, f.Length), f.Length)).ToList(),
            progress, token), ct).ConfigureAwait(false);
        foreach (var f in fileList.Where(f => LocalFileMode.IsExecutable(f.Mode)))
            await files.SetPermissionsAsync(TransferPaths.RemoteJoin(target, f.Relative), Octal(f.Mode!.Value), null, null, ct).ConfigureAwait(false);
        progress.Complete();
        pipe.WriteVerbose($"Copied '{local}' to {InSandbox(target, display)}: {fileList.Count} file(s), {folders.Count} folder(s), {TransferProgress.Size(totalBytes)}.");
        if (PassThru) pipe.WriteObject(new DaytonaPS.FileInfo(files.SandboxId, await files.GetInfoAsync(target, ct).ConfigureAwait(false)));
    }

    /// <summary>Files and folders below a local folder, minus excluded names; symbolic links to folders are skipped (with a warning).</summary>
    private void ScanLocal(CmdletPipe pipe, string directory, string relative, List<LocalEntry> fileList, List<LocalEntry> folders)
    {
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            if (Excluded(entry.Name)) continue;
            var rel = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
            if (entry is DirectoryInfo dir)
            {
                if ((dir.Attributes & FileAttributes.ReparsePoint) != 0)
                {
                    pipe.WriteWarning($"Skipped '{dir.FullName}': it is a link to a folder.");
                    continue;
                }
                folders.Add(new LocalEntry(dir.FullName, rel, 0, null));
                ScanLocal(pipe, dir.FullName, rel, fileList, folders);
            }
            else
            {
                var file = (System.IO.FileInfo)entry;
                fileList.Add(new LocalEntry(file.FullName, rel, file.Length, LocalFileMode.Get(file.FullName)));
            }
        }
    }

    /// <summary>Several small files per request; a large file goes alone.</summary>
    private static IEnumerable<List<T>> Batches<T>(List<T> fileList, Func<T, long> length)
    {
        var batch = new List<T>();
        long bytes = 0;
        foreach (var f in fileList)
        {
            if (batch.Count > 0 && (batch.Count >= MaxFilesPerRequest || bytes + length(f) > MaxBytesPerRequest))
            {
                yield return batch;
                batch = new List<T>();
                bytes = 0;
            }
            batch.Add(f);
            bytes += length(f);
        }
        if (batch.Count > 0) yield return batch;
    }

    // ---------------------------------------------------------------- down

    private async Task DownloadAllAsync(CmdletPipe pipe, SandboxFiles files, string display, CancellationToken ct)
    {
        var sources = new List<FileInfoDto>();
        foreach (var path in Path)
        {
            await ForPathAsync(pipe, path, async () =>
            {
                if (!WildcardPattern.ContainsWildcardCharacters(path))
                {
                    sources.Add(await files.GetInfoAsync(path, ct).ConfigureAwait(false));
                    return;
                }
                var pattern = WildcardPattern.Get(TransferPaths.RemoteName(path), WildcardOptions.None);
                var matches = (await files.ListAsync(TransferPaths.RemoteParent(path), 1, ct).ConfigureAwait(false))
                    .Where(e => pattern.IsMatch(e.Name ?? string.Empty)).ToList();
                if (matches.Count == 0) throw PathNotFound(path, "in " + display);
                sources.AddRange(matches);
            }).ConfigureAwait(false);
        }
        sources = sources.Where(s => !Excluded(s.Name ?? string.Empty)).ToList();
        if (sources.Count == 0) return;

        var destination = _localDestination;
        if (System.IO.File.Exists(destination) && sources.Count > 1)
        {
            pipe.WriteFailure(Invalid($"'{destination}' is a file: copying several items needs a folder as -Destination.", destination), destination);
            return;
        }
        var intoFolder = Directory.Exists(destination) || sources.Count > 1 || Destination.EndsWith("/", StringComparison.Ordinal) || Destination.EndsWith("\\", StringComparison.Ordinal);
        foreach (var source in sources)
        {
            var remotePath = source.Path ?? string.Empty;
            await ForPathAsync(pipe, remotePath, () =>
            {
                var target = intoFolder ? TransferPaths.LocalChild(destination, source.Name ?? string.Empty) : System.IO.Path.GetFullPath(destination);
                return source.IsDir
                    ? DownloadFolderAsync(pipe, files, display, source, target, ct)
                    : DownloadFileAsync(pipe, files, display, source, target, ct);
            }).ConfigureAwait(false);
        }
    }

    private async Task DownloadFileAsync(CmdletPipe pipe, SandboxFiles files, string display, FileInfoDto source, string target, CancellationToken ct)
    {
        if (Directory.Exists(target))
            throw new DaytonaException(ErrorIds.PathExists, ErrorCategory.ResourceExists, $"'{target}' is a folder; a file cannot replace it.", target);
        if (System.IO.File.Exists(target) && !Force) throw SandboxFiles.Exists(target);
        if (!await pipe.ShouldProcessAsync(target, $"Copy file {InSandbox(source.Path ?? string.Empty, display)}").ConfigureAwait(false)) return;

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
        var info = new DaytonaPS.FileInfo(files.SandboxId, source);
        var progress = new TransferProgress(pipe, $"Copying from {display}", source.Size, 1);
        await files.DownloadAsync(source.Path!, target, source.Size, Force, info.IsExecutable ? info.UnixMode : null, progress, ct).ConfigureAwait(false);
        progress.Complete();
        pipe.WriteVerbose($"Copied {InSandbox(source.Path ?? string.Empty, display)} to '{target}' ({TransferProgress.Size(source.Size)}).");
        if (PassThru) pipe.WriteObject(new System.IO.FileInfo(target));
    }

    private async Task DownloadFolderAsync(CmdletPipe pipe, SandboxFiles files, string display, FileInfoDto source, string target, CancellationToken ct)
    {
        var root = source.Path ?? string.Empty;
        if (!Recurse) throw Invalid($"{InSandbox(root, display)} is a folder: add -Recurse to copy it with its contents.", root);
        if (System.IO.File.Exists(target))
            throw new DaytonaException(ErrorIds.PathExists, ErrorCategory.ResourceExists, $"'{target}' is a file; a folder cannot replace it.", target);

        // Every name is checked before anything is written: one that would leave the target refuses the whole copy.
        var folders = new List<string>();
        var fileList = new List<(FileInfoDto Entry, string Local)>();
        foreach (var entry in await files.ListAsync(root, SandboxFiles.AllLevels, ct).ConfigureAwait(false))
        {
            var relative = TransferPaths.RemoteRelative(root, entry.Path ?? string.Empty);
            if (relative.Split('/').Any(Excluded)) continue;
            var local = TransferPaths.LocalJoin(target, relative);
            var info = new DaytonaPS.FileInfo(files.SandboxId, entry);
            if (info.IsSymbolicLink)
            {
                pipe.WriteWarning($"Skipped {InSandbox(entry.Path ?? relative, display)}: it is a symbolic link.");
                continue;
            }
            if (entry.IsDir) folders.Add(local);
            else fileList.Add((entry, local));
        }
        var blocked = fileList.Where(f => Directory.Exists(f.Local)).Select(f => f.Local).Concat(folders.Where(System.IO.File.Exists)).ToList();
        if (blocked.Count > 0)
            throw new DaytonaException(ErrorIds.PathExists, ErrorCategory.ResourceExists,
                $"Cannot copy {InSandbox(root, display)} to '{target}': {Names(blocked)} exist(s) there as the other kind (file vs folder).", target);
        var conflicts = fileList.Where(f => System.IO.File.Exists(f.Local)).Select(f => f.Local).ToList();
        if (conflicts.Count > 0 && !Force)
            throw new DaytonaException(ErrorIds.PathExists, ErrorCategory.ResourceExists,
                $"Cannot copy {InSandbox(root, display)} to '{target}': {Names(conflicts)} already exist(s). Add -Force to overwrite.", target,
                recommendedAction: "Add -Force to overwrite, or choose another destination.");

        var totalBytes = fileList.Sum(f => f.Entry.Size);
        var action = string.Format(CultureInfo.InvariantCulture, "Copy folder {0} ({1} file(s), {2})", InSandbox(root, display), fileList.Count, TransferProgress.Size(totalBytes));
        if (!await pipe.ShouldProcessAsync(target, action).ConfigureAwait(false)) return;

        var progress = new TransferProgress(pipe, $"Copying '{source.Name}' from {display}", totalBytes, fileList.Count);
        Directory.CreateDirectory(target);
        foreach (var folder in folders) Directory.CreateDirectory(folder);
        foreach (var parent in fileList.Select(f => System.IO.Path.GetDirectoryName(f.Local)!).Distinct(StringComparer.Ordinal)) Directory.CreateDirectory(parent);
        // Many files per POST /files/bulk-download (one multipart reply each), a few replies at once.
        var items = fileList.Select(f =>
        {
            var info = new DaytonaPS.FileInfo(files.SandboxId, f.Entry);
            return new SandboxFiles.DownloadItem(f.Entry.Path!, f.Local, f.Entry.Size, info.IsExecutable ? info.UnixMode : null);
        }).ToList();
        await ParallelAsync(Batches(items, i => i.Size), ParallelRequests,
            (batch, token) => files.DownloadManyAsync(batch, Force, progress, token), ct).ConfigureAwait(false);
        progress.Complete();
        pipe.WriteVerbose($"Copied {InSandbox(root, display)} to '{target}': {fileList.Count} file(s), {folders.Count} folder(s), {TransferProgress.Size(totalBytes)}.");
        if (PassThru) pipe.WriteObject(new DirectoryInfo(target));
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>
    /// Runs work over items, at most <paramref name="degree"/> at once. The first failure cancels the
    /// rest (through the token the work is given) and is thrown once everything started has ended.
    /// </summary>
    private static async Task ParallelAsync<T>(IEnumerable<T> items, int degree, Func<T, CancellationToken, Task> work, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var gate = new SemaphoreSlim(degree);
        var running = new List<Task>();
        Exception? first = null;
        foreach (var item in items)
        {
            try
            {
                await gate.WaitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                break; // a failure cancelled the rest
            }
            running.Add(Task.Run(async () =>
            {
                try { await work(item, cts.Token).ConfigureAwait(false); }
                catch (Exception ex)
                {
                    if (Interlocked.CompareExchange(ref first, ex, null) is null) cts.Cancel();
                }
                finally { gate.Release(); }
            }));
            if (Volatile.Read(ref first) is not null) break;
        }
        await Task.WhenAll(running).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        if (first is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
    }

    /// <summary>A file to stream; small files get small buffers and plain (not overlapped) I/O, so a tree of thousands costs little.</summary>
    private static Stream OpenRead(string path, long length) => length < 1024 * 1024
        ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, (int)Math.Max(1, Math.Min(length, 16 * 1024)), FileOptions.SequentialScan)
        : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 128 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);

    private static string Octal(int mode) => Convert.ToString(mode & 0xFFF, 8).PadLeft(4, '0');

    private static string TrimSeparators(string path) =>
        path.Length > 1 ? path.TrimEnd(System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar) : path;

    private static string Names(IReadOnlyCollection<LocalEntry> entries) => Names(entries.Select(e => e.Relative).ToList());

    private static string Names(IReadOnlyCollection<string> names) =>
        string.Join(", ", names.Take(3).Select(n => "'" + n + "'")) + (names.Count > 3 ? $" and {names.Count - 3} more" : string.Empty);

    private static DaytonaException RemoteExists(string path, string display) => new(
        ErrorIds.PathExists, ErrorCategory.ResourceExists, $"{InSandbox(path, display)} already exists; add -Force to overwrite it.", path,
        recommendedAction: "Add -Force to overwrite, or choose another destination.");
}
