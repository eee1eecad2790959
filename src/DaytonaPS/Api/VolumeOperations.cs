using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Api;

/// <summary>/volumes: list, get by id or name, create and wait until ready, delete.</summary>
internal sealed class VolumeOperations
{
    private static int _progressIds = 0x44560000;

    public VolumeOperations(DaytonaApiClient api) => Api = api;

    public DaytonaApiClient Api { get; }

    public async Task<List<VolumeDto>> ListAsync(bool includeDeleted, CancellationToken ct) =>
        await Api.SendJsonAsync<List<VolumeDto>>(HttpMethod.Get, "/volumes" + (includeDeleted ? "?includeDeleted=true" : string.Empty), null, RetryMode.Idempotent, ct).ConfigureAwait(false)
        ?? new List<VolumeDto>();

    /// <summary>GET /volumes/{id} for a UUID (falling back to the name on 404: names may look like UUIDs), else GET /volumes/by-name/{name}.</summary>
    public async Task<VolumeDto> GetAsync(string idOrName, CancellationToken ct)
    {
        if (Guid.TryParse(idOrName, out _))
        {
            try
            {
                return await Api.SendJsonAsync<VolumeDto>(HttpMethod.Get, "/volumes/" + DaytonaApiClient.Segment(idOrName), null, RetryMode.Idempotent, ct).ConfigureAwait(false)
                    ?? throw DaytonaApiException.NotFound($"Daytona returned no volume for '{idOrName}'.", "GET", "/volumes/" + idOrName);
            }
            catch (DaytonaApiException ex) when (ex.Kind == DaytonaFailureKind.NotFound)
            {
            }
        }
        return await Api.SendJsonAsync<VolumeDto>(HttpMethod.Get, "/volumes/by-name/" + DaytonaApiClient.Segment(idOrName), null, RetryMode.Idempotent, ct).ConfigureAwait(false)
            ?? throw DaytonaApiException.NotFound($"Daytona returned no volume for '{idOrName}'.", "GET", "/volumes/by-name/" + idOrName);
    }

    /// <summary>Not retried except when the request provably did nothing (a retry after a lost reply would meet "name taken").</summary>
    public async Task<VolumeDto> CreateAsync(string name, CancellationToken ct)
    {
        try
        {
            return await Api.SendJsonAsync<VolumeDto>(HttpMethod.Post, "/volumes", new CreateVolumeDto { Name = name }, RetryMode.RejectedOnly, ct).ConfigureAwait(false)
                ?? throw DaytonaApiException.Unexpected("Daytona answered the volume create with no volume.", "POST", "/volumes");
        }
        catch (DaytonaApiException ex) when (ex.StatusCode is 400 or 409 && (ex.ServerMessage ?? string.Empty).IndexOf("already exists", StringComparison.OrdinalIgnoreCase) >= 0)
        {
            // Daytona answers a taken volume name with 400; it is a name conflict all the same.
            throw new DaytonaException(ErrorIds.Conflict, ErrorCategory.ResourceExists, ex.Message, name,
                recommendedAction: $"Choose another name, or use the existing volume (Get-DaytonaVolume -Name '{name}').", innerException: ex);
        }
    }

    public async Task DeleteAsync(string id, string display, CancellationToken ct)
    {
        try
        {
            await Api.SendNoContentAsync(HttpMethod.Delete, "/volumes/" + DaytonaApiClient.Segment(id), null, RetryMode.Idempotent, ct).ConfigureAwait(false);
        }
        catch (DaytonaApiException ex) when (ex.StatusCode == 409)
        {
            throw new DaytonaException(ErrorIds.Conflict, ErrorCategory.ResourceBusy, ex.Message, display,
                recommendedAction: $"Remove the sandboxes that mount it first: Get-DaytonaSandbox | Where-Object {{ $_.Volumes.VolumeId -contains '{id}' }} | Remove-DaytonaSandbox.", innerException: ex);
        }
    }

    /// <summary>Polls until ready (returned) or error (a failure); <paramref name="timeout"/> zero = none.</summary>
    public async Task<VolumeDto> WaitUntilReadyAsync(VolumeDto created, TimeSpan timeout, CancellationToken ct)
    {
        var display = Volume.Describe(created.Id, created.Name);
        var started = DateTime.UtcNow;
        var deadline = timeout > TimeSpan.Zero ? started + timeout : DateTime.MaxValue;
        var activityId = Interlocked.Increment(ref _progressIds) & 0x7fffffff;
        var activity = $"Creating {display}";
        var delay = TimeSpan.FromMilliseconds(200);
        var dto = created;
        string? last = null;
        try
        {
            while (true)
            {
                var state = dto.State ?? "unknown";
                if (state != last) { Api.Log.WriteVerbose($"{display}: {state}"); last = state; }
                if (state == "ready") return dto;
                if (state == "error")
                {
                    throw new DaytonaException(ErrorIds.VolumeFailed, ErrorCategory.InvalidResult,
                        $"{display} failed{(string.IsNullOrEmpty(dto.ErrorReason) ? "." : ": " + dto.ErrorReason)}", dto.Name);
                }
                var now = DateTime.UtcNow;
                Api.Log.WriteProgress(new ProgressRecord(activityId, activity, string.Format(CultureInfo.InvariantCulture, "{0} ({1:0} s)", state, (now - started).TotalSeconds)));
                if (now >= deadline)
                {
                    throw new DaytonaException(ErrorIds.Timeout, ErrorCategory.OperationTimeout,
                        string.Format(CultureInfo.InvariantCulture, "{0} was not ready within {1:0.#} s (last state: {2}).", display, timeout.TotalSeconds, state), dto.Name);
                }
                var wait = now + delay > deadline ? deadline - now : delay;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, ct).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(1000, delay.TotalMilliseconds * 1.2));
                dto = await GetAsync(created.Id, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            Api.Log.WriteProgress(new ProgressRecord(activityId, activity, "done") { RecordType = ProgressRecordType.Completed });
        }
    }
}
