using System;
using System.Globalization;
using System.Security;
using DaytonaPS.Api;
using DaytonaPS.Auth;

namespace DaytonaPS;

/// <summary>
/// An SSH access token of a sandbox (New-DaytonaSshAccess). The token is a SecureString and is
/// never part of the display or ToString(); <see cref="SshCommand"/> shows the command with the
/// token masked. <see cref="PlainToken"/> is filled only with -AsPlainText.
/// </summary>
public sealed class SshAccess
{
    internal SshAccess(SshAccessDto dto, string sandboxId, SshEndpoint endpoint, bool includePlainToken)
    {
        Id = dto.Id;
        SandboxId = string.IsNullOrEmpty(dto.SandboxId) ? sandboxId : dto.SandboxId!;
        Host = endpoint.Host;
        Port = endpoint.Port;
        Token = SecretText.ToSecureString(dto.Token);
        PlainToken = includePlainToken ? dto.Token : null;
        ExpiresAt = ParseDate(dto.ExpiresAt);
        CreatedAt = ParseDate(dto.CreatedAt);
        SshCommand = endpoint.MaskedCommand;
    }

    /// <summary>The id of the access record.</summary>
    public string? Id { get; }
    /// <summary>The sandbox the token opens.</summary>
    public string SandboxId { get; }
    /// <summary>The SSH gateway host.</summary>
    public string Host { get; }
    /// <summary>The SSH gateway port.</summary>
    public int Port { get; }
    /// <summary>The token (it is the SSH user name at the gateway).</summary>
    public SecureString Token { get; }
    /// <summary>The token as plain text: only with New-DaytonaSshAccess -AsPlainText, otherwise null.</summary>
    public string? PlainToken { get; }
    public DateTimeOffset? ExpiresAt { get; }
    public DateTimeOffset? CreatedAt { get; }
    /// <summary>The ssh command line with the token masked as ***.</summary>
    public string SshCommand { get; }

    public override string ToString() => SshCommand;

    internal static DateTimeOffset? ParseDate(string? value) =>
        !string.IsNullOrEmpty(value) && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : null;
}

/// <summary>Test-DaytonaSshAccess's answer: whether Daytona accepts an SSH access token, and for which sandbox. Never holds the token.</summary>
public sealed class SshAccessValidation
{
    internal SshAccessValidation(bool valid, string? sandboxId, string? sandboxName)
    {
        Valid = valid;
        SandboxId = string.IsNullOrEmpty(sandboxId) ? null : sandboxId;
        SandboxName = string.IsNullOrEmpty(sandboxName) ? null : sandboxName;
    }

    /// <summary>True when the token is known and has not expired or been revoked.</summary>
    public bool Valid { get; }
    /// <summary>The sandbox the token opens (null when it is not valid).</summary>
    public string? SandboxId { get; }
    /// <summary>That sandbox's name, when it could be read.</summary>
    public string? SandboxName { get; }

    public override string ToString() => Valid ? $"valid for {Sandbox.Describe(SandboxId ?? string.Empty, SandboxName)}" : "not valid";
}

/// <summary>The outcome of Enter-DaytonaSsh -Command: the remote command's exit code (255: ssh itself failed).</summary>
public sealed class SshResult
{
    internal SshResult(string sandboxId, string command, int exitCode, DateTimeOffset startedAt, TimeSpan duration)
    {
        SandboxId = sandboxId;
        Command = command;
        ExitCode = exitCode;
        StartedAt = startedAt;
        Duration = duration;
    }

    public string SandboxId { get; }
    /// <summary>The sandbox's name as known when the result was made (the piped sandbox's, or the id or name given); for telling fan-out results apart.</summary>
    public string? SandboxName { get; internal set; }
    public string Command { get; }
    /// <summary>The remote command's exit code; ssh reports its own failures (connection, authentication) as 255.</summary>
    public int ExitCode { get; }
    public DateTimeOffset StartedAt { get; }
    public TimeSpan Duration { get; }

    public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0}: exit {1}", Command, ExitCode);
}

/// <summary>
/// A preview URL of a sandbox port (Get-DaytonaPreviewUrl). For a standard URL the token goes in
/// the X-Daytona-Preview-Token header; a signed URL carries its token in the host name, so the
/// display and ToString() mask that part.
/// </summary>
public sealed class PreviewUrl
{
    internal PreviewUrl(PortPreviewUrlDto dto, string sandboxId, int port, bool signed, DateTimeOffset? expiresAt)
    {
        SandboxId = string.IsNullOrEmpty(dto.SandboxId) ? sandboxId : dto.SandboxId!;
        Port = dto.Port ?? port;
        Url = dto.Url;
        Token = SecretText.ToSecureString(dto.Token ?? string.Empty);
        Signed = signed;
        ExpiresAt = expiresAt;
        DisplayUrl = Mask(dto.Url, dto.Token);
    }

    public string SandboxId { get; }
    /// <summary>The sandbox's name as known when the result was made (the piped sandbox's, or the id or name given); for telling fan-out results apart.</summary>
    public string? SandboxName { get; internal set; }
    public int Port { get; }
    /// <summary>The URL. A signed URL is itself a credential: treat it like the token.</summary>
    public string Url { get; }
    /// <summary>The preview token (header X-Daytona-Preview-Token, or query DAYTONA_SANDBOX_AUTH_KEY).</summary>
    public SecureString Token { get; }
    /// <summary>Whether this is a signed URL (the token is part of the URL and expires).</summary>
    public bool Signed { get; }
    /// <summary>When a signed URL expires (computed from -ExpiresInSeconds at the time of the call); null for a standard URL.</summary>
    public DateTimeOffset? ExpiresAt { get; }
    /// <summary>The URL with any token in it replaced by ***: what the display shows.</summary>
    public string DisplayUrl { get; }

    public override string ToString() => DisplayUrl;

    private static string Mask(string url, string? token) =>
        string.IsNullOrEmpty(token) || string.IsNullOrEmpty(url) ? url : url.Replace(token, "***");
}
