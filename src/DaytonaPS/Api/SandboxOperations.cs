using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Api;

/// <summary>
/// Multi-call sandbox workflows over <see cref="DaytonaApiClient"/>: waiting for a state, creating
/// without duplicates, and lifecycle changes that ride out 409 "state change in progress".
/// Throws <see cref="DaytonaApiException"/> or <see cref="DaytonaException"/> (non-terminating).
/// </summary>
internal sealed class SandboxOperations
{
    /// <summary>Label that tags each create with a client-generated id, so a lost reply can be found instead of repeated.</summary>
    public const string CreateTokenLabel = "daytonaps-create-id";
    public const string LanguageLabel = "code-toolbox-language";
    private const int MaxCreateAttempts = 5;
    private static int _progressIds = 0x44540000;

    public SandboxOperations(DaytonaApiClient api) => Api = api;

    public DaytonaApiClient Api { get; }
    private IDaytonaLog Log => Api.Log;

    // ------------------------------------------------------------------ wait

    /// <summary>
    /// Writes the build log of a sandbox made from an image to the verbose stream as it is written, as the
    /// SDK does for a create with a log callback: while the sandbox is pending_build it polls, then follows
    /// build-logs-url until the server ends the stream or <paramref name="ct"/> is cancelled (the caller
    /// stops it when its wait is over). Failures only end the log.
    /// </summary>
    public async Task FollowBuildLogAsync(string id, string display, CancellationToken ct)
    {
        try
        {
            for (var delay = 250; ; delay = Math.Min(1000, delay * 2))
            {
                var state = (await Api.GetSandboxAsync(id, ct).ConfigureAwait(false))?.State;
                if (state is SandboxStates.Error or SandboxStates.BuildFailed or SandboxStates.Destroyed or null) return;
                if (state != "pending_build") break;
                await Task.Delay(delay, ct).ConfigureAwait(false);
            }
            await new BuildLogStream(Api, "/sandbox/" + DaytonaApiClient.Segment(id), display, keep: 0).FollowAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DaytonaApiException || ex is OperationCanceledException)
        {
            if (!ct.IsCancellationRequested) Log.WriteVerbose($"No build log for {display}: {ex.Message}");
        }
    }

    /// <summary>
    /// Polls GET /sandbox/{id} (at once, then every 100 ms growing to 1 s, like Daytona's SDK)
    /// until the state is one of <paramref name="targets"/>. A 404 counts as "destroyed". Fails on
    /// error/build_failed (unless targeted) and at the deadline (<paramref name="timeout"/> zero = none).
    /// Returns null when the target was "destroyed" and the sandbox is gone.
    /// </summary>
    public async Task<SandboxDto?> WaitForStateAsync(string idOrName, string display, IReadOnlyCollection<string> targets, TimeSpan timeout, CancellationToken ct)
    {
        var started = DateTime.UtcNow;
        var deadline = timeout > TimeSpan.Zero ? started + timeout : DateTime.MaxValue;
        var activityId = Interlocked.Increment(ref _progressIds) & 0x7fffffff;
        var activity = $"Waiting for {display} to be {string.Join(" or ", targets)}";
        var delay = TimeSpan.FromMilliseconds(100);
        string? lastState = null;
        var lastProgress = DateTime.MinValue;
        var wantsDestroyed = targets.Contains(SandboxStates.Destroyed);
        try
        {
            while (true)
            {
                SandboxDto? dto = null;
                try
                {
                    dto = await Api.GetSandboxAsync(idOrName, ct).ConfigureAwait(false);
                }
                catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.NotFound && wantsDestroyed)
                {
                    return null;
                }
                catch (DaytonaApiException ex) when (ex.IsRetryable && DateTime.UtcNow < deadline)
                {
                    Log.WriteVerbose($"{display}: poll failed ({ex.Message}); still waiting.");
                }

                if (dto is not null)
                {
                    var state = dto.State ?? "unknown";
                    if (targets.Contains(state)) return dto;
                    if (SandboxStates.IsFailed(state))
                    {
                        throw new DaytonaException(ErrorIds.SandboxFailed, ErrorCategory.InvalidResult,
                            $"{display} failed with state '{state}'{(string.IsNullOrEmpty(dto.ErrorReason) ? string.Empty : ": " + dto.ErrorReason)}" +
                            ((dto.Recoverable ?? false) ? " (recoverable: Start-DaytonaSandbox recovers it)." : "."),
                            dto.Id);
                    }
                    if (state != lastState)
                    {
                        Log.WriteVerbose($"{display}: {state}");
                        lastState = state;
                    }
                }

                var now = DateTime.UtcNow;
                if (now - lastProgress >= TimeSpan.FromMilliseconds(500))
                {
                    lastProgress = now;
                    var elapsed = now - started;
                    var record = new ProgressRecord(activityId, activity,
                        string.Format(CultureInfo.InvariantCulture, "{0} ({1:0} s)", lastState ?? "waiting", elapsed.TotalSeconds));
                    if (timeout > TimeSpan.Zero)
                    {
                        record.PercentComplete = (int)Math.Min(99, 100 * elapsed.TotalMilliseconds / timeout.TotalMilliseconds);
                        record.SecondsRemaining = (int)Math.Max(0, (deadline - now).TotalSeconds);
                    }
                    Log.WriteProgress(record);
                }

                if (now >= deadline)
                {
                    throw new DaytonaException(ErrorIds.Timeout, ErrorCategory.OperationTimeout,
                        string.Format(CultureInfo.InvariantCulture, "{0} did not become {1} within {2:0.#} s (last state: {3}).",
                            display, string.Join(" or ", targets), timeout.TotalSeconds, lastState ?? "unknown"),
                        idOrName);
                }
                var wait = delay;
                if (now + wait > deadline) wait = deadline - now;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, ct).ConfigureAwait(false);
                if (now - started > TimeSpan.FromSeconds(5))
                {
                    delay = TimeSpan.FromMilliseconds(Math.Min(1000, delay.TotalMilliseconds * 1.1));
                }
            }
        }
        finally
        {
            Log.WriteProgress(new ProgressRecord(activityId, activity, "done") { RecordType = ProgressRecordType.Completed });
        }
    }

    // ------------------------------------------------------------------ create

    /// <summary>
    /// POST /sandbox, tagged with a fresh <see cref="CreateTokenLabel"/>. When the outcome is unknown
    /// (timeout, reset, 5xx), looks the token up before trying again, and after a retried create removes
    /// any extra sandbox carrying the same token, so one call never leaves two sandboxes.
    /// </summary>
    public async Task<SandboxDto> CreateAsync(CreateSandboxDto body, CancellationToken ct)
    {
        var token = Guid.NewGuid().ToString("N");
        body.Labels[CreateTokenLabel] = token;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var created = await Api.CreateSandboxAsync(body, ct).ConfigureAwait(false)
                    ?? throw DaytonaApiException.Unexpected("Daytona answered POST /sandbox without a sandbox.", "POST", "/sandbox");
                if (attempt > 1) await RemoveDuplicatesAsync(token, created.Id, ct).ConfigureAwait(false);
                return created;
            }
            catch (DaytonaApiException ex) when (IsAmbiguous(ex) || (attempt > 1 && ex.Kind == DaytonaFailureKind.NameTaken))
            {
                var found = await FindByCreateTokenAsync(token, ct).ConfigureAwait(false);
                if (found.Count > 0)
                {
                    Log.WriteVerbose($"POST /sandbox: the reply was lost ({ex.Message}) but the sandbox was created: {found[0].Name} ({found[0].Id}).");
                    if (found.Count > 1) await RemoveDuplicatesAsync(token, found[0].Id, ct).ConfigureAwait(false);
                    return found[0];
                }
                if (ex.Kind == DaytonaFailureKind.NameTaken || attempt >= MaxCreateAttempts) throw;
                var backoff = TimeSpan.FromMilliseconds(Math.Min(5000, 250 * Math.Pow(2, attempt - 1)) + new Random().Next(0, 100));
                Log.WriteVerbose($"POST /sandbox: retry {attempt}/{MaxCreateAttempts - 1} after {ex.Message} (no sandbox carries this create's id), waiting {DaytonaResilience.FormatDelay(backoff)}");
                await Task.Delay(backoff, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>No answer, a timeout or a server error: the create may or may not have happened.</summary>
    private static bool IsAmbiguous(DaytonaApiException ex) =>
        !ex.HasResponse || ex.Kind is DaytonaFailureKind.Timeout or DaytonaFailureKind.ServerError;

    public async Task<List<SandboxDto>> FindByCreateTokenAsync(string token, CancellationToken ct)
    {
        var page = await Api.ListSandboxesAsync(new SandboxListQuery
        {
            Labels = new Dictionary<string, string> { [CreateTokenLabel] = token },
            Limit = 10,
        }, null, ct).ConfigureAwait(false);
        return (page?.Items ?? new List<SandboxDto>())
            .Where(s => s.Labels is not null && s.Labels.TryGetValue(CreateTokenLabel, out var t) && t == token)
            .OrderBy(s => s.CreatedAt, StringComparer.Ordinal)
            .ToList();
    }

    private async Task RemoveDuplicatesAsync(string token, string keepId, CancellationToken ct)
    {
        foreach (var extra in (await FindByCreateTokenAsync(token, ct).ConfigureAwait(false)).Where(s => s.Id != keepId))
        {
            Log.WriteVerbose($"POST /sandbox: removing duplicate {extra.Id} created by a retried request.");
            try { await RemoveAsync(extra.Id, Sandbox.Describe(extra), wait: false, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false); }
            catch (DaytonaApiException ex) { Log.WriteWarning($"Could not remove duplicate sandbox {extra.Id}: {ex.Message}"); }
        }
    }

    // ------------------------------------------------------------------ labels

    /// <summary>Label changes to one sandbox, one at a time per process (see <see cref="ChangeLabelsAsync"/>).</summary>
    private static readonly KeyedLock LabelLocks = new();

    /// <summary>
    /// Reads the sandbox's labels, applies <paramref name="change"/> and writes them back (Daytona's
    /// only label call, PUT /labels, replaces them all). Read-change-write of one sandbox is
    /// serialised within this process, so concurrent merges (a pipeline, ForEach-Object -Parallel)
    /// all survive; between processes the last writer wins, as with Daytona's own SDKs.
    /// </summary>
    public async Task<Dictionary<string, string>> ChangeLabelsAsync(string id, Action<Dictionary<string, string>> change, CancellationToken ct)
    {
        using (await LabelLocks.AcquireAsync(Api.Connection.ApiUrl + "|" + id, ct).ConfigureAwait(false))
        {
            var current = await Api.GetSandboxAsync(id, ct).ConfigureAwait(false)
                ?? throw DaytonaApiException.NotFound($"Daytona returned no sandbox for '{id}'.", "GET", "/sandbox/" + id);
            var labels = new Dictionary<string, string>(current.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
            change(labels);
            return await Api.ReplaceLabelsAsync(id, labels, ct).ConfigureAwait(false);
        }
    }

    // ------------------------------------------------------------------ lifecycle

    /// <summary>
    /// DELETE, retried while Daytona answers 409 "state change in progress"; optionally waits until destroyed.
    /// A 404 from the DELETE means the sandbox is gone, which is what was asked: the caller found it
    /// (looked up, or piped from a listing) just before, so an earlier attempt of this removal took it.
    /// Attempts are not always visible: a retry after a lost reply or a 409 is, but .NET re-sends a
    /// body-less request on a fresh connection by itself when a pooled one dies before the reply.
    /// </summary>
    public async Task RemoveAsync(string id, string display, bool wait, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = timeout > TimeSpan.Zero ? DateTime.UtcNow + timeout : DateTime.MaxValue;
        var gone = false;
        await RetryOnConflictAsync(display, deadline, async () =>
        {
            try
            {
                await Api.DeleteSandboxAsync(id, ct).ConfigureAwait(false);
            }
            catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.NotFound)
            {
                Log.WriteVerbose($"{display}: DELETE answered 404 after {ex.Attempts} attempt(s): the sandbox is already gone.");
                gone = true;
            }
        }, ct).ConfigureAwait(false);
        if (gone) return;
        if (wait)
        {
            var remaining = timeout > TimeSpan.Zero ? deadline - DateTime.UtcNow : TimeSpan.Zero;
            if (timeout > TimeSpan.Zero && remaining < TimeSpan.FromMilliseconds(1)) remaining = TimeSpan.FromMilliseconds(1);
            await WaitForStateAsync(id, display, new[] { SandboxStates.Destroyed }, remaining, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Starts (or recovers a recoverable errored) sandbox; returns the latest known state.</summary>
    public async Task<SandboxDto> StartAsync(SandboxDto current, string display, bool wait, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = timeout > TimeSpan.Zero ? DateTime.UtcNow + timeout : DateTime.MaxValue;
        var state = current.State ?? "unknown";
        SandboxDto? reply = current;
        if (SandboxStates.IsFailed(state))
        {
            if (!(current.Recoverable ?? false))
            {
                throw new DaytonaException(ErrorIds.SandboxFailed, ErrorCategory.InvalidOperation,
                    $"{display} is in state '{state}' and cannot be recovered{(string.IsNullOrEmpty(current.ErrorReason) ? "." : ": " + current.ErrorReason)}",
                    current.Id);
            }
            Log.WriteVerbose($"{display} is in error but recoverable; recovering.");
            await RetryOnConflictAsync(display, deadline, async () => reply = await Api.RecoverSandboxAsync(current.Id, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        }
        else if (state == SandboxStates.Started)
        {
            Log.WriteVerbose($"{display} is already started.");
            return current;
        }
        else
        {
            await RetryOnConflictAsync(display, deadline, async () => reply = await Api.StartSandboxAsync(current.Id, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        }
        // A reply that is already 'started' needs no poll (a started sandbox's start returns it unchanged).
        if (!wait || reply?.State == SandboxStates.Started) return reply ?? current;
        return (await WaitForStateAsync(current.Id, display, new[] { SandboxStates.Started }, Remaining(deadline, timeout), ct).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Starts a sandbox known from a piped object without a GET first: the object's state may be
    /// stale, so it decides nothing. POST start goes out at once (Daytona answers a started sandbox
    /// with it unchanged); when Daytona refuses it (400: errored, or a state start cannot leave),
    /// the current state decides, as in <see cref="StartAsync"/> (which recovers a recoverable error).
    /// </summary>
    public async Task<SandboxDto> StartKnownAsync(string id, string display, bool wait, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = timeout > TimeSpan.Zero ? DateTime.UtcNow + timeout : DateTime.MaxValue;
        SandboxDto? reply = null;
        try
        {
            await RetryOnConflictAsync(display, deadline, async () => reply = await Api.StartSandboxAsync(id, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        }
        catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.InvalidRequest)
        {
            Log.WriteVerbose($"{display}: start refused ({ex.ServerMessage ?? ex.Message}); looking at its current state.");
            var current = await Api.GetSandboxAsync(id, ct).ConfigureAwait(false) ?? throw ex;
            return await StartAsync(current, display, wait, Remaining(deadline, timeout), ct).ConfigureAwait(false);
        }
        if (!wait || reply?.State == SandboxStates.Started)
        {
            return reply ?? await Api.GetSandboxAsync(id, ct).ConfigureAwait(false)
                ?? throw DaytonaApiException.NotFound($"Daytona returned no sandbox for '{id}'.", "GET", "/sandbox/" + id);
        }
        return (await WaitForStateAsync(id, display, new[] { SandboxStates.Started }, Remaining(deadline, timeout), ct).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Stops a sandbox known from a piped object without a GET first (see <see cref="StartKnownAsync"/>):
    /// with no state to go by, POST stop goes out, and a 400 is judged by the current state as in <see cref="StopAsync"/>.
    /// </summary>
    public Task<SandboxDto?> StopKnownAsync(string id, string display, bool archive, bool force, bool wait, TimeSpan timeout, CancellationToken ct) =>
        StopAsync(new SandboxDto { Id = id }, display, archive, force, wait, timeout, ct);

    /// <summary>Stops (and with <paramref name="archive"/> then archives) a sandbox. Returns null when an ephemeral sandbox was destroyed.</summary>
    public async Task<SandboxDto?> StopAsync(SandboxDto current, string display, bool archive, bool force, bool wait, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = timeout > TimeSpan.Zero ? DateTime.UtcNow + timeout : DateTime.MaxValue;
        SandboxDto? latest = current;
        var state = current.State ?? "unknown";
        if (state is not (SandboxStates.Stopped or SandboxStates.Archived or "archiving"))
        {
            await RetryOnConflictAsync(display, deadline, async () =>
            {
                try
                {
                    latest = await Api.StopSandboxAsync(current.Id, force, ct).ConfigureAwait(false) ?? latest;
                }
                catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.InvalidRequest)
                {
                    // A retried stop (or a stop racing another client) finds it already stopping/stopped.
                    var now = await Api.GetSandboxAsync(current.Id, ct).ConfigureAwait(false);
                    if (now?.State is "stopping" or SandboxStates.Stopped or SandboxStates.Archived or "archiving" or "destroying") { latest = now; return; }
                    throw;
                }
            }, ct).ConfigureAwait(false);
            // A stop answered with (or a refused stop looked up as) 'stopped' or 'archived' needs no poll.
            if ((wait || archive) && latest?.State is not (SandboxStates.Stopped or SandboxStates.Archived))
            {
                latest = await WaitForStateAsync(current.Id, display, new[] { SandboxStates.Stopped, SandboxStates.Archived, SandboxStates.Destroyed },
                    Remaining(deadline, timeout), ct).ConfigureAwait(false);
                if (latest is null) return null;
            }
        }
        if (archive && latest!.State != SandboxStates.Archived)
        {
            if (latest.State != "archiving")
            {
                await RetryOnConflictAsync(display, deadline, async () =>
                    latest = await Api.ArchiveSandboxAsync(current.Id, ct).ConfigureAwait(false) ?? latest, ct).ConfigureAwait(false);
            }
            if (wait)
            {
                latest = await WaitForStateAsync(current.Id, display, new[] { SandboxStates.Archived }, Remaining(deadline, timeout), ct).ConfigureAwait(false);
            }
        }
        return latest;
    }

    private static TimeSpan Remaining(DateTime deadline, TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero) return TimeSpan.Zero;
        var left = deadline - DateTime.UtcNow;
        return left > TimeSpan.FromMilliseconds(1) ? left : TimeSpan.FromMilliseconds(1);
    }

    /// <summary>Runs <paramref name="action"/>, and while Daytona answers 409 (a state change in progress) waits and runs it again.</summary>
    private async Task RetryOnConflictAsync(string display, DateTime deadline, Func<Task> action, CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await action().ConfigureAwait(false);
                return;
            }
            catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.Busy && DateTime.UtcNow + delay < deadline && attempt < 200)
            {
                Log.WriteVerbose($"{display}: 409 {ex.ServerMessage ?? "conflict"}; retrying in {DaytonaResilience.FormatDelay(delay)}");
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(2000, delay.TotalMilliseconds * 1.5));
            }
        }
    }
}
