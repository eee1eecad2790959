using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Api;

/// <summary>
/// Daytona's sandbox forks: POST /sandbox/{id}/fork (a new sandbox with a copy of the source's
/// filesystem; linux-vm and windows classes only), and the lineage routes GET forks, parent and
/// ancestors. The Sandbox object itself carries no parent field, so the lineage is read from these routes.
/// </summary>
internal sealed class SandboxForks
{
    public SandboxForks(SandboxOperations sandboxes) => Sandboxes = sandboxes;

    public SandboxOperations Sandboxes { get; }
    private DaytonaApiClient Api => Sandboxes.Api;

    /// <summary>
    /// Forks <paramref name="sourceId"/> and, unless <paramref name="wait"/> is false, waits for the fork
    /// to be started (Daytona's SDK waits the same way). The POST is not repeated after an ambiguous
    /// failure (a fork is a new sandbox); only a request that was never sent, or a 429, is retried.
    /// When the reply was lost (no answer, a timeout, a 5xx) and the fork has a name, the source's
    /// forks are looked up: a fork of that name is the one this request made.
    /// </summary>
    public async Task<SandboxDto> ForkAsync(string sourceId, string? name, bool wait, System.TimeSpan timeout, CancellationToken ct)
    {
        SandboxDto? fork;
        try
        {
            fork = await Api.SendJsonAsync<SandboxDto>(HttpMethod.Post, "/sandbox/" + DaytonaApiClient.Segment(sourceId) + "/fork",
                new ForkSandboxDto { Name = name }, RetryMode.RejectedOnly, ct).ConfigureAwait(false);
        }
        catch (DaytonaApiException ex) when (name is not null && (!ex.HasResponse || ex.Kind is DaytonaFailureKind.Timeout or DaytonaFailureKind.ServerError))
        {
            fork = (await ForksOfAsync(sourceId, includeDestroyed: false, ct).ConfigureAwait(false)).FirstOrDefault(f => f.Name == name);
            if (fork is null) throw;
            Api.Log.WriteVerbose($"POST /sandbox/{{id}}/fork: the reply was lost ({ex.Message}) but the fork was made: {Sandbox.Describe(fork)}.");
        }
        if (fork is null) throw DaytonaApiException.Unexpected("Daytona answered POST /sandbox/{id}/fork without a sandbox.", "POST", "/sandbox/" + sourceId + "/fork");
        Api.Log.WriteVerbose($"Forked {sourceId} as {Sandbox.Describe(fork)}: {fork.State}.");
        if (!wait || fork.State == SandboxStates.Started) return fork;
        return (await Sandboxes.WaitForStateAsync(fork.Id, Sandbox.Describe(fork), new[] { SandboxStates.Started }, timeout, ct).ConfigureAwait(false))!;
    }

    /// <summary>GET /sandbox/{id}/forks: the sandbox's direct forks (destroyed ones too with <paramref name="includeDestroyed"/>).</summary>
    public async Task<List<SandboxDto>> ForksOfAsync(string idOrName, bool includeDestroyed, CancellationToken ct) =>
        await Api.SendJsonAsync<List<SandboxDto>>(HttpMethod.Get,
            "/sandbox/" + DaytonaApiClient.Segment(idOrName) + "/forks" + (includeDestroyed ? "?includeDestroyed=true" : string.Empty),
            null, RetryMode.Idempotent, ct).ConfigureAwait(false) ?? new List<SandboxDto>();

    /// <summary>GET /sandbox/{id}/ancestors: the parent first, then its parent, and so on (empty for a sandbox that is no fork).</summary>
    public async Task<List<SandboxDto>> AncestorsOfAsync(string idOrName, CancellationToken ct) =>
        await Api.SendJsonAsync<List<SandboxDto>>(HttpMethod.Get, "/sandbox/" + DaytonaApiClient.Segment(idOrName) + "/ancestors",
            null, RetryMode.Idempotent, ct).ConfigureAwait(false) ?? new List<SandboxDto>();
}

/// <summary>Body of POST /sandbox/{id}/fork.</summary>
internal sealed class ForkSandboxDto
{
    public string? Name { get; set; }
}
