using System.Text.Json.Serialization;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// /git: the daemon's git API (toolbox spec v0.205.1), served by the real git inside the sandbox
/// (<see cref="SandboxGit"/>). Paths are sandbox paths; relative ones start at /home/daytona, the
/// daemon's working directory. Replies and status codes follow apps/daemon/pkg/toolbox/git.
/// </summary>
public static class GitEndpoints
{
    public sealed record CloneRequest(
        string? Url, string? Path, string? Username, string? Password, string? Branch,
        [property: JsonPropertyName("commit_id")] string? CommitId,
        int? Depth,
        [property: JsonPropertyName("insecure_skip_tls")] bool? InsecureSkipTls);

    public sealed record RepoRequest(string? Path, string? Username, string? Password, string? Branch, string? Remote,
        [property: JsonPropertyName("set_upstream")] bool? SetUpstream);

    public sealed record AddRequest(string? Path, List<string>? Files);

    public sealed record BranchRequest(string? Path, string? Name);

    public sealed record CheckoutRequest(string? Path, string? Branch);

    public sealed record CommitRequest(string? Path, string? Message, string? Author, string? Email,
        [property: JsonPropertyName("allow_empty")] bool? AllowEmpty);

    public sealed record InitRequest(string? Path, bool? Bare, [property: JsonPropertyName("initial_branch")] string? InitialBranch);

    public sealed record ResetRequest(string? Path, string? Mode, string? Target, List<string>? Files);

    public sealed record RestoreRequest(string? Path, List<string>? Files, bool? Staged, bool? Worktree, string? Source);

    public sealed record AddRemoteRequest(string? Path, string? Name, string? Url, bool? Fetch, bool? Overwrite);

    public sealed record SetConfigRequest(string? Key, string? Value, string? Scope, string? Path);

    public sealed record ConfigureUserRequest(string? Name, string? Email, string? Scope, string? Path);

    public sealed record AuthenticateRequest(string? Username, string? Password, string? Host, string? Protocol);

    public static void Map(RouteGroupBuilder group)
    {
        group.MapPost("/git/clone", (Func<HttpContext, Task<IResult>>)Clone);
        group.MapGet("/git/status", (Func<HttpContext, string?, Task<IResult>>)Status);
        group.MapGet("/git/branches", (Func<HttpContext, string?, Task<IResult>>)ListBranches);
        group.MapPost("/git/branches", (Func<HttpContext, Task<IResult>>)CreateBranch);
        group.MapDelete("/git/branches", (Func<HttpContext, Task<IResult>>)DeleteBranch);
        group.MapPost("/git/checkout", (Func<HttpContext, Task<IResult>>)Checkout);
        group.MapPost("/git/add", (Func<HttpContext, Task<IResult>>)Add);
        group.MapPost("/git/commit", (Func<HttpContext, Task<IResult>>)Commit);
        group.MapPost("/git/push", (Func<HttpContext, Task<IResult>>)Push);
        group.MapPost("/git/pull", (Func<HttpContext, Task<IResult>>)Pull);
        group.MapGet("/git/history", (Func<HttpContext, string?, Task<IResult>>)History);
        group.MapPost("/git/init", (Func<HttpContext, Task<IResult>>)Init);
        group.MapPost("/git/reset", (Func<HttpContext, Task<IResult>>)Reset);
        group.MapPost("/git/restore", (Func<HttpContext, Task<IResult>>)Restore);
        group.MapGet("/git/remotes", (Func<HttpContext, string?, Task<IResult>>)ListRemotes);
        group.MapPost("/git/remotes", (Func<HttpContext, Task<IResult>>)AddRemote);
        group.MapGet("/git/config", (Func<HttpContext, string?, string?, string?, Task<IResult>>)GetConfig);
        group.MapPost("/git/config", (Func<HttpContext, Task<IResult>>)SetConfig);
        group.MapPost("/git/config/user", (Func<HttpContext, Task<IResult>>)ConfigureUser);
        group.MapPost("/git/credentials", (Func<HttpContext, Task<IResult>>)Authenticate);
    }

    private static string Required(string? value, string name) =>
        string.IsNullOrEmpty(value) ? throw ToolboxException.BadRequest($"invalid request body: {name} is required") : value;

    private static string RequiredQuery(string? value, string name) =>
        string.IsNullOrEmpty(value) ? throw ToolboxException.BadRequest($"{name} is required") : value;

    /// <summary>Credentials when both are given, as the daemon takes them.</summary>
    private static GitCredentials? Credentials(string? username, string? password) =>
        username is not null && password is not null ? new GitCredentials(username, password) : null;

    /// <summary>git -C PATH ARGS... from the work dir (a relative PATH starts there, as for the daemon).</summary>
    private static Task<GitRun> InRepoAsync(HttpContext http, string operation, string path, IEnumerable<string> args, GitCredentials? credentials = null,
        IDictionary<string, string>? env = null) =>
        SandboxGit.RunCheckedAsync(http.Sandbox(), operation, SandboxPaths.WorkDir, new[] { "-C", path }.Concat(args).ToList(), credentials, http.RequestAborted, env);

    private static async Task<IResult> Clone(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<CloneRequest>(http);
        var url = Required(request.Url, "url");
        var path = Required(request.Path, "path");
        // As the daemon's CLI path: a URL without a scheme is https.
        if (!url.Contains("://", StringComparison.Ordinal)) url = "https://" + url;
        var args = new List<string>();
        if (request.InsecureSkipTls == true) args.AddRange(["-c", "http.sslVerify=false"]);
        args.AddRange(["clone", "--single-branch", "--progress"]);
        if (!string.IsNullOrEmpty(request.Branch)) args.AddRange(["--branch", request.Branch]);
        if (request.Depth is > 0) args.AddRange(["--depth", request.Depth.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        args.AddRange(["--", url, path]);
        var sandbox = http.Sandbox();
        await SandboxGit.RunCheckedAsync(sandbox, "git clone", SandboxPaths.WorkDir, args, Credentials(request.Username, request.Password), http.RequestAborted);
        if (!string.IsNullOrEmpty(request.CommitId))
        {
            // A local step: no credentials (a checkout hook could read them; hooks are off anyway).
            await InRepoAsync(http, "git checkout " + request.CommitId, path, ["checkout", "--quiet", request.CommitId]);
        }
        return Results.Ok();
    }

    private static async Task<IResult> Status(HttpContext http, string? path)
    {
        var run = await InRepoAsync(http, "git status", RequiredQuery(path, "path"), ["status", "--porcelain=v2", "--branch", "-z", "--untracked-files=all"]);
        return Results.Json(GitStatusParser.Parse(run.Stdout), JsonDefaults.Options);
    }

    private static async Task<IResult> ListBranches(HttpContext http, string? path)
    {
        var repo = RequiredQuery(path, "path");
        var refs = await InRepoAsync(http, "git for-each-ref", repo, ["for-each-ref", "--format=%(refname:short)", "refs/heads/"]);
        var current = await InRepoAsync(http, "git branch", repo, ["branch", "--show-current"]);
        var branches = refs.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return Results.Json(new { branches, current = current.Stdout.Trim() }, JsonDefaults.Options);
    }

    private static async Task<IResult> CreateBranch(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<BranchRequest>(http);
        // go-git's Checkout{Create: true}: create the branch at HEAD and switch to it.
        await InRepoAsync(http, "git checkout -b", Required(request.Path, "path"), ["checkout", "--quiet", "-b", Required(request.Name, "name")]);
        return Results.StatusCode(201);
    }

    private static async Task<IResult> DeleteBranch(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<BranchRequest>(http);
        await InRepoAsync(http, "git branch -D", Required(request.Path, "path"), ["branch", "-D", "--", Required(request.Name, "name")]);
        return Results.NoContent();
    }

    private static async Task<IResult> Checkout(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<CheckoutRequest>(http);
        // A branch, or else a commit (detached), as the daemon tries them.
        await InRepoAsync(http, "git checkout", Required(request.Path, "path"), ["checkout", "--quiet", Required(request.Branch, "branch"), "--"]);
        return Results.Ok();
    }

    private static async Task<IResult> Add(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<AddRequest>(http);
        if (request.Files is null) throw ToolboxException.BadRequest("invalid request body: files is required");
        var args = new List<string> { "add", "--" };
        args.AddRange(request.Files);
        await InRepoAsync(http, "git add", Required(request.Path, "path"), args);
        return Results.Ok();
    }

    private static async Task<IResult> Commit(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<CommitRequest>(http);
        var path = Required(request.Path, "path");
        var author = Required(request.Author, "author");
        var email = Required(request.Email, "email");
        var message = Required(request.Message, "message");
        // go-git commits with the author as the committer too.
        var env = new Dictionary<string, string>
        {
            ["GIT_AUTHOR_NAME"] = author, ["GIT_AUTHOR_EMAIL"] = email,
            ["GIT_COMMITTER_NAME"] = author, ["GIT_COMMITTER_EMAIL"] = email,
        };
        var args = new List<string> { "commit", "--quiet", "--no-verify", "--cleanup=verbatim", "-m", message };
        if (request.AllowEmpty == true) args.Add("--allow-empty");
        var status = await SandboxGit.RunAsync(http.Sandbox(), SandboxPaths.WorkDir, new[] { "-C", path }.Concat(args).ToList(), null, env, http.RequestAborted);
        if (status.ExitCode != 0)
        {
            // Nothing staged: go-git's ErrEmptyCommit, which the daemon does not classify (500).
            if (status.Output.Contains("nothing to commit", StringComparison.Ordinal) || status.Output.Contains("no changes added to commit", StringComparison.Ordinal))
                throw new ToolboxException(500, "INTERNAL_SERVER_ERROR", "cannot create empty commit: clean working tree");
            throw SandboxGit.Failure("git commit", status);
        }
        var head = await InRepoAsync(http, "git rev-parse", path, ["rev-parse", "HEAD"]);
        return Results.Json(new { hash = head.Stdout.Trim() }, JsonDefaults.Options);
    }

    private static async Task<IResult> Push(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<RepoRequest>(http);
        var path = Required(request.Path, "path");
        string branchRef;
        if (!string.IsNullOrEmpty(request.Branch)) branchRef = "refs/heads/" + request.Branch;
        else
        {
            var head = await SandboxGit.RunAsync(http.Sandbox(), SandboxPaths.WorkDir, ["-C", path, "symbolic-ref", "HEAD"], null, null, http.RequestAborted);
            if (head.ExitCode != 0) throw new ToolboxException(404, "NOT_FOUND", "resolve HEAD: detached or unresolvable (" + head.Output.Trim() + "): reference not found");
            branchRef = head.Stdout.Trim();
        }
        var args = new List<string> { "push", "--progress" };
        if (request.SetUpstream == true) args.Add("--set-upstream");
        args.AddRange([string.IsNullOrEmpty(request.Remote) ? "origin" : request.Remote, branchRef + ":" + branchRef]);
        await InRepoAsync(http, "git push", path, args, Credentials(request.Username, request.Password));
        return Results.Ok();
    }

    private static async Task<IResult> Pull(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<RepoRequest>(http);
        // --ff-only: go-git's Pull never merges, it fails on diverged histories (409).
        var args = new List<string> { "pull", "--ff-only", "--progress", string.IsNullOrEmpty(request.Remote) ? "origin" : request.Remote };
        if (!string.IsNullOrEmpty(request.Branch)) args.Add(request.Branch);
        await InRepoAsync(http, "git pull", Required(request.Path, "path"), args, Credentials(request.Username, request.Password));
        return Results.Ok();
    }

    private static async Task<IResult> History(HttpContext http, string? path)
    {
        // Fields NUL-separated, commits separated by 0x1E (a message may hold any other text).
        var run = await InRepoAsync(http, "git log", RequiredQuery(path, "path"), ["log", "--format=%H%x00%an%x00%ae%x00%aI%x00%B%x1e"]);
        var commits = new List<object>();
        foreach (var record in run.Stdout.Split('\u001e'))
        {
            var fields = record.TrimStart('\n').Split('\0');
            if (fields.Length < 5) continue;
            commits.Add(new { hash = fields[0], author = fields[1], email = fields[2], timestamp = fields[3], message = fields[4] });
        }
        return Results.Json(commits, JsonDefaults.Options);
    }

    private static async Task<IResult> Init(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<InitRequest>(http);
        var args = new List<string> { "init", "--quiet" };
        if (request.Bare == true) args.Add("--bare");
        if (!string.IsNullOrEmpty(request.InitialBranch)) args.AddRange(["--initial-branch", request.InitialBranch]);
        args.AddRange(["--", Required(request.Path, "path")]);
        await SandboxGit.RunCheckedAsync(http.Sandbox(), "git init", SandboxPaths.WorkDir, args, null, http.RequestAborted);
        return Results.StatusCode(201);
    }

    private static readonly string[] ResetModes = ["soft", "mixed", "hard", "merge", "keep"];

    private static async Task<IResult> Reset(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<ResetRequest>(http);
        var path = Required(request.Path, "path");
        var args = new List<string> { "reset", "--quiet" };
        if (request.Files is { Count: > 0 })
        {
            // Paths reset the index only (git refuses a mode with paths).
            args.Add(string.IsNullOrEmpty(request.Target) ? "HEAD" : request.Target);
            args.Add("--");
            args.AddRange(request.Files);
        }
        else
        {
            var mode = string.IsNullOrEmpty(request.Mode) ? "mixed" : request.Mode;
            if (!ResetModes.Contains(mode)) throw ToolboxException.BadRequest($"invalid reset mode '{mode}': use soft, mixed, hard, merge or keep");
            args.Add("--" + mode);
            args.Add(string.IsNullOrEmpty(request.Target) ? "HEAD" : request.Target);
        }
        await InRepoAsync(http, "git reset", path, args);
        return Results.Ok();
    }

    private static async Task<IResult> Restore(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<RestoreRequest>(http);
        if (request.Files is not { Count: > 0 }) throw ToolboxException.BadRequest("invalid request body: files is required");
        var args = new List<string> { "restore" };
        if (request.Staged == true) args.Add("--staged");
        if (request.Worktree == true) args.Add("--worktree");
        if (!string.IsNullOrEmpty(request.Source)) args.Add("--source=" + request.Source);
        args.Add("--");
        args.AddRange(request.Files);
        await InRepoAsync(http, "git restore", Required(request.Path, "path"), args);
        return Results.Ok();
    }

    private static async Task<IResult> ListRemotes(HttpContext http, string? path)
    {
        var run = await SandboxGit.RunAsync(http.Sandbox(), SandboxPaths.WorkDir,
            ["-C", RequiredQuery(path, "path"), "config", "--local", "--get-regexp", @"^remote\..*\.url$"], null, null, http.RequestAborted);
        // Exit 1: no remote at all.
        if (run.ExitCode is not (0 or 1)) throw SandboxGit.Failure("git remote", run);
        var remotes = new List<object>();
        foreach (var line in run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ');
            if (space < 0) continue;
            var key = line[..space];
            remotes.Add(new { name = key["remote.".Length..^".url".Length], url = line[(space + 1)..] });
        }
        return Results.Json(new { remotes }, JsonDefaults.Options);
    }

    private static async Task<IResult> AddRemote(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<AddRemoteRequest>(http);
        var path = Required(request.Path, "path");
        var name = Required(request.Name, "name");
        var url = Required(request.Url, "url");
        if (request.Overwrite == true)
            await SandboxGit.RunAsync(http.Sandbox(), SandboxPaths.WorkDir, ["-C", path, "remote", "remove", name], null, null, http.RequestAborted);
        var args = new List<string> { "remote", "add" };
        if (request.Fetch == true) args.Add("--fetch");
        args.AddRange(["--", name, url]);
        await InRepoAsync(http, "git remote add", path, args);
        return Results.StatusCode(201);
    }

    /// <summary>--global (default), --local (in the repository at path) or --system.</summary>
    private static (string Cwd, List<string> Args) ConfigScope(string? scope, string? path)
    {
        switch (string.IsNullOrEmpty(scope) ? "global" : scope)
        {
            case "global": return (SandboxPaths.WorkDir, ["config", "--global"]);
            case "system": return (SandboxPaths.WorkDir, ["config", "--system"]);
            case "local":
                if (string.IsNullOrEmpty(path)) throw ToolboxException.BadRequest("path is required for local scope");
                return (SandboxPaths.WorkDir, ["-C", path, "config", "--local"]);
            default: throw ToolboxException.BadRequest($"invalid scope '{scope}': use global, local or system");
        }
    }

    private static async Task<IResult> GetConfig(HttpContext http, string? key, string? path, string? scope)
    {
        var (cwd, args) = ConfigScope(scope, path);
        args.AddRange(["--get", "--", RequiredQuery(key, "key")]);
        var run = await SandboxGit.RunAsync(http.Sandbox(), cwd, args, null, null, http.RequestAborted);
        if (run.ExitCode is not (0 or 1)) throw SandboxGit.Failure("git config", run);
        return Results.Json(new { value = run.ExitCode == 0 ? run.Stdout.TrimEnd('\n') : null }, JsonDefaults.Options);
    }

    private static async Task<IResult> SetConfig(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<SetConfigRequest>(http);
        var (cwd, args) = ConfigScope(request.Scope, request.Path);
        args.AddRange(["--", Required(request.Key, "key"), request.Value ?? throw ToolboxException.BadRequest("invalid request body: value is required")]);
        await SandboxGit.RunCheckedAsync(http.Sandbox(), "git config", cwd, args, null, http.RequestAborted);
        return Results.Ok();
    }

    private static async Task<IResult> ConfigureUser(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<ConfigureUserRequest>(http);
        foreach (var (key, value) in new[] { ("user.name", Required(request.Name, "name")), ("user.email", Required(request.Email, "email")) })
        {
            var (cwd, args) = ConfigScope(request.Scope, request.Path);
            args.AddRange(["--", key, value]);
            await SandboxGit.RunCheckedAsync(http.Sandbox(), "git config", cwd, args, null, http.RequestAborted);
        }
        return Results.Ok();
    }

    /// <summary>POST /git/credentials (GitAuthenticateRequest): host defaults to github.com, protocol to https.</summary>
    private static async Task<IResult> Authenticate(HttpContext http)
    {
        var request = await ToolboxEndpoints.ReadJsonAsync<AuthenticateRequest>(http);
        var credentials = new GitCredentials(Required(request.Username, "username"), Required(request.Password, "password"));
        var protocol = string.IsNullOrEmpty(request.Protocol) ? "https" : request.Protocol;
        if (protocol is not ("https" or "http")) throw ToolboxException.BadRequest($"invalid protocol '{protocol}': use https or http");
        await SandboxGit.StoreCredentialAsync(http.Sandbox(), credentials, string.IsNullOrEmpty(request.Host) ? "github.com" : request.Host, protocol, http.RequestAborted);
        return Results.Ok();
    }
}
