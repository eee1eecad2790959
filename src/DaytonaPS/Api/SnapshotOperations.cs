using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Api;

/// <summary>
/// /snapshots: paged listing, create and wait (with the build log), delete, (de)activate.
/// Delete, activate and deactivate take the id only (Daytona's ParseUUIDPipe), so callers resolve names first.
/// </summary>
internal sealed class SnapshotOperations
{
    /// <summary>Daytona's page limit maximum (PageLimit decorator: 1..200).</summary>
    public const int MaxPageSize = 200;
    private const int LogTailLines = 20;
    private static int _progressIds = 0x44530000;

    public SnapshotOperations(DaytonaApiClient api) => Api = api;

    public DaytonaApiClient Api { get; }
    private IDaytonaLog Log => Api.Log;

    public Task<PaginatedSnapshotsDto?> ListPageAsync(int page, int limit, string? nameContains, CancellationToken ct, string? sourceSandboxId = null)
    {
        var query = "/snapshots?page=" + page.ToString(CultureInfo.InvariantCulture) + "&limit=" + limit.ToString(CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(nameContains)) query += "&name=" + Uri.EscapeDataString(nameContains);
        if (!string.IsNullOrEmpty(sourceSandboxId)) query += "&sourceSandboxId=" + Uri.EscapeDataString(sourceSandboxId);
        return Api.SendJsonAsync<PaginatedSnapshotsDto>(HttpMethod.Get, query, null, RetryMode.Idempotent, ct);
    }

    /// <summary>Every snapshot (all pages), optionally those whose name contains <paramref name="nameContains"/> (server-side, case-insensitive) and made from one sandbox.</summary>
    public async Task<List<SnapshotDto>> ListAllAsync(string? nameContains, CancellationToken ct, string? sourceSandboxId = null)
    {
        var all = new List<SnapshotDto>();
        for (var page = 1; ; page++)
        {
            var reply = await ListPageAsync(page, MaxPageSize, nameContains, ct, sourceSandboxId).ConfigureAwait(false);
            if (reply is null || reply.Items.Count == 0) break;
            all.AddRange(reply.Items);
            if (page >= reply.TotalPages) break;
        }
        return all;
    }

    public async Task<SnapshotDto> GetAsync(string idOrName, CancellationToken ct) =>
        await Api.SendJsonAsync<SnapshotDto>(HttpMethod.Get, "/snapshots/" + DaytonaApiClient.Segment(idOrName), null, RetryMode.Idempotent, ct).ConfigureAwait(false)
        ?? throw DaytonaApiException.NotFound($"Daytona returned no snapshot for '{idOrName}'.", "GET", "/snapshots/" + idOrName);

    /// <summary>Not retried except when the request provably did nothing (a retry after a lost reply would meet "name taken").</summary>
    public async Task<SnapshotDto> CreateAsync(CreateSnapshotDto body, CancellationToken ct)
    {
        try
        {
            return await Api.SendJsonAsync<SnapshotDto>(HttpMethod.Post, "/snapshots", body, RetryMode.RejectedOnly, ct).ConfigureAwait(false)
                ?? throw DaytonaApiException.Unexpected("Daytona answered the snapshot create with no snapshot.", "POST", "/snapshots");
        }
        catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.NameTaken)
        {
            throw new DaytonaException(ErrorIds.Conflict, ErrorCategory.ResourceExists, ex.Message, body.Name,
                recommendedAction: $"Choose another -Name, use the existing snapshot (Get-DaytonaSnapshot -Name '{body.Name}'), or remove it first (Remove-DaytonaSnapshot).", innerException: ex);
        }
    }

    /// <summary>
    /// POST /sandbox/{id}/snapshot: a snapshot of a started or stopped sandbox's filesystem (and memory, for
    /// VM classes). Daytona answers with the sandbox (state snapshotting), so the snapshot is then read by its
    /// name, for a moment until it is listed. Not retried after an ambiguous failure (the name would be taken).
    /// </summary>
    public async Task<SnapshotDto> CreateFromSandboxAsync(string sandboxId, string sandboxDisplay, string name, bool includeMemory, CancellationToken ct)
    {
        var path = "/sandbox/" + DaytonaApiClient.Segment(sandboxId) + "/snapshot";
        try
        {
            await Api.SendJsonAsync<SandboxDto>(HttpMethod.Post, path,
                new CreateSandboxSnapshotDto { Name = name, IncludeMemory = includeMemory ? true : null }, RetryMode.RejectedOnly, ct).ConfigureAwait(false);
        }
        catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.NameTaken)
        {
            throw new DaytonaException(ErrorIds.Conflict, ErrorCategory.ResourceExists, ex.Message, name,
                recommendedAction: $"Choose another -Name, or remove the existing snapshot first (Remove-DaytonaSnapshot -Name '{name}').", innerException: ex);
        }
        catch (DaytonaApiException ex) when (ex.StatusCode == 400)
        {
            // Daytona's 400 covers a bad name too; the sandbox's state says which it is.
            var state = await SourceStateAsync(sandboxId, ct).ConfigureAwait(false);
            if (state is null or SandboxStates.Started or SandboxStates.Stopped) throw;
            throw new DaytonaException(ErrorIds.SnapshotSourceNotReady, ErrorCategory.InvalidOperation,
                $"{sandboxDisplay} is {state}: Daytona makes snapshots of started or stopped sandboxes only. {ex.ServerMessage ?? ex.Message}", sandboxId,
                recommendedAction: "Start it (Start-DaytonaSandbox) or stop it (Stop-DaytonaSandbox) and try again.", innerException: ex);
        }
        Log.WriteVerbose($"Daytona is making snapshot '{name}' from {sandboxDisplay}.");
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        for (var delay = 100; ; delay = Math.Min(1000, delay * 2))
        {
            try
            {
                return await GetAsync(name, ct).ConfigureAwait(false);
            }
            catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.NotFound && DateTime.UtcNow < until)
            {
                await Task.Delay(delay, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The sandbox's state now, or null when it cannot be read (the original error then stands).</summary>
    private async Task<string?> SourceStateAsync(string sandboxId, CancellationToken ct)
    {
        try
        {
            var dto = await Api.SendJsonAsync<SandboxDto>(HttpMethod.Get, "/sandbox/" + DaytonaApiClient.Segment(sandboxId), null, RetryMode.Idempotent, ct).ConfigureAwait(false);
            return dto?.State;
        }
        catch (DaytonaApiException)
        {
            return null;
        }
    }

    public Task DeleteAsync(string id, CancellationToken ct) =>
        Api.SendNoContentAsync(HttpMethod.Delete, "/snapshots/" + DaytonaApiClient.Segment(id), null, RetryMode.Idempotent, ct);

    public Task<SnapshotDto?> ActivateAsync(string id, CancellationToken ct) =>
        Api.SendJsonAsync<SnapshotDto>(HttpMethod.Post, "/snapshots/" + DaytonaApiClient.Segment(id) + "/activate", null, RetryMode.Idempotent, ct);

    public Task DeactivateAsync(string id, CancellationToken ct) =>
        Api.SendNoContentAsync(HttpMethod.Post, "/snapshots/" + DaytonaApiClient.Segment(id) + "/deactivate", null, RetryMode.Idempotent, ct);

    /// <summary>
    /// Polls until the snapshot is active (returned) or failed (error/build_failed: a SnapshotFailed error with
    /// the reason and the build log's tail). A snapshot built from a Dockerfile streams its build log to the
    /// verbose stream meanwhile (Daytona has no build log for a pulled image). <paramref name="timeout"/> zero = none.
    /// </summary>
    public async Task<SnapshotDto> WaitUntilActiveAsync(SnapshotDto created, TimeSpan timeout, CancellationToken ct)
    {
        var display = Snapshot.Describe(created.Id, created.Name);
        var started = DateTime.UtcNow;
        var deadline = timeout > TimeSpan.Zero ? started + timeout : DateTime.MaxValue;
        var activityId = Interlocked.Increment(ref _progressIds) & 0x7fffffff;
        var activity = $"Creating {display}";
        var log = new BuildLogStream(Api, "/snapshots/" + DaytonaApiClient.Segment(created.Id), "snapshot " + created.Id, LogTailLines);
        using var streamCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task? stream = created.BuildInfo is null ? null : log.FollowAsync(streamCts.Token);
        var dto = created;
        string? lastState = null;
        var delay = TimeSpan.FromMilliseconds(250);
        try
        {
            while (true)
            {
                var state = dto.State ?? "unknown";
                if (state != lastState)
                {
                    Log.WriteVerbose($"{display}: {state}");
                    lastState = state;
                }
                if (state == SnapshotStates.Active) return dto;
                if (SnapshotStates.IsFailed(state))
                {
                    if (stream is not null) await BuildLogStream.FinishAsync(stream, streamCts).ConfigureAwait(false);
                    var tail = created.BuildInfo is null ? log.Tail() : await log.TailAsync(ct).ConfigureAwait(false);
                    throw Failed(dto, display, tail);
                }
                var now = DateTime.UtcNow;
                var record = new ProgressRecord(activityId, activity,
                    string.Format(CultureInfo.InvariantCulture, "{0} ({1:0} s)", state, (now - started).TotalSeconds));
                if (timeout > TimeSpan.Zero) record.SecondsRemaining = (int)Math.Max(0, (deadline - now).TotalSeconds);
                Log.WriteProgress(record);
                if (now >= deadline)
                {
                    throw new DaytonaException(ErrorIds.Timeout, ErrorCategory.OperationTimeout,
                        string.Format(CultureInfo.InvariantCulture, "{0} did not become active within {1:0.#} s (last state: {2}).", display, timeout.TotalSeconds, state),
                        created.Name, recommendedAction: "Wait for it with Get-DaytonaSnapshot, or give a larger -TimeoutSec.");
                }
                var wait = now + delay > deadline ? deadline - now : delay;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, ct).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(1000, delay.TotalMilliseconds * 1.2));
                dto = await GetAsync(created.Id, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            if (stream is not null) await BuildLogStream.FinishAsync(stream, streamCts).ConfigureAwait(false);
            Log.WriteProgress(new ProgressRecord(activityId, activity, "done") { RecordType = ProgressRecordType.Completed });
        }
    }

    private static DaytonaException Failed(SnapshotDto dto, string display, IReadOnlyList<string> tail)
    {
        var message = new StringBuilder($"{display} failed with state '{dto.State}'");
        message.Append(string.IsNullOrEmpty(dto.ErrorReason) ? "." : ": " + dto.ErrorReason);
        if (tail.Count > 0) message.Append("\nLast lines of the build log:\n").Append(string.Join("\n", tail));
        return new DaytonaException(ErrorIds.SnapshotFailed, ErrorCategory.InvalidResult, message.ToString(), dto.Name,
            recommendedAction: "Fix the image or Dockerfile, remove the snapshot with Remove-DaytonaSnapshot and create it again.");
    }
}

/// <summary>Daytona's snapshot states that the module acts on (the set is open).</summary>
internal static class SnapshotStates
{
    public const string Active = "active";
    public const string Inactive = "inactive";

    public static readonly string[] Known = { "pending", "pulling", "building", "active", "inactive", "error", "build_failed", "removing" };

    public static bool IsFailed(string state) => state is "error" or "build_failed";
}
