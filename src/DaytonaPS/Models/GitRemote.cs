using System;

namespace DaytonaPS;

/// <summary>
/// A remote of a sandbox's repository (Get-DaytonaGitRemote). A password or token written into the
/// remote's URL (https://user:token@host/...) is replaced by *** here: the URL is shown, the secret never.
/// </summary>
public sealed class GitRemote
{
    internal GitRemote(string sandboxId, string repositoryPath, string name, string url)
    {
        SandboxId = sandboxId;
        RepositoryPath = repositoryPath;
        Name = name;
        Url = MaskUserInfo(url);
    }

    /// <summary>The sandbox the repository is in.</summary>
    public string SandboxId { get; }
    /// <summary>The repository's folder in the sandbox.</summary>
    public string RepositoryPath { get; }
    /// <summary>The remote's name, e.g. origin.</summary>
    public string Name { get; }
    /// <summary>The remote's URL, with any password in it replaced by ***.</summary>
    public string Url { get; }

    public override string ToString() => Name;

    /// <summary>scheme://user:secret@host/... -> scheme://user:***@host/...; an http(s) URL with only a user name (often itself a token) -> https://***@host/...</summary>
    internal static string MaskUserInfo(string url)
    {
        if (!TryFindSecret(url, out var start, out var length)) return url;
        var masked = url.Substring(0, start) + "***" + url.Substring(start + length);
        return masked;
    }

    /// <summary>The secret part of a URL's user info (the password, or an http(s) URL's lone user name), or null.</summary>
    internal static string? Secret(string url) =>
        TryFindSecret(url, out var start, out var length) ? url.Substring(start, length) : null;

    private static bool TryFindSecret(string url, out int start, out int length)
    {
        start = length = 0;
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0) return false;
        var authorityStart = scheme + 3;
        var end = url.IndexOfAny(new[] { '/', '?', '#' }, authorityStart);
        var authority = end < 0 ? url.Substring(authorityStart) : url.Substring(authorityStart, end - authorityStart);
        var at = authority.LastIndexOf('@');
        if (at <= 0) return false;
        var colon = authority.IndexOf(':');
        if (colon >= 0 && colon < at)
        {
            start = authorityStart + colon + 1;
            length = at - colon - 1;
            return length > 0;
        }
        // ssh://git@host: a plain user name. Over http(s) a lone user name is usually a token.
        if (!url.StartsWith("http", StringComparison.OrdinalIgnoreCase)) return false;
        start = authorityStart;
        length = at;
        return true;
    }
}
