using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>
/// Volumes under the linux runtime: one host directory per volume, bind-mounted read-write at its
/// mountPath into every sandbox that names it; what one sandbox writes the other reads, through
/// commands and through the file API.
/// </summary>
public abstract class VolumeMountTests<TFixture>(TFixture fx) where TFixture : IEmulatorTarget
{
    private async Task<string> ReadyVolumeAsync()
    {
        var name = Api.Unique("vol");
        using var created = await fx.Http.PostAsJsonAsync("api/volumes", new { name });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await fx.Http.GetFromJsonAsync<JsonElement>($"api/volumes/by-name/{name}")).GetProperty("state").GetString() != "ready")
        {
            Assert.True(DateTime.UtcNow < deadline, "volume never ready");
            await Task.Delay(20);
        }
        return name;
    }

    private async Task<string> SandboxWithAsync(object body)
    {
        using var response = await fx.Http.PostAsJsonAsync("api/sandbox", body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await fx.WaitForStateAsync(id, "started");
        return id;
    }

    [Fact]
    public async Task WhatOneSandboxWritesToAVolumeAnotherReads()
    {
        var volume = await ReadyVolumeAsync();
        var writer = await SandboxWithAsync(new { volumes = new[] { new { volumeId = volume, mountPath = "/data" } } });
        var reader = await SandboxWithAsync(new { volumes = new[] { new { volumeId = volume, mountPath = "/mnt/shared" } } });
        var other = await fx.CreateSandboxAsync();

        var (code, _) = await fx.ExecAsync(writer, "mkdir -p /data/dir && echo from-writer > /data/dir/note && id -u > /data/owner");
        Assert.Equal(0, code);
        var (readCode, text) = await fx.ExecAsync(reader, "cat /mnt/shared/dir/note; test -w /mnt/shared && echo writable");
        Assert.Equal(0, readCode);
        Assert.Equal("from-writer\nwritable\n", text);

        // The file API of the reader sees the same files; what it writes the writer's commands see.
        using (var download = await fx.Http.GetAsync(fx.Toolbox(reader, "files/download?path=" + Uri.EscapeDataString("/mnt/shared/dir/note"))))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal("from-writer\n", await download.Content.ReadAsStringAsync());
        }
        using (var form = new MultipartFormDataContent { { new ByteArrayContent("from-reader"u8.ToArray()), "file", "back" } })
        using (var upload = await fx.Http.PostAsync(fx.Toolbox(reader, "files/upload?path=" + Uri.EscapeDataString("/mnt/shared/back")), form))
        {
            Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());
        }
        Assert.Equal((0, "from-reader"), await fx.ExecAsync(writer, "cat /data/back"));

        // A sandbox without the volume has none of it.
        Assert.NotEqual(0, (await fx.ExecAsync(other, "cat /data/dir/note /mnt/shared/dir/note")).ExitCode);

        // The files outlive a restart of the writer.
        Assert.True((await fx.Http.PostAsync($"api/sandbox/{writer}/stop", null)).IsSuccessStatusCode);
        await fx.WaitForStateAsync(writer, "stopped");
        Assert.True((await fx.Http.PostAsync($"api/sandbox/{writer}/start", null)).IsSuccessStatusCode);
        await fx.WaitForStateAsync(writer, "started");
        Assert.Equal((0, "from-writer\n"), await fx.ExecAsync(writer, "cat /data/dir/note"));
    }

    [Fact]
    public async Task MountPathsAreValidatedAsDaytonaDoes()
    {
        var volume = await ReadyVolumeAsync();
        using var response = await fx.Http.PostAsJsonAsync("api/sandbox", new { volumes = new[] { new { volumeId = volume, mountPath = "/etc/x" }, new { volumeId = volume, mountPath = "data" } } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Invalid mount path /etc/x (cannot mount to system directory), Invalid mount path data (must be absolute)", body.GetProperty("message").GetString());
    }
}

public sealed class VolumeMountBwrapTests(ToolboxServerFixture fx) : VolumeMountTests<ToolboxServerFixture>(fx), IClassFixture<ToolboxServerFixture>;

public sealed class VolumeMountUnshareTests(UnshareRuntimeFixture fx) : VolumeMountTests<UnshareRuntimeFixture>(fx), IClassFixture<UnshareRuntimeFixture>;

public sealed class VolumeMountUnprivilegedTests(UnprivilegedEmulatorFixture fx) : VolumeMountTests<UnprivilegedEmulatorFixture>(fx), IClassFixture<UnprivilegedEmulatorFixture>;
