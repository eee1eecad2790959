using System;

namespace DaytonaPS;

/// <summary>
/// A pre-signed URL for one file of a sandbox (Get-DaytonaFileUrl): anyone holding <see cref="Url"/>
/// can download (GET) or upload (POST, multipart field "file") that path without an API key until
/// <see cref="ExpiresAt"/>. The URL is a credential, so the display and ToString() show
/// <see cref="DisplayUrl"/>, where the signature is ***.
/// </summary>
public sealed class FileUrl
{
    internal FileUrl(string sandboxId, string? sandboxName, string path, string operation, string method, string url, string displayUrl, DateTimeOffset? expiresAt)
    {
        SandboxId = sandboxId;
        SandboxName = sandboxName;
        Path = path;
        Operation = operation;
        Method = method;
        Url = url;
        DisplayUrl = displayUrl;
        ExpiresAt = expiresAt;
    }

    /// <summary>The sandbox the file is in.</summary>
    public string SandboxId { get; }
    /// <summary>The sandbox's name as known when the URL was made.</summary>
    public string? SandboxName { get; }
    /// <summary>The file's path in the sandbox, as signed.</summary>
    public string Path { get; }
    /// <summary>Download or Upload.</summary>
    public string Operation { get; }
    /// <summary>The HTTP method the URL is signed for: GET (download) or POST (upload).</summary>
    public string Method { get; }
    /// <summary>The signed URL. It is a credential: pass it on as you would a token, never log it.</summary>
    public string Url { get; }
    /// <summary>The URL with its signature replaced by ***: what the display shows.</summary>
    public string DisplayUrl { get; }
    /// <summary>When the URL stops working (whole seconds, UTC); null for a URL made with -NoExpiry.</summary>
    public DateTimeOffset? ExpiresAt { get; }

    public override string ToString() => DisplayUrl;
}
