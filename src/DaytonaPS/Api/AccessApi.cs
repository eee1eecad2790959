using System;
using System.Globalization;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Api;

// SSH access tokens and port preview URLs (daytona-api.md 2.1): wire DTOs and the calls, as
// extension methods so DaytonaApiClient stays untouched. Never log a token: URLs carrying one are
// redacted by DaytonaApiClient.Redact (query name "token").

internal sealed class SshAccessDto
{
    public string? Id { get; set; }
    public string? SandboxId { get; set; }
    public string Token { get; set; } = string.Empty;
    public string? ExpiresAt { get; set; }
    public string? CreatedAt { get; set; }
    public string? UpdatedAt { get; set; }
    public string? SshCommand { get; set; }
}

internal sealed class SshAccessValidationDto
{
    public bool Valid { get; set; }
    public string? SandboxId { get; set; }
}

internal sealed class PortPreviewUrlDto
{
    public string? SandboxId { get; set; }
    public string Url { get; set; } = string.Empty;
    public string? Token { get; set; }
    public int? Port { get; set; }
}

internal static class AccessApi
{
    private static string SandboxPath(string idOrName) => "/sandbox/" + DaytonaApiClient.Segment(idOrName);

    /// <summary>POST /sandbox/{id}/ssh-access?expiresInMinutes=n. Daytona revokes the sandbox's earlier tokens.</summary>
    public static async Task<SshAccessDto> CreateSshAccessAsync(this DaytonaApiClient api, string idOrName, int expiresInMinutes, CancellationToken ct)
    {
        var path = SandboxPath(idOrName) + "/ssh-access?expiresInMinutes=" + expiresInMinutes.ToString(CultureInfo.InvariantCulture);
        // Safe to retry: a new token revokes the earlier ones, so a token whose reply was lost dies with the retry.
        var dto = await api.SendJsonAsync<SshAccessDto>(HttpMethod.Post, path, null, RetryMode.Idempotent, ct).ConfigureAwait(false);
        if (dto is null || string.IsNullOrEmpty(dto.Token))
            throw DaytonaApiException.Unexpected("Daytona returned no SSH access token.", "POST", SandboxPath(idOrName) + "/ssh-access");
        return dto;
    }

    /// <summary>DELETE /sandbox/{id}/ssh-access[?token=...]: without a token every token of the sandbox is revoked.</summary>
    public static Task RevokeSshAccessAsync(this DaytonaApiClient api, string idOrName, string? token, CancellationToken ct)
    {
        var path = SandboxPath(idOrName) + "/ssh-access" + (string.IsNullOrEmpty(token) ? string.Empty : "?token=" + Uri.EscapeDataString(token));
        return api.SendNoContentAsync(HttpMethod.Delete, path, null, RetryMode.Idempotent, ct);
    }

    /// <summary>GET /sandbox/ssh-access/validate?token=...: {valid, sandboxId}; not scoped to one sandbox. The token is redacted from every log line (query name "token").</summary>
    public static async Task<SshAccessValidationDto> ValidateSshAccessAsync(this DaytonaApiClient api, string token, CancellationToken ct) =>
        await api.SendJsonAsync<SshAccessValidationDto>(HttpMethod.Get, "/sandbox/ssh-access/validate?token=" + Uri.EscapeDataString(token), null, RetryMode.Idempotent, ct).ConfigureAwait(false)
        ?? throw DaytonaApiException.Unexpected("Daytona answered the SSH access validation with nothing.", "GET", "/sandbox/ssh-access/validate");

    /// <summary>GET /sandbox/{id}/ports/{port}/preview-url: {sandboxId, url, token}.</summary>
    public static async Task<PortPreviewUrlDto> GetPreviewUrlAsync(this DaytonaApiClient api, string idOrName, int port, CancellationToken ct) =>
        await api.SendJsonAsync<PortPreviewUrlDto>(HttpMethod.Get, SandboxPath(idOrName) + "/ports/" + port.ToString(CultureInfo.InvariantCulture) + "/preview-url", null, RetryMode.Idempotent, ct).ConfigureAwait(false)
        ?? throw DaytonaApiException.Unexpected("Daytona returned no preview URL.", "GET", SandboxPath(idOrName) + "/ports/" + port + "/preview-url");

    /// <summary>GET /sandbox/{id}/ports/{port}/signed-preview-url?expiresInSeconds=s: {sandboxId, port, token, url}.</summary>
    public static async Task<PortPreviewUrlDto> GetSignedPreviewUrlAsync(this DaytonaApiClient api, string idOrName, int port, int expiresInSeconds, CancellationToken ct)
    {
        var path = SandboxPath(idOrName) + "/ports/" + port.ToString(CultureInfo.InvariantCulture) + "/signed-preview-url?expiresInSeconds=" + expiresInSeconds.ToString(CultureInfo.InvariantCulture);
        // Each call mints a new signed token, but an extra unused one is harmless: retry like a read.
        return await api.SendJsonAsync<PortPreviewUrlDto>(HttpMethod.Get, path, null, RetryMode.Idempotent, ct).ConfigureAwait(false)
            ?? throw DaytonaApiException.Unexpected("Daytona returned no signed preview URL.", "GET", SandboxPath(idOrName) + "/ports/" + port + "/signed-preview-url");
    }
}

/// <summary>The gateway endpoint of an SshAccessDto's sshCommand: "ssh -p PORT TOKEN@HOST" or "ssh TOKEN@HOST".</summary>
internal readonly struct SshEndpoint
{
    private static readonly Regex CommandPattern = new(
        @"^\s*ssh(?:\s+-p\s*(?<port>\d{1,5}))?\s+(?<user>[^@\s]+)@(?<host>\[[^\]\s]+\]|[^\s:@]+)(?::(?<port2>\d{1,5}))?\s*$",
        RegexOptions.CultureInvariant);

    public SshEndpoint(string host, int port)
    {
        Host = host;
        Port = port;
    }

    public string Host { get; }
    public int Port { get; }

    /// <summary>Parses Daytona's sshCommand. Throws a DaytonaException (without echoing the command, which holds the token) when it has another shape.</summary>
    public static SshEndpoint Parse(string? sshCommand, string? sandboxId)
    {
        var m = CommandPattern.Match(sshCommand ?? string.Empty);
        if (!m.Success)
        {
            throw new DaytonaException(ErrorIds.SshAccessUnparsable, System.Management.Automation.ErrorCategory.InvalidResult,
                "Daytona's sshCommand for the SSH access token does not have the form 'ssh [-p PORT] TOKEN@HOST', so the host and port are unknown.", sandboxId);
        }
        var portText = m.Groups["port"].Success ? m.Groups["port"].Value : m.Groups["port2"].Success ? m.Groups["port2"].Value : "22";
        var port = int.Parse(portText, NumberStyles.None, CultureInfo.InvariantCulture);
        if (port is < 1 or > 65535)
        {
            throw new DaytonaException(ErrorIds.SshAccessUnparsable, System.Management.Automation.ErrorCategory.InvalidResult,
                "Daytona's sshCommand names an invalid port.", sandboxId);
        }
        var host = m.Groups["host"].Value;
        if (host.StartsWith("[", StringComparison.Ordinal)) host = host.Substring(1, host.Length - 2);
        return new SshEndpoint(host, port);
    }

    /// <summary>The sshCommand with the token replaced by a mask: safe to show.</summary>
    public string MaskedCommand => Port == 22 ? $"ssh ***@{HostForCommand}" : $"ssh -p {Port.ToString(CultureInfo.InvariantCulture)} ***@{HostForCommand}";

    private string HostForCommand => Host.IndexOf(':') >= 0 ? "[" + Host + "]" : Host;
}
