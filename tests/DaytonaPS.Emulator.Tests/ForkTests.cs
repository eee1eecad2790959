using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>
/// POST /sandbox/{id}/fork under the linux runtime: the fork starts with a copy of the parent's
/// writable layer (what the parent wrote before is there), and after the fork neither sees what the
/// other writes; Daytona's rules (VM class only, started only, no delete while forks live) and the
/// forks/parent/ancestors listings.
/// </summary>
public abstract class ForkTests<TFixture>(TFixture fx) where TFixture : IEmulatorTarget
{
    /// <summary>A started sandbox of class linux-vm: Daytona gives the class through the snapshot's sandboxClass.</summary>
    private async Task<string> VmSandboxAsync()
    {
        var snapshot = Api.Unique("vm");
        using (var created = await fx.Http.PostAsJsonAsync("api/snapshots", new { name = snapshot, imageName = "ubuntu:22.04", sandboxClass = "linux-vm" }))
        {
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await fx.Http.GetFromJsonAsync<JsonElement>($"api/snapshots/{snapshot}")).GetProperty("state").GetString() != "active")
        {
            Assert.True(DateTime.UtcNow < deadline, "snapshot never active");
            await Task.Delay(20);
        }
        using var response = await fx.Http.PostAsJsonAsync("api/sandbox", new { snapshot });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var sandbox = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("linux-vm", sandbox.GetProperty("sandboxClass").GetString());
        var id = sandbox.GetProperty("id").GetString()!;
        await fx.WaitForStateAsync(id, "started");
        return id;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> ForkAsync(string id, object? body = null)
    {
        using var response = await fx.Http.PostAsJsonAsync($"api/sandbox/{id}/fork", body ?? new { });
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task AForkStartsWithTheParentsFilesAndThenTheyAreApart()
    {
        var parent = await VmSandboxAsync();
        Assert.Equal(0, (await fx.ExecAsync(parent, "mkdir -p ~/proj/deep && echo before > ~/proj/deep/note && echo tmp > /tmp/t && echo opt > /opt/o && ln -s proj/deep/note ~/link && chmod 600 ~/proj/deep/note")).ExitCode);

        var name = Api.Unique("fork");
        var (status, fork) = await ForkAsync(parent, new { name });
        Assert.True(status == HttpStatusCode.OK, fork.ToString());
        Assert.Equal(name, fork.GetProperty("name").GetString());
        Assert.Equal("forking", fork.GetProperty("state").GetString());
        Assert.Equal("linux-vm", fork.GetProperty("sandboxClass").GetString());
        var forkId = fork.GetProperty("id").GetString()!;
        Assert.NotEqual(parent, forkId);
        await fx.WaitForStateAsync(forkId, "started");

        // What the parent wrote before is in the fork, modes and symlinks included, owned by the sandbox user.
        Assert.Equal((0, "before\ntmp\nopt\nbefore\n600 1000\n"),
            await fx.ExecAsync(forkId, "cat ~/proj/deep/note /tmp/t /opt/o ~/link; stat -c '%a %u' ~/proj/deep/note"));
        // It is its own machine: its own hostname, and it has none of the parent's processes.
        Assert.Equal((0, forkId + "\n" + forkId + "\n"), await fx.ExecAsync(forkId, "hostname; cat /etc/hostname"));

        // Later writes on either side stay on that side.
        Assert.Equal(0, (await fx.ExecAsync(parent, "echo parent-after > ~/proj/deep/note; echo p > ~/only-parent")).ExitCode);
        Assert.Equal(0, (await fx.ExecAsync(forkId, "echo fork-after > ~/proj/deep/note; echo f > ~/only-fork")).ExitCode);
        Assert.Equal((0, "parent-after\nno\n"), await fx.ExecAsync(parent, "cat ~/proj/deep/note; test -e ~/only-fork && echo yes || echo no"));
        Assert.Equal((0, "fork-after\nno\n"), await fx.ExecAsync(forkId, "cat ~/proj/deep/note; test -e ~/only-parent && echo yes || echo no"));

        // Two directories on the host, not one.
        Assert.NotEqual(fx.HostRootOf(parent), fx.HostRootOf(forkId));
        Assert.True(Directory.Exists(fx.HostRootOf(forkId)));
    }

    [Fact]
    public async Task ASymlinkInTheParentCannotMakeTheForkWriteOutsideItself()
    {
        var parent = await VmSandboxAsync();
        var victim = await fx.CreateSandboxAsync();
        Assert.Equal(0, (await fx.ExecAsync(victim, "echo untouched > ~/v")).ExitCode);
        var victimFile = Path.Combine(fx.HostRootOf(victim), "home", "daytona", "v");
        // The parent points its /etc/hostname and /etc/hosts at another sandbox's file (by its host path).
        Assert.Equal(0, (await fx.ExecAsync(parent, $"rm -f /etc/hostname /etc/hosts && ln -s {victimFile} /etc/hostname && ln -s {victimFile} /etc/hosts")).ExitCode);
        var (status, fork) = await ForkAsync(parent);
        Assert.True(status == HttpStatusCode.OK, fork.ToString());
        var forkId = fork.GetProperty("id").GetString()!;
        await fx.WaitForStateAsync(forkId, "started");
        Assert.Equal((0, "untouched\n"), await fx.ExecAsync(victim, "cat ~/v"));
        Assert.Equal((0, forkId + "\n"), await fx.ExecAsync(forkId, "cat /etc/hostname"));
    }

    [Fact]
    public async Task DaytonasForkRulesAndTheLineageRoutes()
    {
        // A container (the default class) cannot be forked: 422.
        var container = await fx.CreateSandboxAsync();
        var (status, body) = await ForkAsync(container);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("linux-vm", body.GetProperty("message").GetString());

        var parent = await VmSandboxAsync();
        var (s1, child) = await ForkAsync(parent);
        Assert.Equal(HttpStatusCode.OK, s1);
        var childId = child.GetProperty("id").GetString()!;
        // The fork's default name is its id.
        Assert.Equal(childId, child.GetProperty("name").GetString());
        await fx.WaitForStateAsync(childId, "started");
        var (s2, grandchild) = await ForkAsync(childId);
        Assert.Equal(HttpStatusCode.OK, s2);
        var grandchildId = grandchild.GetProperty("id").GetString()!;
        await fx.WaitForStateAsync(grandchildId, "started");

        // A name in use: 409.
        var (taken, _) = await ForkAsync(parent, new { name = child.GetProperty("name").GetString() });
        Assert.Equal(HttpStatusCode.Conflict, taken);

        var forks = await fx.Http.GetFromJsonAsync<JsonElement>($"api/sandbox/{parent}/forks");
        Assert.Equal([childId], forks.EnumerateArray().Select(f => f.GetProperty("id").GetString()));
        Assert.Equal(childId, (await fx.Http.GetFromJsonAsync<JsonElement>($"api/sandbox/{grandchildId}/parent")).GetProperty("id").GetString());
        var ancestors = await fx.Http.GetFromJsonAsync<JsonElement>($"api/sandbox/{grandchildId}/ancestors");
        Assert.Equal([childId, parent], ancestors.EnumerateArray().Select(a => a.GetProperty("id").GetString()));
        Assert.Empty((await fx.Http.GetFromJsonAsync<JsonElement>($"api/sandbox/{parent}/ancestors")).EnumerateArray());
        using (var noParent = await fx.Http.GetAsync($"api/sandbox/{parent}/parent"))
        {
            Assert.Equal(HttpStatusCode.NotFound, noParent.StatusCode);
        }

        // A sandbox with live forks cannot be deleted (400); once they are gone it can.
        using (var refused = await fx.Http.DeleteAsync($"api/sandbox/{childId}"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("fork", await refused.Content.ReadAsStringAsync());
        }
        var grandchildRoot = fx.HostRootOf(grandchildId);
        Assert.True(Directory.Exists(grandchildRoot));
        using (var deleted = await fx.Http.DeleteAsync($"api/sandbox/{grandchildId}"))
        {
            Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
        }
        await fx.WaitForStateAsync(grandchildId, "destroyed");
        Assert.Empty((await fx.Http.GetFromJsonAsync<JsonElement>($"api/sandbox/{childId}/forks")).EnumerateArray());
        var withDestroyed = await fx.Http.GetFromJsonAsync<JsonElement>($"api/sandbox/{childId}/forks?includeDestroyed=true");
        Assert.Equal(["destroyed"], withDestroyed.EnumerateArray().Select(f => f.GetProperty("state").GetString()));
        Assert.False(Directory.Exists(grandchildRoot));
        using (var deleted = await fx.Http.DeleteAsync($"api/sandbox/{childId}"))
        {
            Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
        }

        // Only a started sandbox forks: 400.
        using (var stop = await fx.Http.PostAsync($"api/sandbox/{parent}/stop", null)) Assert.True(stop.IsSuccessStatusCode);
        await fx.WaitForStateAsync(parent, "stopped");
        var (stopped, stoppedBody) = await ForkAsync(parent);
        Assert.Equal(HttpStatusCode.BadRequest, stopped);
        Assert.Contains("started", stoppedBody.GetProperty("message").GetString());
    }
}

public sealed class ForkBwrapTests(ToolboxServerFixture fx) : ForkTests<ToolboxServerFixture>(fx), IClassFixture<ToolboxServerFixture>;

public sealed class ForkUnprivilegedTests(UnprivilegedEmulatorFixture fx) : ForkTests<UnprivilegedEmulatorFixture>(fx), IClassFixture<UnprivilegedEmulatorFixture>;
