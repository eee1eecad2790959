using System.Formats.Tar;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>
/// Snapshots built from a Dockerfile on the emulator's linux runtime: the build context uploaded through
/// /object-storage/push-access as the SDK does (S3 PutObject of {org}/{hash}/context.tar), RUN run in an
/// isolated build sandbox, COPY from the context, ENV kept; a sandbox from the snapshot has the files.
/// </summary>
public abstract class DockerfileBuildTests<TFixture>(TFixture fx) where TFixture : IEmulatorTarget
{
    private HttpClient Http => fx.Http;

    /// <summary>Uploads a tar of <paramref name="files"/> as the SDK's ObjectStorage does; returns its hash.</summary>
    /// <summary>AWS Signature V4 over host, x-amz-content-sha256, x-amz-date and x-amz-security-token (as the SDK's S3 client signs).</summary>
    private static void SignV4(HttpRequestMessage request, string accessKey, string secret, string token, byte[] body)
    {
        var now = DateTime.UtcNow;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        var payload = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body));
        var host = request.RequestUri!.Authority;
        var headers = $"host:{host}\nx-amz-content-sha256:{payload}\nx-amz-date:{amzDate}\nx-amz-security-token:{token}\n";
        const string signed = "host;x-amz-content-sha256;x-amz-date;x-amz-security-token";
        var canonical = $"{request.Method.Method}\n{request.RequestUri.AbsolutePath}\n\n{headers}\n{signed}\n{payload}";
        var scope = $"{date}/us-east-1/s3/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + secret);
        foreach (var part in new[] { date, "us-east-1", "s3", "aws4_request" }) key = System.Security.Cryptography.HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        var signature = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", payload);
        request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        request.Headers.TryAddWithoutValidation("x-amz-security-token", token);
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={accessKey}/{scope}, SignedHeaders={signed}, Signature={signature}");
    }

    private async Task<string> UploadContextAsync(Dictionary<string, string> files, string? sessionToken = null, string? secret = null)
    {
        var access = await Http.GetFromJsonAsync<JsonElement>("api/object-storage/push-access");
        var hash = Guid.NewGuid().ToString("N");
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, text) in files)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)), Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead };
                writer.WriteEntry(entry);
            }
        }
        var key = $"{access.GetProperty("organizationId").GetString()}/{hash}/context.tar";
        using var put = new HttpRequestMessage(HttpMethod.Put, $"{access.GetProperty("storageUrl").GetString()}/{access.GetProperty("bucket").GetString()}/{key}")
        {
            Content = new ByteArrayContent(tar.ToArray()),
        };
        var token = sessionToken ?? access.GetProperty("sessionToken").GetString()!;
        SignV4(put, access.GetProperty("accessKey").GetString()!, secret ?? access.GetProperty("secret").GetString()!, token, tar.ToArray());
        using var plain = new HttpClient();
        using var reply = await plain.SendAsync(put);
        Assert.True(reply.IsSuccessStatusCode, $"{(int)reply.StatusCode} {await reply.Content.ReadAsStringAsync()}");
        return hash;
    }

    private async Task<JsonElement> BuildAsync(string dockerfile, params string[] contextHashes)
    {
        var name = Api.Unique("built");
        using var created = await Http.PostAsJsonAsync("api/snapshots", new { name, buildInfo = new { dockerfileContent = dockerfile, contextHashes } });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        return await WaitAsync(name);
    }

    private async Task<JsonElement> WaitAsync(string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var s = await Http.GetFromJsonAsync<JsonElement>($"api/snapshots/{name}");
            if (s.GetProperty("state").GetString() is "active" or "build_failed" or "error") return s;
            Assert.True(DateTime.UtcNow < deadline, "the build never ended");
            await Task.Delay(50);
        }
    }

    private async Task<string> LogAsync(string id) => await Http.GetStringAsync((await Http.GetFromJsonAsync<JsonElement>($"api/snapshots/{id}/build-logs-url")).GetProperty("url").GetString());

    [Fact]
    public async Task AFastBuildStaysBuildingLongEnoughForAClientPollingEachSecondToSeeIt()
    {
        // The SDKs poll each second and follow the build log only after seeing building: a build
        // that ended between two polls would show them no log (--build-min-ms, default 2000).
        var name = Api.Unique("quick");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using (var created = await Http.PostAsJsonAsync("api/snapshots", new { name, buildInfo = new { dockerfileContent = "FROM ubuntu:22.04\nENV QUICK=1\n" } }))
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var seen = new List<string>();
        string state;
        do
        {
            await Task.Delay(100);
            state = (await Http.GetFromJsonAsync<JsonElement>($"api/snapshots/{name}")).GetProperty("state").GetString()!;
            if (seen.Count == 0 || seen[^1] != state) seen.Add(state);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), "the build never ended: " + string.Join(",", seen));
        } while (state is not ("active" or "build_failed" or "error"));
        Assert.Equal("active", state);
        Assert.Contains("building", seen);
        Assert.True(clock.ElapsedMilliseconds >= 1950, $"active after {clock.ElapsedMilliseconds} ms: {string.Join(",", seen)}");
    }

    [Fact]
    public async Task CopyAndRunBuildASnapshotWhoseSandboxesHaveTheFiles()
    {
        var hash = await UploadContextAsync(new() { ["app/main.py"] = "print('hi')\n", ["app/conf/settings.ini"] = "[x]\n", ["requirements.txt"] = "requests\n" });
        var snapshot = await BuildAsync("""
            # syntax=docker/dockerfile:1
            FROM python:3.12-slim
            ARG GREETING=hello
            ENV APP_HOME=/home/daytona/app \
                MODE="built here"
            WORKDIR $APP_HOME
            COPY app/ ./
            COPY requirements.txt /opt/req/
            RUN echo "$GREETING from $(id -un)" > made-by-run.txt && mkdir -p /home/daytona/.cache/x
            CMD ["python3", "main.py"]
            """, hash);
        Assert.True(snapshot.GetProperty("state").GetString() == "active", snapshot.ToString());
        Assert.Equal(["python3", "main.py"], snapshot.GetProperty("entrypoint").EnumerateArray().Select(e => e.GetString()));

        using var response = await Http.PostAsJsonAsync("api/sandbox", new { snapshot = snapshot.GetProperty("name").GetString(), env = new Dictionary<string, string> { ["MODE"] = "from create" } });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await fx.WaitForStateAsync(id, "started");
        Assert.Equal("from create", (await Http.GetFromJsonAsync<JsonElement>($"api/sandbox/{id}")).GetProperty("env").GetProperty("MODE").GetString());
        var (code, text) = await fx.ExecAsync(id, "cat ~/app/main.py ~/app/conf/settings.ini /opt/req/requirements.txt ~/app/made-by-run.txt; echo \"$APP_HOME|$MODE\"; stat -c %u ~/app/main.py; hostname");
        Assert.Equal(0, code);
        Assert.Equal($"print('hi')\n[x]\nrequests\nhello from daytona\n/home/daytona/app|from create\n1000\n{id}\n", text);

        // Each sandbox has its own copy: what one writes, the next one from the snapshot does not see.
        Assert.Equal(0, (await fx.ExecAsync(id, "echo changed > ~/app/main.py")).ExitCode);
        using var second = await Http.PostAsJsonAsync("api/sandbox", new { snapshot = snapshot.GetProperty("name").GetString() });
        var other = (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await fx.WaitForStateAsync(other, "started");
        Assert.Equal((0, "print('hi')\nbuilt here\n"), await fx.ExecAsync(other, "cat ~/app/main.py; echo \"$MODE\""));
    }

    [Fact]
    public async Task AFailingRunIsBuildFailedWithItsOutputInTheLog()
    {
        var snapshot = await BuildAsync("FROM ubuntu:22.04\nRUN echo about to fail; echo on stderr >&2; exit 4\nRUN echo never\n");
        Assert.Equal("build_failed", snapshot.GetProperty("state").GetString());
        Assert.Contains("step 2 (RUN echo about to fail; echo on stderr >&2; exit 4) exited with code 4", snapshot.GetProperty("errorReason").GetString());
        var log = await LogAsync(snapshot.GetProperty("id").GetString()!);
        Assert.Contains("#2 about to fail", log);
        Assert.Contains("#2 on stderr", log);
        Assert.Contains("did not complete successfully: exit code: 4", log);
        Assert.DoesNotContain("never", log.Replace("RUN echo never", ""));
    }

    [Fact]
    public async Task WhatTheBuilderCannotDoIsAClearBuildFailure()
    {
        foreach (var (dockerfile, reason) in new[]
        {
            ("FROM a:1 AS one\nFROM b:2\n", "multi-stage"),
            ("FROM a:1\nCOPY ../../etc/passwd /x\n", "outside the build context"),
            ("FROM a:1\nCOPY missing.txt /x\n", "file not found in build context"),
            ("FROM a:1\nADD https://example.invalid/x.tgz /x\n", "needs the network"),
            ("FROM a:1\nFROBNICATE now\n", "unknown instruction: FROBNICATE"),
            ("RUN echo no base\n", "must begin with FROM"),
        })
        {
            var snapshot = await BuildAsync(dockerfile);
            Assert.Equal("build_failed", snapshot.GetProperty("state").GetString());
            Assert.Contains(reason, snapshot.GetProperty("errorReason").GetString());
        }
        var missing = await BuildAsync("FROM a:1\n", "0123456789abcdef0123456789abcdef");
        Assert.Contains("was not uploaded", missing.GetProperty("errorReason").GetString());
    }

    [Fact]
    public async Task TheBuildLogIsStreamedWhileTheBuildRuns()
    {
        var name = Api.Unique("slow");
        using var created = await Http.PostAsJsonAsync("api/snapshots", new { name, buildInfo = new { dockerfileContent = "FROM a:1\nRUN echo first-line; sleep 2; echo second-line\n" } });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var url = (await Http.GetFromJsonAsync<JsonElement>($"api/snapshots/{id}/build-logs-url")).GetProperty("url").GetString();
        using var stream = await Http.GetStreamAsync(url + "?follow=true");
        using var reader = new StreamReader(stream);
        string? line;
        while ((line = await reader.ReadLineAsync()) is not null && !line.Contains("first-line")) { }
        Assert.NotNull(line);
        // The first line arrived while the step still ran: the snapshot is not active yet.
        Assert.Equal("building", (await Http.GetFromJsonAsync<JsonElement>($"api/snapshots/{id}")).GetProperty("state").GetString());
        var rest = await reader.ReadToEndAsync();
        Assert.Contains("second-line", rest);
        Assert.Equal("active", (await WaitAsync(name)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task ABuildStaysInsideItsSandboxAndTheStorageWantsItsCredentials()
    {
        var marker = "daytonaps-build-" + Guid.NewGuid().ToString("N")[..8];
        var hash = await UploadContextAsync(new() { ["f"] = "payload\n" });
        // A link the build made does not make COPY write outside the sandbox; RUN sees none of the host.
        var snapshot = await BuildAsync($"FROM a:1\nRUN ln -s /etc /home/daytona/etc-link && ! ls /root/ 2>/dev/null | grep -q .\nCOPY f /home/daytona/etc-link/{marker}\n", hash);
        Assert.True(snapshot.GetProperty("state").GetString() == "active", snapshot.ToString());
        Assert.False(File.Exists("/etc/" + marker));

        // Storage requests need the issued session token, and a signature made with the issued secret.
        var error = await Assert.ThrowsAsync<Xunit.Sdk.TrueException>(() => UploadContextAsync(new() { ["x"] = "y" }, sessionToken: "not-the-token"));
        Assert.Contains("403", error.Message);
        error = await Assert.ThrowsAsync<Xunit.Sdk.TrueException>(() => UploadContextAsync(new() { ["x"] = "y" }, secret: "not-the-secret"));
        Assert.Contains("403", error.Message);
        using var anonymous = new HttpClient();
        using var list = await anonymous.GetAsync(new Uri(Http.BaseAddress!, "daytona-emulator-builds?list-type=2"));
        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
    }

    [Fact]
    public async Task ASnapshotOfASandboxHasItsFilesAndNamesItsSource()
    {
        var source = await fx.CreateSandboxAsync();
        Assert.Equal(0, (await fx.ExecAsync(source, "echo kept > ~/kept.txt")).ExitCode);
        var name = Api.Unique("fromsb");
        using (var reply = await Http.PostAsJsonAsync($"api/sandbox/{source}/snapshot", new { name }))
        {
            Assert.True(reply.IsSuccessStatusCode, await reply.Content.ReadAsStringAsync());
            Assert.Equal("snapshotting", (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        }
        var snapshot = await WaitAsync(name);
        Assert.Equal("active", snapshot.GetProperty("state").GetString());
        Assert.Equal(source, snapshot.GetProperty("sourceSandboxId").GetString());
        await fx.WaitForStateAsync(source, "started");
        var listed = await Http.GetFromJsonAsync<JsonElement>($"api/snapshots?sourceSandboxId={source}");
        Assert.Equal([name], listed.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
        Assert.Equal(0, (await Http.GetFromJsonAsync<JsonElement>($"api/snapshots?sourceSandboxId={Guid.NewGuid()}")).GetProperty("total").GetInt32());

        // Written after the snapshot: not in it.
        Assert.Equal(0, (await fx.ExecAsync(source, "echo later > ~/later.txt")).ExitCode);
        using var created = await Http.PostAsJsonAsync("api/sandbox", new { snapshot = name });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await fx.WaitForStateAsync(id, "started");
        Assert.Equal((0, "kept\nno\n"), await fx.ExecAsync(id, "cat ~/kept.txt; test -e ~/later.txt && echo yes || echo no"));

        // Daytona's rules: a name is needed, and it must be free.
        using var noName = await Http.PostAsJsonAsync($"api/sandbox/{source}/snapshot", new { });
        Assert.Equal(HttpStatusCode.BadRequest, noName.StatusCode);
        using var taken = await Http.PostAsJsonAsync($"api/sandbox/{source}/snapshot", new { name });
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
    }
}

public sealed class DockerfileBuildBwrapTests(ToolboxServerFixture fx) : DockerfileBuildTests<ToolboxServerFixture>(fx), IClassFixture<ToolboxServerFixture>;

public sealed class DockerfileBuildUnprivilegedTests(UnprivilegedEmulatorFixture fx) : DockerfileBuildTests<UnprivilegedEmulatorFixture>(fx), IClassFixture<UnprivilegedEmulatorFixture>;
