using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>/git/*: the real git inside the sandbox, with the daemon's replies and status codes.</summary>
public sealed class ToolboxGitTests(ToolboxServerFixture fx) : IClassFixture<ToolboxServerFixture>
{
    /// <summary>A bare repository /tmp/origin.git with one commit on main (README.md), made inside the sandbox.</summary>
    private async Task SeedAsync(string id)
    {
        var (code, output) = await fx.ExecAsync(id, """
            set -e
            git init -q --bare -b main /tmp/origin.git
            git init -q -b main /tmp/seed && cd /tmp/seed
            echo hello > README.md && git add README.md
            git -c user.name=seed -c user.email=seed@example.com commit -q -m first
            git push -q /tmp/origin.git main
            git branch feature && echo two > two.txt && git add two.txt
            git -c user.name=seed -c user.email=seed@example.com commit -q -m second
            git push -q /tmp/origin.git feature
            """);
        Assert.True(code == 0, output);
    }

    private async Task<HttpResponseMessage> PostAsync(string id, string route, object body) =>
        await fx.Http.PostAsJsonAsync(fx.Toolbox(id, route), body);

    private async Task OkAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using (response) Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<JsonElement> StatusAsync(string id, string path) =>
        await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, "git/status?path=" + Uri.EscapeDataString(path)));

    [Fact]
    public async Task CloneStatusAddCommitPushOverFileUrl()
    {
        var id = await fx.CreateSandboxAsync();
        await SeedAsync(id);

        await OkAsync(await PostAsync(id, "git/clone", new { url = "file:///tmp/origin.git", path = "repo", branch = "main" }));
        var clean = await StatusAsync(id, "repo");
        Assert.Equal("main", clean.GetProperty("currentBranch").GetString());
        Assert.Equal("origin/main", clean.GetProperty("upstream").GetString());
        Assert.True(clean.GetProperty("branchPublished").GetBoolean());
        Assert.False(clean.GetProperty("detached").GetBoolean());
        Assert.Equal(0, clean.GetProperty("fileStatus").GetArrayLength());
        // --single-branch, as the daemon clones: only main came.
        var branches = await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, "git/branches?path=repo"));
        Assert.Equal(["main"], branches.GetProperty("branches").EnumerateArray().Select(b => b.GetString()));
        Assert.Equal("main", branches.GetProperty("current").GetString());

        // Changes: a modified, an untracked and (after add) an added file.
        Assert.Equal(0, (await fx.ExecAsync(id, "echo changed >> repo/README.md && echo new > 'repo/new file.txt' && echo s > repo/staged.txt")).ExitCode);
        await OkAsync(await PostAsync(id, "git/add", new { path = "repo", files = new[] { "staged.txt" } }));
        var dirty = await StatusAsync(id, "/home/daytona/repo");
        var files = dirty.GetProperty("fileStatus").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);
        Assert.Equal(["README.md", "new file.txt", "staged.txt"], files.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("Unmodified", "Modified"), (files["README.md"].GetProperty("staging").GetString(), files["README.md"].GetProperty("worktree").GetString()));
        Assert.Equal(("Untracked", "Untracked"), (files["new file.txt"].GetProperty("staging").GetString(), files["new file.txt"].GetProperty("worktree").GetString()));
        Assert.Equal(("Added", "Unmodified"), (files["staged.txt"].GetProperty("staging").GetString(), files["staged.txt"].GetProperty("worktree").GetString()));

        await OkAsync(await PostAsync(id, "git/add", new { path = "repo", files = new[] { "." } }));
        using var commit = await PostAsync(id, "git/commit", new { path = "repo", message = "from the emulator", author = "Ada", email = "ada@example.com" });
        Assert.Equal(HttpStatusCode.OK, commit.StatusCode);
        var hash = (await commit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hash").GetString();
        Assert.Matches("^[0-9a-f]{40}$", hash);
        var ahead = await StatusAsync(id, "repo");
        Assert.Equal(1, ahead.GetProperty("ahead").GetInt32());
        Assert.Equal(0, ahead.GetProperty("behind").GetInt32());

        await OkAsync(await PostAsync(id, "git/push", new { path = "repo" }));
        var (_, log) = await fx.ExecAsync(id, "git --git-dir=/tmp/origin.git log -1 --format='%H %an <%ae> %cn %s' main");
        Assert.Equal($"{hash} Ada <ada@example.com> Ada from the emulator\n", log);
        Assert.Equal(0, (await StatusAsync(id, "repo")).GetProperty("ahead").GetInt32());

        var history = await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, "git/history?path=repo"));
        Assert.Equal(["from the emulator\n", "first\n"], history.EnumerateArray().Select(c => c.GetProperty("message").GetString()));
        Assert.Equal(hash, history[0].GetProperty("hash").GetString());
        Assert.Equal("ada@example.com", history[0].GetProperty("email").GetString());

        // Nothing staged any more: go-git's empty-commit error, unclassified by the daemon (500).
        using var empty = await PostAsync(id, "git/commit", new { path = "repo", message = "x", author = "Ada", email = "ada@example.com" });
        Assert.Equal(HttpStatusCode.InternalServerError, empty.StatusCode);
        await OkAsync(await PostAsync(id, "git/commit", new { path = "repo", message = "empty", author = "Ada", email = "ada@example.com", allow_empty = true }));
    }

    [Fact]
    public async Task BranchesCheckoutCommitIdAndPull()
    {
        var id = await fx.CreateSandboxAsync();
        await SeedAsync(id);
        await OkAsync(await PostAsync(id, "git/clone", new { url = "file:///tmp/origin.git", path = "/tmp/r", branch = "feature" }));
        Assert.Equal("feature", (await StatusAsync(id, "/tmp/r")).GetProperty("currentBranch").GetString());

        await OkAsync(await PostAsync(id, "git/branches", new { path = "/tmp/r", name = "topic" }), HttpStatusCode.Created);
        Assert.Equal("topic", (await StatusAsync(id, "/tmp/r")).GetProperty("currentBranch").GetString());
        using (var again = await PostAsync(id, "git/branches", new { path = "/tmp/r", name = "topic" }))
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        await OkAsync(await PostAsync(id, "git/checkout", new { path = "/tmp/r", branch = "feature" }));
        using (var delete = new HttpRequestMessage(HttpMethod.Delete, fx.Toolbox(id, "git/branches")) { Content = JsonContent.Create(new { path = "/tmp/r", name = "topic" }) })
            await OkAsync(await fx.Http.SendAsync(delete), HttpStatusCode.NoContent);
        using (var delete = new HttpRequestMessage(HttpMethod.Delete, fx.Toolbox(id, "git/branches")) { Content = JsonContent.Create(new { path = "/tmp/r", name = "topic" }) })
        using (var gone = await fx.Http.SendAsync(delete))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using (var missing = await PostAsync(id, "git/checkout", new { path = "/tmp/r", branch = "no-such-branch" }))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // A commit id checks out detached.
        var (_, first) = await fx.ExecAsync(id, "git --git-dir=/tmp/origin.git rev-parse main");
        await OkAsync(await PostAsync(id, "git/clone", new { url = "file:///tmp/origin.git", path = "/tmp/c", branch = "feature", commit_id = first.Trim() }));
        var detached = await StatusAsync(id, "/tmp/c");
        Assert.True(detached.GetProperty("detached").GetBoolean());
        Assert.Equal("HEAD", detached.GetProperty("currentBranch").GetString());
        Assert.Equal((0, "hello\n"), await fx.ExecAsync(id, "cat /tmp/c/README.md && test ! -e /tmp/c/two.txt"));

        // Pull: a new commit on origin/feature arrives (fast-forward only).
        Assert.Equal(0, (await fx.ExecAsync(id, "cd /tmp/seed && git checkout -q feature && echo 3 > three.txt && git add three.txt && git -c user.name=s -c user.email=s@e commit -q -m third && git push -q /tmp/origin.git feature")).ExitCode);
        Assert.Equal(0, (await StatusAsync(id, "/tmp/r")).GetProperty("behind").GetInt32()); // not fetched yet
        await OkAsync(await PostAsync(id, "git/pull", new { path = "/tmp/r" }));
        Assert.Equal((0, "3\n"), await fx.ExecAsync(id, "cat /tmp/r/three.txt"));
    }

    [Fact]
    public async Task FailuresAreClassifiedAsTheDaemonDoes()
    {
        var id = await fx.CreateSandboxAsync();
        using (var notRepo = await fx.Http.GetAsync(fx.Toolbox(id, "git/status?path=/tmp")))
        {
            Assert.Equal(HttpStatusCode.NotFound, notRepo.StatusCode);
            Assert.Contains("not a git repository", await notRepo.Content.ReadAsStringAsync());
        }
        using (var missing = await fx.Http.GetAsync(fx.Toolbox(id, "git/status?path=/nope")))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using (var noPath = await fx.Http.GetAsync(fx.Toolbox(id, "git/status")))
            Assert.Equal(HttpStatusCode.BadRequest, noPath.StatusCode);
        using (var noRemote = await PostAsync(id, "git/clone", new { url = "file:///tmp/none.git", path = "x" }))
            Assert.Equal(HttpStatusCode.NotFound, noRemote.StatusCode);
        using (var badBody = await fx.Http.PostAsync(fx.Toolbox(id, "git/clone"), new StringContent("{", System.Text.Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.BadRequest, badBody.StatusCode);

        // Clone into a folder that is not empty: 409, as go-git's ErrRepositoryAlreadyExists.
        await OkAsync(await PostAsync(id, "git/init", new { path = "/tmp/bare.git", bare = true, initial_branch = "main" }), HttpStatusCode.Created);
        Assert.Equal(0, (await fx.ExecAsync(id, "mkdir -p /tmp/full && touch /tmp/full/x")).ExitCode);
        using (var full = await PostAsync(id, "git/clone", new { url = "file:///tmp/bare.git", path = "/tmp/full" }))
            Assert.Equal(HttpStatusCode.Conflict, full.StatusCode);
    }
}
