using System.Text;

namespace DaytonaPS.Emulator.Toolbox;

/// <summary>Basic-auth credentials of a git request (the daemon's username/password fields).</summary>
public sealed record GitCredentials(string Username, string Password);

/// <summary>What one git run in a sandbox gave back.</summary>
public sealed record GitRun(int ExitCode, string Stdout, string Output);

/// <summary>
/// Runs the real git inside a sandbox, as the sandbox user, the way Daytona's daemon runs its git
/// CLI path (apps/daemon/pkg/git/cli.go): no terminal prompt, no inherited credential helper, no
/// hooks, and credentials that never reach argv, a URL, .git/config or a file.
/// </summary>
/// <remarks>
/// The daemon hands credentials to git through GIT_USERNAME/GIT_PASSWORD and a one-shot askpass
/// script. Here they go over the process's stdin: a bash prelude reads them (the read builtin: no
/// process, no argv) into those variables, and a credential helper set through GIT_CONFIG_* (not
/// the command line) prints them when git asks. So they are in git's environment only, never in
/// the command file the runtime writes for a command's environment, nor in any process's argv.
/// Every git config this sets goes through the environment too, so `ps` inside shows only
/// `git clone ... -- URL PATH`.
/// </remarks>
public static class SandboxGit
{
    /// <summary>How much of git's output is kept for an error message (the daemon keeps a 64 KiB tail).</summary>
    private const int TailSize = 64 * 1024;

    /// <summary>A git command that stalls below 1 KB/s for this long is ended by git itself.</summary>
    private const string LowSpeedSeconds = "60";

    /// <summary>
    /// Reads the username and password lines from stdin, exports them only when given, and runs git
    /// with stdin from /dev/null (git must never wait for input).
    /// </summary>
    private const string Prelude =
        "IFS= read -r GIT_USERNAME; IFS= read -r GIT_PASSWORD; " +
        "if [ -n \"$GIT_USERNAME$GIT_PASSWORD\" ]; then export GIT_USERNAME GIT_PASSWORD; else unset GIT_USERNAME GIT_PASSWORD; fi; " +
        "exec git \"$@\" </dev/null";

    /// <summary>A credential helper that answers `get` with the variables the prelude exported.</summary>
    private const string CredentialHelper =
        "!f() { test \"$1\" = get || return 0; printf 'username=%s\\npassword=%s\\n' \"$GIT_USERNAME\" \"$GIT_PASSWORD\"; }; f";

    /// <summary>How long the output is awaited after git was killed (see SandboxProcess.WaitForOutputAsync).</summary>
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Runs `git args...` in sandbox directory cwd. A request that goes away (the client's deadline,
    /// Ctrl+C) kills git. Output mentioning the credentials is redacted.
    /// </summary>
    public static async Task<GitRun> RunAsync(SandboxRecord sandbox, string cwd, IReadOnlyList<string> args, GitCredentials? credentials,
        IDictionary<string, string>? extraEnv, CancellationToken ct)
    {
        if (credentials is not null && (HasLineBreak(credentials.Username) || HasLineBreak(credentials.Password)))
            throw ToolboxException.BadRequest("username and password must not contain line breaks");

        var input = credentials is null ? "\n\n" : credentials.Username + "\n" + credentials.Password + "\n";
        return await RunScriptAsync(sandbox, cwd, Prelude, args, input, credentials, credentials is not null, extraEnv, ct);
    }

    /// <summary>
    /// Runs bash -c script with args as $@ and input on its stdin (where secrets go: never argv or
    /// a file), in git's environment. Output mentioning the credentials is redacted.
    /// </summary>
    private static async Task<GitRun> RunScriptAsync(SandboxRecord sandbox, string cwd, string script, IReadOnlyList<string> args, string input,
        GitCredentials? credentials, bool requestCredentials, IDictionary<string, string>? extraEnv, CancellationToken ct)
    {
        var env = ToolboxEndpoints.CommandEnvironment(sandbox);
        env.AddRange(Environment(requestCredentials));
        if (extraEnv is not null) env.AddRange(extraEnv);
        var bashArgs = new List<string> { "-c", script, "git" };
        bashArgs.AddRange(args);

        var process = sandbox.Runtime.Start(cwd, env, bashArgs);
        using (process)
        {
            var stdout = new MemoryStream();
            var tail = new TailBuffer(TailSize);
            _ = process.PumpOutputAsync((stream, data) =>
            {
                lock (tail)
                {
                    if (stream == LogStream.Stdout && stdout.Length < 64L * 1024 * 1024) stdout.Write(data);
                    tail.Write(data);
                }
            });
            _ = ProcessEndpoints.WriteAndCloseAsync(process.StandardInput, input);
            try
            {
                await process.Exited.WaitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                throw;
            }
            await process.WaitForOutputAsync(OutputGrace);
            lock (tail)
            {
                var text = Encoding.UTF8.GetString(stdout.GetBuffer(), 0, (int)stdout.Length);
                return new GitRun(process.ExitCode, text, Redact(tail.ToString(), credentials));
            }
        }
    }

    /// <summary>
    /// POST /git/credentials: git's credential store keeps the credential (plain text, mode 0600, in
    /// ~/.git-credentials) and the global config names the store as helper, so later git runs
    /// without request credentials authenticate with it. The values reach git over stdin (printf
    /// is a bash builtin: no process, no argv).
    /// </summary>
    public static async Task StoreCredentialAsync(SandboxRecord sandbox, GitCredentials credentials, string host, string protocol, CancellationToken ct)
    {
        foreach (var value in new[] { credentials.Username, credentials.Password, host, protocol })
        {
            if (HasLineBreak(value) || value.Contains('\0'))
                throw ToolboxException.BadRequest("username, password, host and protocol must not contain line breaks or NUL");
        }
        const string script =
            "IFS= read -r U; IFS= read -r P; IFS= read -r H; IFS= read -r R; " +
            "printf 'protocol=%s\\nhost=%s\\nusername=%s\\npassword=%s\\n\\n' \"$R\" \"$H\" \"$U\" \"$P\" " +
            "| git credential-store --file \"$HOME/.git-credentials\" store && git config --global credential.helper store";
        var input = credentials.Username + "\n" + credentials.Password + "\n" + host + "\n" + protocol + "\n";
        var run = await RunScriptAsync(sandbox, SandboxPaths.WorkDir, script, [], input, credentials, false, null, ct);
        if (run.ExitCode != 0) throw Failure("git credential", run);
    }

    /// <summary>Runs git and turns a non-zero exit into the daemon's error for it.</summary>
    public static async Task<GitRun> RunCheckedAsync(SandboxRecord sandbox, string operation, string cwd, IReadOnlyList<string> args,
        GitCredentials? credentials, CancellationToken ct, IDictionary<string, string>? extraEnv = null)
    {
        var run = await RunAsync(sandbox, cwd, args, credentials, extraEnv, ct);
        if (run.ExitCode != 0) throw Failure(operation, run);
        return run;
    }

    private static IEnumerable<KeyValuePair<string, string>> Environment(bool withCredentials)
    {
        yield return new("GIT_TERMINAL_PROMPT", "0");
        // Set but empty: git then neither runs core.askPass nor SSH_ASKPASS, nor prompts.
        yield return new("GIT_ASKPASS", "");
        yield return new("SSH_ASKPASS", "");
        yield return new("GIT_SSH_COMMAND", "ssh -o BatchMode=yes -o ConnectTimeout=30");
        yield return new("GIT_HTTP_LOW_SPEED_LIMIT", "1000");
        yield return new("GIT_HTTP_LOW_SPEED_TIME", LowSpeedSeconds);
        var config = new List<(string Key, string Value)>
        {
            ("credential.helper", ""),        // drop any inherited helper: nothing may store the credentials
            ("core.hooksPath", "/dev/null"), // as the daemon: no hook runs (go-git runs none at all)
        };
        // A request's own credentials are never stored; without them, what POST /git/credentials
        // stored is used (git's store helper reads ~/.git-credentials; no file, no answer).
        config.Add(("credential.helper", withCredentials ? CredentialHelper : "store"));
        yield return new("GIT_CONFIG_COUNT", config.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        for (var i = 0; i < config.Count; i++)
        {
            yield return new($"GIT_CONFIG_KEY_{i}", config[i].Key);
            yield return new($"GIT_CONFIG_VALUE_{i}", config[i].Value);
        }
    }

    private static bool HasLineBreak(string value) => value.Contains('\n') || value.Contains('\r');

    /// <summary>The password first: a username that is part of the password would otherwise leave its rest.</summary>
    internal static string Redact(string text, GitCredentials? credentials)
    {
        if (credentials is null) return text;
        if (credentials.Password.Length > 0) text = text.Replace(credentials.Password, "***", StringComparison.Ordinal);
        if (credentials.Username.Length > 0) text = text.Replace(credentials.Username, "***", StringComparison.Ordinal);
        return text;
    }

    /// <summary>
    /// A failed git run as the daemon classifies it (apps/daemon/pkg/git/cli_errors.go): 401 for
    /// authentication, 403 for authorization, 404 for a missing repository or ref, 409 for rejected
    /// or conflicting updates, else 500. The message is "git OP exited with status N" and git's output.
    /// </summary>
    public static ToolboxException Failure(string operation, GitRun run)
    {
        var output = run.Output.Trim();
        var message = $"{operation} exited with status {run.ExitCode}: {output}";
        var s = output.ToLowerInvariant();
        bool Has(string part) => s.Contains(part, StringComparison.Ordinal);
        if (Has("authentication failed") || Has("invalid username or password") || Has("could not read username") ||
            Has("could not read password") || Has("terminal prompts disabled"))
            return new ToolboxException(401, "UNAUTHORIZED", message);
        if (Has("the requested url returned error: 403") || (Has("remote: permission") && Has("denied")))
            return new ToolboxException(403, "FORBIDDEN", message);
        if (Has("repository not found") || Has("the requested url returned error: 404") || Has("remote: not found") ||
            Has("does not appear to be a git repository") || Has("not a git repository") || Has("cannot change to") ||
            (Has("src refspec") && Has("does not match any")) || Has("you are not currently on a branch") ||
            Has("unknown revision or path not in the working tree") || Has("did not match any file(s) known to git") ||
            Has("invalid reference") || Has("not found") || Has("couldn't find remote ref") || Has("reference is not a tree") ||
            Has("does not have any commits yet"))
            return new ToolboxException(404, "NOT_FOUND", message);
        if (Has("non-fast-forward") || Has("fetch first") || Has("updates were rejected") || Has("stale info") ||
            Has("would be overwritten") || Has("please commit your changes or stash them") || Has("needs merge") ||
            Has("already exists") || Has("not possible to fast-forward") || Has("diverging branches"))
            return new ToolboxException(409, "CONFLICT", message);
        return new ToolboxException(500, "INTERNAL_SERVER_ERROR", message);
    }

    /// <summary>Keeps only the last bytes written (git's last lines carry the error; progress can be long).</summary>
    private sealed class TailBuffer(int max)
    {
        private readonly List<byte> _bytes = new();

        public void Write(byte[] data)
        {
            _bytes.AddRange(data);
            if (_bytes.Count > max) _bytes.RemoveRange(0, _bytes.Count - max);
        }

        public override string ToString() => Encoding.UTF8.GetString(_bytes.ToArray());
    }
}
