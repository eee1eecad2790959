using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace DaytonaPS.Api;

/// <summary>
/// The toolbox's git routes (<c>/git/...</c>) of one sandbox, through <see cref="DaytonaApiClient.SendAsync"/>.
/// </summary>
/// <remarks>
/// Credentials go in the JSON body only (as Daytona's API takes them), which is never logged;
/// the password is read from its SecureString when the body is built and scrubbed from any
/// error text. Network calls (clone, push, pull) get their own deadline instead of the
/// pipeline's request timeout and are not retried once they may have run: a second clone into
/// the now filled folder, or a second push, would fail or do something else.
/// Failures are refined here: a git route's 401/403 is the git server refusing the git
/// credentials (GitAuthenticationFailed, not the Daytona key), a 409 a git conflict.
/// </remarks>
internal sealed class SandboxGit
{
    private readonly DaytonaApiClient _api;
    private readonly ToolboxClient _toolbox;

    public SandboxGit(DaytonaApiClient api, ToolboxClient toolbox)
    {
        _api = api;
        _toolbox = toolbox;
    }

    public string SandboxId => _toolbox.SandboxId;

    private static string Q(string value) => Uri.EscapeDataString(value);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, object? body, RetryMode retry, CancellationToken ct,
        TimeSpan? timeout = null, NetworkCredential? credential = null)
    {
        try
        {
            return await _api.SendAsync(method, _toolbox.Uri(pathAndQuery), body is null ? null : () => DaytonaApiClient.JsonContent(body),
                retry, ct, HttpCompletionOption.ResponseContentRead, timeout).ConfigureAwait(false);
        }
        catch (DaytonaApiException ex)
        {
            throw Refine(ex, credential);
        }
    }

    private static DaytonaApiException Refine(DaytonaApiException ex, NetworkCredential? credential)
    {
        var kind = ex.Kind switch
        {
            DaytonaFailureKind.Unauthorized or DaytonaFailureKind.Forbidden when IsGitMessage(ex.ServerMessage) => DaytonaFailureKind.GitAuthenticationFailed,
            DaytonaFailureKind.NameTaken or DaytonaFailureKind.Busy => DaytonaFailureKind.GitConflict,
            _ => ex.Kind,
        };
        var message = Scrub(ex.Message, credential);
        var server = ex.ServerMessage is null ? null : Scrub(ex.ServerMessage, credential);
        if (kind == ex.Kind && message == ex.Message && server == ex.ServerMessage) return ex;
        return new DaytonaApiException(message, kind, ex.StatusCode, ex.Method, ex.Path, server, ex.ErrorCode, ex.RetryAfter, ex.InnerException)
        {
            Attempts = ex.Attempts,
            CredentialSource = ex.CredentialSource,
        };
    }

    /// <summary>
    /// The daemon's git failures name git or its transport ("git clone exited with status 128: ...",
    /// go-git's "authentication required"); a 401 without that is the proxy refusing the Daytona key.
    /// </summary>
    private static bool IsGitMessage(string? message) =>
        message is not null && (Contains(message, "git") || Contains(message, "authentication required") || Contains(message, "authorization failed"));

    private static bool Contains(string text, string part) => text.IndexOf(part, StringComparison.OrdinalIgnoreCase) >= 0;

    /// <summary>The password first (a user name inside it would leave the rest), then the user name.</summary>
    internal static string Scrub(string text, NetworkCredential? credential)
    {
        if (credential is null) return text;
        if (!string.IsNullOrEmpty(credential.Password)) text = text.Replace(credential.Password, "***");
        if (!string.IsNullOrEmpty(credential.UserName)) text = text.Replace(credential.UserName, "***");
        return text;
    }

    private async Task<T> JsonAsync<T>(HttpMethod method, string pathAndQuery, object? body, RetryMode retry, CancellationToken ct) where T : new()
    {
        using var response = await SendAsync(method, pathAndQuery, body, retry, ct).ConfigureAwait(false);
        return await DaytonaApiClient.ReadJsonAsync<T>(response, ct).ConfigureAwait(false) ?? new T();
    }

    private async Task NoContentAsync(HttpMethod method, string pathAndQuery, object body, RetryMode retry, CancellationToken ct,
        TimeSpan? timeout = null, NetworkCredential? credential = null)
    {
        using var response = await SendAsync(method, pathAndQuery, body, retry, ct, timeout, credential).ConfigureAwait(false);
    }

    /// <summary>POST /git/clone. Not retried once it may have run; <paramref name="timeout"/> bounds it.</summary>
    public Task CloneAsync(string url, string path, string? branch, string? commit, int? depth, NetworkCredential? credential, TimeSpan timeout, CancellationToken ct) =>
        NoContentAsync(HttpMethod.Post, "/git/clone", new GitCloneDto
        {
            Url = url,
            Path = path,
            Branch = branch,
            CommitId = commit,
            Depth = depth,
            Username = credential?.UserName,
            Password = credential?.Password,
        }, RetryMode.RejectedOnly, ct, timeout, credential);

    public Task PushAsync(string path, string? branch, string? remote, bool setUpstream, NetworkCredential? credential, TimeSpan timeout, CancellationToken ct) =>
        NoContentAsync(HttpMethod.Post, "/git/push", Sync(path, branch, remote, credential, setUpstream ? true : null), RetryMode.RejectedOnly, ct, timeout, credential);

    public Task PullAsync(string path, string? branch, string? remote, NetworkCredential? credential, TimeSpan timeout, CancellationToken ct) =>
        NoContentAsync(HttpMethod.Post, "/git/pull", Sync(path, branch, remote, credential, null), RetryMode.RejectedOnly, ct, timeout, credential);

    private static GitSyncDto Sync(string path, string? branch, string? remote, NetworkCredential? credential, bool? setUpstream) => new()
    {
        Path = path,
        Branch = branch,
        Remote = remote,
        SetUpstream = setUpstream,
        Username = credential?.UserName,
        Password = credential?.Password,
    };

    public Task<GitStatusDto> GetStatusAsync(string path, CancellationToken ct) =>
        JsonAsync<GitStatusDto>(HttpMethod.Get, "/git/status?path=" + Q(path), null, RetryMode.Idempotent, ct);

    public Task<GitBranchListDto> ListBranchesAsync(string path, CancellationToken ct) =>
        JsonAsync<GitBranchListDto>(HttpMethod.Get, "/git/branches?path=" + Q(path), null, RetryMode.Idempotent, ct);

    /// <summary>POST /git/branches: creates the branch at HEAD and switches to it (as the daemon does).</summary>
    public Task CreateBranchAsync(string path, string name, CancellationToken ct) =>
        NoContentAsync(HttpMethod.Post, "/git/branches", new GitBranchDto { Path = path, Name = name }, RetryMode.RejectedOnly, ct);

    public Task DeleteBranchAsync(string path, string name, CancellationToken ct) =>
        NoContentAsync(HttpMethod.Delete, "/git/branches", new GitBranchDto { Path = path, Name = name }, RetryMode.RejectedOnly, ct);

    /// <summary>POST /git/checkout of a branch or a commit (detached). Checking out the same twice is harmless: retried.</summary>
    public Task CheckoutAsync(string path, string branch, CancellationToken ct) =>
        NoContentAsync(HttpMethod.Post, "/git/checkout", new GitCheckoutDto { Path = path, Branch = branch }, RetryMode.Idempotent, ct);

    /// <summary>POST /git/add (staging twice is the same): retried.</summary>
    public Task AddAsync(string path, IReadOnlyList<string> files, CancellationToken ct) =>
        NoContentAsync(HttpMethod.Post, "/git/add", new GitAddDto { Path = path, Files = new List<string>(files) }, RetryMode.Idempotent, ct);

    public async Task<string> CommitAsync(string path, string message, string author, string email, bool allowEmpty, CancellationToken ct)
    {
        var reply = await JsonAsync<GitCommitReplyDto>(HttpMethod.Post, "/git/commit",
            new GitCommitDto { Path = path, Message = message, Author = author, Email = email, AllowEmpty = allowEmpty ? true : null }, RetryMode.RejectedOnly, ct).ConfigureAwait(false);
        return string.IsNullOrEmpty(reply.Hash)
            ? throw DaytonaApiException.Unexpected("Daytona committed but returned no commit hash.", "POST", "/git/commit")
            : reply.Hash!;
    }

    /// <summary>GET /git/history: the commits reachable from HEAD, newest first.</summary>
    public Task<List<GitCommitInfoDto>> GetHistoryAsync(string path, CancellationToken ct) =>
        JsonAsync<List<GitCommitInfoDto>>(HttpMethod.Get, "/git/history?path=" + Q(path), null, RetryMode.Idempotent, ct);

    /// <summary>POST /git/init. Not retried once it may have run (git init twice is harmless, but an initial branch is not re-set).</summary>
    public Task InitAsync(string path, bool bare, string? initialBranch, CancellationToken ct) =>
        NoContentAsync(HttpMethod.Post, "/git/init", new GitInitDto { Path = path, Bare = bare ? true : null, InitialBranch = initialBranch }, RetryMode.RejectedOnly, ct);

    /// <summary>POST /git/reset: moves HEAD (mode soft/mixed/hard/merge/keep), or with files unstages them. Resetting to the same target twice is the same: retried.</summary>
    public Task ResetAsync(string path, string? mode, string? target, IReadOnlyList<string>? files, CancellationToken ct) =>
        NoContentAsync(HttpMethod.Post, "/git/reset", new GitResetDto
        {
            Path = path,
            Mode = mode,
            Target = target,
            Files = files is { Count: > 0 } ? new List<string>(files) : null,
        }, RetryMode.Idempotent, ct);

    /// <summary>POST /git/restore (restoring twice gives the same files): retried.</summary>
    public Task RestoreAsync(string path, IReadOnlyList<string> files, string? source, bool staged, bool worktree, CancellationToken ct) =>
        NoContentAsync(HttpMethod.Post, "/git/restore", new GitRestoreDto
        {
            Path = path,
            Files = new List<string>(files),
            Source = source,
            Staged = staged ? true : null,
            Worktree = worktree ? true : null,
        }, RetryMode.Idempotent, ct);

    public async Task<List<GitRemoteDto>> ListRemotesAsync(string path, CancellationToken ct) =>
        (await JsonAsync<GitRemoteListDto>(HttpMethod.Get, "/git/remotes?path=" + Q(path), null, RetryMode.Idempotent, ct).ConfigureAwait(false)).Remotes
        ?? new List<GitRemoteDto>();

    /// <summary>POST /git/remotes. Not retried: a second add of the same name is a conflict. With fetch, a network call: its own deadline.</summary>
    /// <param name="urlSecret">A password in the URL, scrubbed from error texts.</param>
    public Task AddRemoteAsync(string path, string name, string url, bool fetch, bool overwrite, TimeSpan? timeout, NetworkCredential? urlSecret, CancellationToken ct) =>
        NoContentAsync(HttpMethod.Post, "/git/remotes", new GitAddRemoteDto
        {
            Path = path,
            Name = name,
            Url = url,
            Fetch = fetch ? true : null,
            Overwrite = overwrite ? true : null,
        }, RetryMode.RejectedOnly, ct, timeout, urlSecret);

    /// <summary>
    /// POST /git/credentials: the sandbox's git stores the credential (git's credential store, in
    /// plain text in the sandbox user's home) for later clones, pushes and pulls to that host. The
    /// password is read from the NetworkCredential when the body is built and scrubbed from errors.
    /// Storing the same credential twice is the same: retried.
    /// </summary>
    public Task StoreCredentialAsync(NetworkCredential credential, string? host, string? protocol, CancellationToken ct) =>
        NoContentAsync(HttpMethod.Post, "/git/credentials", new GitAuthenticateDto
        {
            Username = credential.UserName,
            Password = credential.Password,
            Host = host,
            Protocol = protocol,
        }, RetryMode.Idempotent, ct, credential: credential);
}
