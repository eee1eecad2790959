using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Api;

/// <summary>Sandbox routes for resources, pause, network, TTLs, activity and preview links (issue 12), over <see cref="DaytonaApiClient"/>.</summary>
internal static class SandboxSettingsApi
{
    private static string Sandbox(string idOrName) => "/sandbox/" + DaytonaApiClient.Segment(idOrName);

    public static Task<SandboxDto?> ResizeSandboxAsync(this DaytonaApiClient api, string id, ResizeSandboxDto body, CancellationToken ct) =>
        api.SendJsonAsync<SandboxDto>(HttpMethod.Post, Sandbox(id) + "/resize", body, RetryMode.Idempotent, ct);

    public static Task<SandboxDto?> PauseSandboxAsync(this DaytonaApiClient api, string id, CancellationToken ct) =>
        api.SendJsonAsync<SandboxDto>(HttpMethod.Post, Sandbox(id) + "/pause", null, RetryMode.Idempotent, ct);

    public static Task<SandboxDto?> SetNetworkSettingsAsync(this DaytonaApiClient api, string id, NetworkSettingsDto body, CancellationToken ct) =>
        api.SendJsonAsync<SandboxDto>(HttpMethod.Post, Sandbox(id) + "/network-settings", body, RetryMode.Idempotent, ct);

    /// <summary>POST /sandbox/{id}/ttl/{minutes}: destroyed that many minutes from now (0 = no TTL).</summary>
    public static Task SetTtlAsync(this DaytonaApiClient api, string id, int minutes, CancellationToken ct) =>
        api.SendNoContentAsync(HttpMethod.Post, Sandbox(id) + "/ttl/" + minutes.ToString(CultureInfo.InvariantCulture), null, RetryMode.Idempotent, ct);

    /// <summary>POST /sandbox/{id}/last-activity: counts as activity, so the auto-stop timer starts again.</summary>
    public static Task TouchActivityAsync(this DaytonaApiClient api, string id, CancellationToken ct) =>
        api.SendNoContentAsync(HttpMethod.Post, Sandbox(id) + "/last-activity", null, RetryMode.Idempotent, ct);

    /// <summary>PUT /sandbox/{id}/secrets: the complete set of mounted Daytona secrets (an empty list detaches all).</summary>
    public static Task<SandboxDto?> UpdateSecretsAsync(this DaytonaApiClient api, string id, List<Dictionary<string, string>> secrets, CancellationToken ct) =>
        api.SendJsonAsync<SandboxDto>(HttpMethod.Put, Sandbox(id) + "/secrets", new UpdateSandboxSecretsDto { Secrets = secrets }, RetryMode.Idempotent, ct);

    public static Task ExpireSignedPreviewUrlAsync(this DaytonaApiClient api, string id, int port, string token, CancellationToken ct) =>
        api.SendNoContentAsync(HttpMethod.Post, Sandbox(id) + "/ports/" + port.ToString(CultureInfo.InvariantCulture) + "/signed-preview-url/" + DaytonaApiClient.Segment(token) + "/expire",
            null, RetryMode.Idempotent, ct);

    /// <summary>POST /sandbox/{id}/signing-key/rotate: every signed preview URL made so far stops working.</summary>
    public static Task RotateSigningKeyAsync(this DaytonaApiClient api, string id, CancellationToken ct) =>
        api.SendNoContentAsync(HttpMethod.Post, Sandbox(id) + "/signing-key/rotate", null, RetryMode.Idempotent, ct);
}

internal sealed class ResizeSandboxDto
{
    public int? Cpu { get; set; }
    public int? Memory { get; set; }
    public int? Disk { get; set; }
}

/// <summary>Only what is set is sent: Daytona treats a missing field as "unchanged" and "" as "clear".</summary>
internal sealed class NetworkSettingsDto
{
    public bool? NetworkBlockAll { get; set; }
    public string? NetworkAllowList { get; set; }
    public string? DomainAllowList { get; set; }
}
