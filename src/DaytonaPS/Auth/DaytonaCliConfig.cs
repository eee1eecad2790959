using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DaytonaPS.Auth;

/// <summary>One login saved by the Daytona CLI (a profile of its config.json). Holds the credential in plain text only while a connection is built.</summary>
internal sealed class DaytonaCliProfile
{
    public string Id { get; set; } = string.Empty;
    public string Name { get; set; } = string.Empty;
    public string? ApiUrl { get; set; }
    public string? ApiKey { get; set; }
    public string? AccessToken { get; set; }
    /// <summary>When the OAuth access token expires (the config's token.expiresAt, else the JWT's exp claim).</summary>
    public DateTimeOffset? ExpiresAt { get; set; }
    public string? OrganizationId { get; set; }
    public bool IsActive { get; set; }

    /// <summary>How the profile is named in messages: its name, and its id when that differs.</summary>
    public string Display => string.IsNullOrEmpty(Name) || Name == Id ? $"'{Id}'" : $"'{Name}' (id {Id})";
}

/// <summary>
/// Reads the Daytona CLI's saved logins, as the CLI (daytonaio/daytona apps/cli/config) keeps them:
/// <c>&lt;UserConfigDir&gt;/daytona/config.json</c>, or <c>$DAYTONA_CONFIG_DIR/config.json</c>, holding
/// <c>activeProfile</c> (a profile id) and <c>profiles[]</c> of <c>{ id, name, api: { url, key, token:
/// { accessToken, refreshToken, expiresAt } }, activeOrganizationId }</c>. An API-key profile has
/// <c>api.key</c>; a browser (OAuth) login has <c>api.token</c> and acts in <c>activeOrganizationId</c>.
/// Read only: DaytonaPS never writes the file and never refreshes a token (the CLI's refresh needs
/// its OIDC client; an expired login is an error telling the user to run <c>daytona login</c>).
/// </summary>
internal static class DaytonaCliConfig
{
    public const string ConfigDirVariable = "DAYTONA_CONFIG_DIR";

    /// <summary>The CLI refreshes a token that expires within 5 minutes; DaytonaPS warns in that window.</summary>
    public static readonly TimeSpan ExpiryWarning = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The folder as the CLI computes it: DAYTONA_CONFIG_DIR, else Go's os.UserConfigDir() + "daytona"
    /// (%AppData% on Windows, $HOME/Library/Application Support on macOS, $XDG_CONFIG_HOME or $HOME/.config
    /// elsewhere). Computed by hand because .NET's ApplicationData differs from Go's on macOS. Null when
    /// no home folder is known.
    /// </summary>
    public static string? ConfigDirectory()
    {
        var explicitDir = CredentialResolver.Env(ConfigDirVariable);
        if (explicitDir is not null) return explicitDir;
        string? baseDir;
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            baseDir = CredentialResolver.Env("APPDATA");
        }
        else if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
        {
            baseDir = CredentialResolver.Env("HOME") is { } home ? Path.Combine(home, "Library", "Application Support") : null;
        }
        else
        {
            // Go ignores a relative XDG_CONFIG_HOME (it is an error there); so do we, falling back to $HOME/.config.
            var xdg = CredentialResolver.Env("XDG_CONFIG_HOME");
            baseDir = xdg is not null && Path.IsPathRooted(xdg) ? xdg
                : CredentialResolver.Env("HOME") is { } home ? Path.Combine(home, ".config") : null;
        }
        return baseDir is null ? null : Path.Combine(baseDir, "daytona");
    }

    public static string? ConfigPath() => ConfigDirectory() is { } dir ? Path.Combine(dir, "config.json") : null;

    /// <summary>The profiles of the config file, or null when there is no file. A file that cannot be read or parsed is DaytonaCliConfigInvalid.</summary>
    public static IReadOnlyList<DaytonaCliProfile>? Read(string? path)
    {
        if (path is null || !File.Exists(path)) return null;
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Invalid(path, "it cannot be read: " + ex.Message.TrimEnd('.'), ex);
        }
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Invalid(path, "it is not a JSON object", null);
            var active = Text(root, "activeProfile");
            var list = new List<DaytonaCliProfile>();
            if (root.TryGetProperty("profiles", out var profiles) && profiles.ValueKind == JsonValueKind.Array)
            {
                foreach (var p in profiles.EnumerateArray())
                {
                    if (p.ValueKind != JsonValueKind.Object) continue;
                    var profile = new DaytonaCliProfile
                    {
                        Id = Text(p, "id") ?? string.Empty,
                        Name = Text(p, "name") ?? string.Empty,
                        OrganizationId = Text(p, "activeOrganizationId"),
                    };
                    if (p.TryGetProperty("api", out var api) && api.ValueKind == JsonValueKind.Object)
                    {
                        profile.ApiUrl = Text(api, "url");
                        profile.ApiKey = Text(api, "key");
                        if (api.TryGetProperty("token", out var token) && token.ValueKind == JsonValueKind.Object)
                        {
                            profile.AccessToken = Text(token, "accessToken");
                            profile.ExpiresAt = ParseGoTime(Text(token, "expiresAt")) ?? JwtExpiry(profile.AccessToken);
                        }
                    }
                    profile.IsActive = active is not null && profile.Id == active;
                    list.Add(profile);
                }
            }
            return list;
        }
        catch (JsonException ex)
        {
            throw Invalid(path, "it is not valid JSON (" + ex.Message.TrimEnd('.') + ")", ex);
        }
    }

    /// <summary>
    /// The named profile (by name, else by id, case-insensitively), or the active one when
    /// <paramref name="name"/> is null. A name that matches nothing is DaytonaCliProfileNotFound,
    /// never a fall-back to another profile.
    /// </summary>
    public static DaytonaCliProfile Select(IReadOnlyList<DaytonaCliProfile>? profiles, string? name, string? path)
    {
        var where = path ?? "the Daytona CLI's config.json";
        if (profiles is null)
        {
            throw new DaytonaException(ErrorIds.CliProfileNotFound, ErrorCategory.ObjectNotFound,
                path is null
                    ? "The Daytona CLI's config folder is unknown: neither DAYTONA_CONFIG_DIR nor a home folder is set."
                    : $"The Daytona CLI has no saved login here: {path} does not exist.",
                name, terminating: true,
                recommendedAction: "Run 'daytona login' (or set DAYTONA_CONFIG_DIR to the CLI's config folder), or connect with Connect-Daytona -ApiKey.");
        }
        DaytonaCliProfile? found;
        if (name is null)
        {
            found = profiles.FirstOrDefault(p => p.IsActive);
            if (found is null)
            {
                throw new DaytonaException(ErrorIds.CliProfileNotFound, ErrorCategory.ObjectNotFound,
                    profiles.Count == 0 ? $"The Daytona CLI has no profiles in {where}." : $"The Daytona CLI has no active profile in {where}.",
                    null, terminating: true,
                    recommendedAction: profiles.Count == 0
                        ? "Run 'daytona login' to log in, then Connect-Daytona -Profile again."
                        : $"Name one: Connect-Daytona -Profile <name> ({Names(profiles)}), or run 'daytona profile use'.");
            }
            return found;
        }
        found = profiles.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
             ?? profiles.FirstOrDefault(p => string.Equals(p.Id, name, StringComparison.OrdinalIgnoreCase));
        if (found is null)
        {
            throw new DaytonaException(ErrorIds.CliProfileNotFound, ErrorCategory.ObjectNotFound,
                $"The Daytona CLI has no profile named '{name}' in {where}.", name, terminating: true,
                recommendedAction: profiles.Count == 0
                    ? "Run 'daytona login' to log in first."
                    : $"Use one of its profiles: {Names(profiles)} (Tab completes them).");
        }
        return found;
    }

    /// <summary>
    /// Builds a connection from a profile: its API key, or its OAuth token with its active
    /// organization. An expired token is DaytonaCliLoginExpired; a token without an organization is
    /// DaytonaJwtWithoutOrganization; a profile with neither key nor token is DaytonaCliProfileNotFound.
    /// </summary>
    public static DaytonaConnection Connect(DaytonaCliProfile profile, string path, string? apiUrlOverride, string? target,
        CredentialSource source, string detailSuffix, DaytonaClientSettings? settings, Action<string>? warn)
    {
        var detail = $"Daytona CLI profile {profile.Display}{detailSuffix}";
        var url = apiUrlOverride ?? profile.ApiUrl;
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new DaytonaException(ErrorIds.CliProfileNotFound, ErrorCategory.InvalidData,
                $"The Daytona CLI profile {profile.Display} in {path} has no API URL.", profile.Name, terminating: true,
                recommendedAction: "Run 'daytona login' again, or give -ApiUrl.");
        }
        if (profile.ApiKey is not null)
        {
            return new DaytonaConnection(url!, DaytonaAuthType.ApiKey, SecretText.ToSecureString(profile.ApiKey), null, target, source, detail, settings);
        }
        if (profile.AccessToken is null)
        {
            throw new DaytonaException(ErrorIds.CliProfileNotFound, ErrorCategory.AuthenticationError,
                $"The Daytona CLI profile {profile.Display} in {path} holds no API key and no login token.", profile.Name, terminating: true,
                recommendedAction: "Run 'daytona login' to log in with that profile active, then connect again.");
        }
        if (profile.ExpiresAt is { } expires)
        {
            var left = expires - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new DaytonaException(ErrorIds.CliLoginExpired, ErrorCategory.AuthenticationError,
                    $"The login saved in Daytona CLI profile {profile.Display} expired at {expires.ToUniversalTime():yyyy-MM-dd HH:mm} UTC.",
                    profile.Name, terminating: true,
                    recommendedAction: "Run 'daytona login' to renew it (DaytonaPS cannot refresh the CLI's login), then connect again; or use an API key (Connect-Daytona -ApiKey).");
            }
            if (left < ExpiryWarning)
            {
                warn?.Invoke($"The login saved in Daytona CLI profile {profile.Display} expires in {Math.Max(1, (int)Math.Ceiling(left.TotalMinutes))} min; run 'daytona login' to renew it.");
            }
        }
        if (string.IsNullOrWhiteSpace(profile.OrganizationId))
        {
            throw new DaytonaException(ErrorIds.JwtWithoutOrganization, ErrorCategory.InvalidArgument,
                $"The Daytona CLI profile {profile.Display} in {path} has a login token but no active organization.",
                profile.Name, terminating: true,
                recommendedAction: "Run 'daytona organization use' to choose one, then connect again.");
        }
        return new DaytonaConnection(url!, DaytonaAuthType.Jwt, SecretText.ToSecureString(profile.AccessToken), profile.OrganizationId, target, source, detail, settings);
    }

    /// <summary>Profile names for messages and completion.</summary>
    private static string Names(IReadOnlyList<DaytonaCliProfile> profiles) =>
        string.Join(", ", profiles.Select(p => "'" + (string.IsNullOrEmpty(p.Name) ? p.Id : p.Name) + "'" + (p.IsActive ? " (active)" : "")));

    private static DaytonaException Invalid(string path, string why, Exception? inner) => new(
        ErrorIds.CliConfigInvalid, ErrorCategory.InvalidData,
        $"The Daytona CLI's config {path} cannot be used: {why}.", path, terminating: true,
        recommendedAction: "Run 'daytona login' to rewrite it, or point DAYTONA_CONFIG_DIR at another folder.", innerException: inner);

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { } s && s.Trim().Length > 0
            ? s.Trim()
            : null;

    private static readonly Regex LongFraction = new(@"(\.\d{7})\d+", RegexOptions.CultureInvariant);

    /// <summary>Go's time.Time JSON (RFC 3339, up to 9 fractional digits); Go's zero time means unknown.</summary>
    internal static DateTimeOffset? ParseGoTime(string? value)
    {
        if (value is null) return null;
        var trimmed = LongFraction.Replace(value, "$1");
        if (!DateTimeOffset.TryParse(trimmed, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed)) return null;
        return parsed.Year <= 1 ? null : parsed;
    }

    /// <summary>The exp claim of a JWT (seconds since 1970), read without checking the signature: only to say "expired" early.</summary>
    internal static DateTimeOffset? JwtExpiry(string? jwt)
    {
        var parts = jwt?.Split('.');
        if (parts is null || parts.Length < 2) return null;
        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
            using var doc = JsonDocument.Parse(Convert.FromBase64String(payload));
            return doc.RootElement.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Profile names (and whether active) for tab completion: reads the file only, never throws.</summary>
    public static IReadOnlyList<DaytonaCliProfile> ForCompletion()
    {
        try
        {
            return Read(ConfigPath()) ?? (IReadOnlyList<DaytonaCliProfile>)Array.Empty<DaytonaCliProfile>();
        }
        catch (Exception)
        {
            return Array.Empty<DaytonaCliProfile>();
        }
    }
}
