using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

public sealed class ToolboxFileTests(ToolboxServerFixture fx) : IClassFixture<ToolboxServerFixture>
{
    private async Task UploadAsync(string id, string path, string content)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes(content)), "file", "x" } };
        using var response = await fx.Http.PostAsync(fx.Toolbox(id, "files/upload-v2?path=" + Uri.EscapeDataString(path)), form);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string id, string pathAndQuery) =>
        await fx.Http.SendAsync(new HttpRequestMessage(method, fx.Toolbox(id, pathAndQuery)));

    [Fact]
    public async Task UploadDownloadRoundTripAndCommandsSeeTheFile()
    {
        var id = await fx.CreateSandboxAsync();
        await UploadAsync(id, "/home/daytona/dir/sub/a.txt", "héllo\n");
        Assert.Equal("héllo\n", await fx.Http.GetStringAsync(fx.Toolbox(id, "files/download?path=/home/daytona/dir/sub/a.txt")));
        Assert.Equal((0, "héllo\n"), await fx.ExecAsync(id, "cat dir/sub/a.txt"));

        // A raw body works too, overwrites, and relative paths start at the work dir.
        using (var raw = await fx.Http.PostAsync(fx.Toolbox(id, "files/upload-v2?path=dir/sub/a.txt"), new StringContent("second")))
        {
            var body = await raw.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("/home/daytona/dir/sub/a.txt", body.GetProperty("path").GetString());
            Assert.Equal("a.txt", body.GetProperty("name").GetString());
        }
        Assert.Equal("second", await fx.Http.GetStringAsync(fx.Toolbox(id, "files/download?path=/home/daytona/dir/sub/a.txt")));

        // A file written by a command is visible to the file API.
        await fx.ExecAsync(id, "echo from-shell > /tmp/s.txt");
        Assert.Equal("from-shell\n", await fx.Http.GetStringAsync(fx.Toolbox(id, "files/download?path=/tmp/s.txt")));
    }

    [Fact]
    public async Task FileInfoHasDaemonFormats()
    {
        var id = await fx.CreateSandboxAsync();
        await UploadAsync(id, "/home/daytona/info.txt", "12345");
        await fx.ExecAsync(id, "chmod 640 info.txt");
        var info = await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, "files/info?path=/home/daytona/info.txt"));
        Assert.Equal("info.txt", info.GetProperty("name").GetString());
        Assert.Equal("/home/daytona/info.txt", info.GetProperty("path").GetString());
        Assert.False(info.GetProperty("isDir").GetBoolean());
        Assert.Equal(5, info.GetProperty("size").GetInt64());
        Assert.Equal("-rw-r-----", info.GetProperty("mode").GetString());
        Assert.Equal("0640", info.GetProperty("permissions").GetString());
        Assert.Matches(@"^\d+$", info.GetProperty("owner").GetString());
        Assert.Matches(@"^\d+$", info.GetProperty("group").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", info.GetProperty("modifiedAt").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC$", info.GetProperty("modTime").GetString());

        var dir = await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, "files/info?path=/tmp"));
        Assert.True(dir.GetProperty("isDir").GetBoolean());
        Assert.Equal("dtrwxrwxrwx", dir.GetProperty("mode").GetString());

        using var missing = await fx.Http.GetAsync(fx.Toolbox(id, "files/info?path=/home/daytona/nope"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var error = await missing.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("FILE_NOT_FOUND", error.GetProperty("code").GetString());
        Assert.Equal("DAYTONA_DAEMON", error.GetProperty("source").GetString());
    }

    [Fact]
    public async Task ListFolderDeleteMove()
    {
        var id = await fx.CreateSandboxAsync();
        using (var folder = await SendAsync(HttpMethod.Post, id, "files/folder?path=/home/daytona/p/q&mode=700"))
            Assert.Equal(HttpStatusCode.Created, folder.StatusCode);
        await UploadAsync(id, "/home/daytona/p/q/f.txt", "x");
        await UploadAsync(id, "/home/daytona/p/top.txt", "y");

        var list = await fx.Http.GetFromJsonAsync<JsonElement[]>(fx.Toolbox(id, "files?path=/home/daytona/p"));
        Assert.Equal(["q", "top.txt"], list!.Select(e => e.GetProperty("name").GetString()!).ToArray());
        Assert.Equal("drwx------", list![0].GetProperty("mode").GetString());
        var deep = await fx.Http.GetFromJsonAsync<JsonElement[]>(fx.Toolbox(id, "files?path=/home/daytona/p&depth=2"));
        Assert.Contains(deep!, e => e.GetProperty("path").GetString() == "/home/daytona/p/q/f.txt");
        var home = await fx.Http.GetFromJsonAsync<JsonElement[]>(fx.Toolbox(id, "files"));
        Assert.Contains(home!, e => e.GetProperty("name").GetString() == "p");

        using (var conflict = await SendAsync(HttpMethod.Post, id, "files/move?source=/home/daytona/p/top.txt&destination=/home/daytona/p/q/f.txt"))
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        using (var moved = await SendAsync(HttpMethod.Post, id, "files/move?source=/home/daytona/p/top.txt&destination=/tmp/top.txt"))
            Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal("y", await fx.Http.GetStringAsync(fx.Toolbox(id, "files/download?path=/tmp/top.txt")));

        using (var noRecursive = await SendAsync(HttpMethod.Delete, id, "files?path=/home/daytona/p"))
            Assert.Equal(HttpStatusCode.BadRequest, noRecursive.StatusCode);
        using (var missing = await SendAsync(HttpMethod.Delete, id, "files?path=/home/daytona/none"))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using (var file = await SendAsync(HttpMethod.Delete, id, "files?path=/tmp/top.txt"))
            Assert.Equal(HttpStatusCode.NoContent, file.StatusCode);
        using (var dir = await SendAsync(HttpMethod.Delete, id, "files?path=/home/daytona/p&recursive=true"))
            Assert.Equal(HttpStatusCode.NoContent, dir.StatusCode);
        Assert.Equal(1, (await fx.ExecAsync(id, "test -e /home/daytona/p")).ExitCode);
        using (var home2 = await SendAsync(HttpMethod.Delete, id, "files?path=/home/daytona&recursive=true"))
            Assert.Equal(HttpStatusCode.Forbidden, home2.StatusCode);
    }

    [Fact]
    public async Task PermissionsFindSearchReplace()
    {
        var id = await fx.CreateSandboxAsync();
        await UploadAsync(id, "/home/daytona/src/a.txt", "alpha\nneedle one\n");
        await UploadAsync(id, "/home/daytona/src/deep/b.txt", "beta needle\n");
        await UploadAsync(id, "/home/daytona/src/deep/c.md", "needle.*\n");

        using (var perm = await SendAsync(HttpMethod.Post, id, "files/permissions?path=/home/daytona/src/a.txt&mode=0600"))
            Assert.Equal(HttpStatusCode.OK, perm.StatusCode);
        Assert.Equal("0600", (await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, "files/info?path=/home/daytona/src/a.txt"))).GetProperty("permissions").GetString());

        var found = await fx.Http.GetFromJsonAsync<JsonElement[]>(fx.Toolbox(id, "files/find?path=/home/daytona/src&pattern=needle"));
        Assert.Equal(3, found!.Length);
        Assert.Contains(found, m => m.GetProperty("file").GetString() == "/home/daytona/src/a.txt" && m.GetProperty("line").GetInt32() == 2 && m.GetProperty("content").GetString() == "needle one");
        // A substring, not a regex.
        var literal = await fx.Http.GetFromJsonAsync<JsonElement[]>(fx.Toolbox(id, "files/find?path=/home/daytona/src&pattern=" + Uri.EscapeDataString("needle.*")));
        Assert.Single(literal!);

        var search = await fx.Http.GetFromJsonAsync<JsonElement>(fx.Toolbox(id, "files/search?path=/home/daytona/src&pattern=*.txt"));
        Assert.Equal(["/home/daytona/src/a.txt", "/home/daytona/src/deep/b.txt"], search.GetProperty("files").EnumerateArray().Select(f => f.GetString()!).Order().ToArray());

        using var replace = await fx.Http.PostAsJsonAsync(fx.Toolbox(id, "files/replace"), new { files = new[] { "/home/daytona/src/deep/b.txt", "/home/daytona/nope.txt" }, pattern = "needle", newValue = "pin" });
        var results = await replace.Content.ReadFromJsonAsync<JsonElement[]>();
        Assert.True(results![0].GetProperty("success").GetBoolean());
        Assert.False(results[1].GetProperty("success").GetBoolean());
        Assert.Equal("beta pin\n", await fx.Http.GetStringAsync(fx.Toolbox(id, "files/download?path=/home/daytona/src/deep/b.txt")));
    }

    [Fact]
    public async Task PathsNeverLeadOutOfTheSandbox()
    {
        var id = await fx.CreateSandboxAsync();
        var (_, sandboxPasswd) = await fx.ExecAsync(id, "cat /etc/passwd");
        Assert.Contains("daytona:x:1000:1000:", sandboxPasswd);
        Assert.NotEqual(await File.ReadAllTextAsync("/etc/passwd"), sandboxPasswd);
        // ".." stops at the sandbox's root: this is the sandbox's /etc/passwd, not the host's.
        Assert.Equal(sandboxPasswd, await fx.Http.GetStringAsync(fx.Toolbox(id, "files/download?path=/home/daytona/../../../../etc/passwd")));
        // A symlink made inside the sandbox resolves inside it, for the file API as for commands.
        await fx.ExecAsync(id, "ln -s /etc etc-link; ln -s ../../.. root-link");
        Assert.Equal(sandboxPasswd, await fx.Http.GetStringAsync(fx.Toolbox(id, "files/download?path=/home/daytona/etc-link/passwd")));
        var hostFile = "/evil-" + Guid.NewGuid().ToString("N") + ".txt";
        using (var upload = await fx.Http.PostAsync(fx.Toolbox(id, "files/upload-v2?path=/home/daytona/root-link" + hostFile), new StringContent("x")))
            Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.False(File.Exists(hostFile));
        Assert.Equal((0, "x"), await fx.ExecAsync(id, "cat " + hostFile));
        // The kernel's and the daemon's trees are never served.
        foreach (var path in new[] { "/proc/1/environ", "/proc/self/root/etc/passwd", "/run/daytona", "/dev/null" })
        {
            var body = await (await fx.Http.GetAsync(fx.Toolbox(id, "files/info?path=" + path))).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("FILE_ACCESS_DENIED", body.GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task BulkUploadAndBulkDownloadWithErrorPart()
    {
        var id = await fx.CreateSandboxAsync();
        using (var form = new MultipartFormDataContent())
        {
            form.Add(new StringContent("/home/daytona/b/one.txt"), "files[0].path");
            form.Add(new ByteArrayContent("first"u8.ToArray()), "files[0].file", "/home/daytona/b/one.txt");
            // The file part before its path: still accepted.
            form.Add(new ByteArrayContent("second"u8.ToArray()), "files[1].file", "two");
            form.Add(new StringContent("/tmp/two.txt"), "files[1].path");
            using var response = await fx.Http.PostAsync(fx.Toolbox(id, "files/bulk-upload"), form);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, fx.Toolbox(id, "files/bulk-download"))
        {
            Content = JsonContent.Create(new { paths = new[] { "/home/daytona/b/one.txt", "/tmp/missing.txt", "/tmp/two.txt" } }),
        };
        using var download = await fx.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.StartsWith("multipart/form-data", download.Content.Headers.ContentType!.MediaType);
        var parts = new List<(string Name, string FileName, string ContentType, string Body)>();
        await ReadPartsAsync(download, async (name, fileName, contentType, body) =>
        {
            using var reader = new StreamReader(body);
            parts.Add((name, fileName, contentType, await reader.ReadToEndAsync()));
        });
        Assert.Equal(3, parts.Count);
        Assert.Equal(("file", "/home/daytona/b/one.txt", "first"), (parts[0].Name, parts[0].FileName, parts[0].Body));
        Assert.Equal(("error", "/tmp/missing.txt", "application/json"), (parts[1].Name, parts[1].FileName, parts[1].ContentType));
        var error = JsonDocument.Parse(parts[1].Body).RootElement;
        Assert.Equal(404, error.GetProperty("statusCode").GetInt32());
        Assert.Equal("FILE_NOT_FOUND", error.GetProperty("code").GetString());
        Assert.Equal(("file", "/tmp/two.txt", "second"), (parts[2].Name, parts[2].FileName, parts[2].Body));
    }

    [Fact]
    public async Task LargeFileStreamsThroughBulkUploadAndDownload()
    {
        const long size = 200L * 1024 * 1024;
        var id = await fx.CreateSandboxAsync();
        var source = new PatternStream(size);
        using (var form = new MultipartFormDataContent())
        {
            form.Add(new StringContent("/home/daytona/big.bin"), "files[0].path");
            form.Add(new StreamContent(source, 1024 * 1024), "files[0].file", "/home/daytona/big.bin");
            using var response = await fx.Http.PostAsync(fx.Toolbox(id, "files/bulk-upload"), form);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var expected = source.Hash();
        var (_, sha) = await fx.ExecAsync(id, "sha256sum big.bin | cut -c1-64");
        Assert.Equal(expected, sha.Trim());

        using var request = new HttpRequestMessage(HttpMethod.Post, fx.Toolbox(id, "files/bulk-download"))
        {
            Content = JsonContent.Create(new { paths = new[] { "/home/daytona/big.bin" } }),
        };
        using var download = await fx.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        string? got = null;
        long length = 0;
        await ReadPartsAsync(download, async (_, _, _, body) =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1024 * 1024];
            int n;
            while ((n = await body.ReadAsync(buffer)) > 0) { hash.AppendData(buffer, 0, n); length += n; }
            got = Convert.ToHexStringLower(hash.GetHashAndReset());
        });
        Assert.Equal(size, length);
        Assert.Equal(expected, got);

        // The plain download endpoint streams the same bytes.
        using var plain = await fx.Http.GetAsync(fx.Toolbox(id, "files/download?path=/home/daytona/big.bin"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(size, plain.Content.Headers.ContentLength);
    }

    internal static async Task ReadPartsAsync(HttpResponseMessage response, Func<string, string, string, Stream, Task> onPart)
    {
        var boundary = Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(Microsoft.Net.Http.Headers.MediaTypeHeaderValue.Parse(response.Content.Headers.ContentType!.ToString()).Boundary).Value!;
        var reader = new MultipartReader(boundary, await response.Content.ReadAsStreamAsync()) { BodyLengthLimit = null };
        MultipartSection? section;
        while ((section = await reader.ReadNextSectionAsync()) is not null)
        {
            var disposition = Microsoft.Net.Http.Headers.ContentDispositionHeaderValue.Parse(section.ContentDisposition);
            await onPart(Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(disposition.Name).Value!, Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(disposition.FileName).Value!, section.ContentType ?? "", section.Body);
        }
    }
}

/// <summary>A read-only stream of deterministic bytes that hashes what it hands out (never held in memory).</summary>
internal sealed class PatternStream(long length) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _position;

    public string Hash() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(count, length - _position);
        for (var i = 0; i < n; i++)
        {
            var p = _position + i;
            buffer[offset + i] = (byte)((p * 2654435761L >> 13) ^ (p >> 20));
        }
        _hash.AppendData(buffer, offset, n);
        _position += n;
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
