using System.Management.Automation;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Xunit;

namespace DaytonaPS.Tests;

/// <summary>
/// Get-/Revoke-DaytonaFileUrl against the emulator, which checks the signature and expiry on the
/// toolbox file routes: the URLs are used here with a bare HttpClient that sends no API key.
/// </summary>
public sealed class FileUrlTests : IClassFixture<EmulatorFixture>
{
    private static readonly HttpClient Anonymous = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly EmulatorFixture _emu;

    public FileUrlTests(EmulatorFixture emu) => _emu = emu;

    private PsResult Run(string script, System.Collections.IDictionary? vars = null) =>
        ModuleHost.Run(_emu.Connect() + "$sb = New-DaytonaSandbox\n" + script, vars);

    private static T Prop<T>(PSObject o, string name) => (T)o.Properties[name].Value;

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(string url)
    {
        using var response = await Anonymous.GetAsync(url);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<HttpStatusCode> UploadAsync(string url, string content)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(content));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", "upload.txt");
        using var response = await Anonymous.PostAsync(url, form);
        return response.StatusCode;
    }

    private static string Signature(string url) => url[(url.IndexOf("signature=", StringComparison.Ordinal) + "signature=".Length)..];

    [Fact]
    public async Task DownloadUrlWorksWithoutTheApiKey_ATamperedOneIsRefused_AndTheSignatureIsNeverShown()
    {
        var r = Run("""
            Set-DaytonaContent -Id $sb.Id -Path /home/daytona/report.txt -Value 'the report' -NoNewline
            Set-DaytonaContent -Id $sb.Id -Path /home/daytona/other.txt -Value 'other file' -NoNewline
            $u = Get-DaytonaFileUrl -Id $sb.Id -Path /home/daytona/report.txt -ExpiresInSeconds 600 -Verbose -Debug
            $u
            [pscustomobject]@{
                Url = $u.Url
                Shown = ($u | Out-String) + ($u | Format-Table | Out-String) + ($u | Format-List | Out-String) + "$u" + ($u | ConvertTo-Csv | Out-String).Replace($u.Url, '')
            }
            """).AssertNoErrors();
        var u = r.Output[0];
        Assert.Equal("DaytonaPS.FileUrl", u.BaseObject.GetType().FullName);
        Assert.Equal(("/home/daytona/report.txt", "Download", "GET"), (Prop<string>(u, "Path"), Prop<string>(u, "Operation"), Prop<string>(u, "Method")));
        var url = Prop<string>(u, "Url");
        var signature = Signature(url);
        Assert.Matches("^v1_[A-Za-z0-9_-]{43}$", signature);
        Assert.Contains("/files/download?path=%2Fhome%2Fdaytona%2Freport.txt&expires=", url);
        Assert.EndsWith("&signature=***", Prop<string>(u, "DisplayUrl"));
        var expires = Prop<DateTimeOffset>(u, "ExpiresAt");
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(540), TimeSpan.FromSeconds(601));

        var shown = Prop<string>(r.Output[1], "Shown");
        Assert.Contains("signature=***", shown);
        foreach (var text in r.Verbose.Concat(r.Debug).Append(shown))
            Assert.DoesNotContain(signature, text, StringComparison.Ordinal);

        Assert.Equal((HttpStatusCode.OK, "the report"), await GetAsync(url));
        // Another path, another expiry or a changed signature: refused, nothing served.
        var otherPath = url.Replace("report.txt", "other.txt");
        var laterExpiry = url.Replace("&expires=", "&expires=1");
        var flipped = url.Replace(signature, "v1_" + (signature[3] == 'A' ? 'B' : 'A') + signature[4..]);
        foreach (var bad in new[] { otherPath, laterExpiry, flipped, url[..url.IndexOf("&signature=", StringComparison.Ordinal)] })
        {
            var (status, body) = await GetAsync(bad);
            Assert.True(status is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized, $"{status} for a tampered URL");
            Assert.DoesNotContain("other file", body);
        }
        // A download URL does not upload.
        Assert.NotEqual(HttpStatusCode.OK, await UploadAsync(url, "overwritten"));
        Assert.Equal((HttpStatusCode.OK, "the report"), await GetAsync(url));
    }

    [Fact]
    public async Task UploadUrlTakesAMultipartPost_FromPipedPaths()
    {
        var r = Run("""
            $urls = @('/home/daytona/in/a.txt', '/home/daytona/in/b.txt') | ForEach-Object { [pscustomobject]@{ SandboxId = $sb.Id; FullName = $_ } } | Get-DaytonaFileUrl -Upload
            $urls
            """).AssertNoErrors();
        Assert.Equal(2, r.Output.Count);
        Assert.All(r.Output, u => Assert.Equal(("Upload", "POST"), (Prop<string>(u, "Operation"), Prop<string>(u, "Method"))));
        var a = Prop<string>(r.Output[0], "Url");
        Assert.Contains("/files/upload-v2?path=%2Fhome%2Fdaytona%2Fin%2Fa.txt&", a);
        Assert.Equal(HttpStatusCode.OK, await UploadAsync(a, "uploaded without a key"));
        Assert.Equal(HttpStatusCode.OK, await UploadAsync(Prop<string>(r.Output[1], "Url"), "b"));
        // An upload URL does not download, and is for its own path only.
        Assert.NotEqual(HttpStatusCode.OK, (await GetAsync(a)).Status);
        Assert.NotEqual(HttpStatusCode.OK, await UploadAsync(a.Replace("a.txt", "c.txt"), "c"));

        var id = Prop<string>(r.Output[0], "SandboxId");
        var check = ModuleHost.Run(_emu.Connect() + $"Get-DaytonaContent -Id {id} -Path /home/daytona/in/a.txt -Raw; (Get-DaytonaChildItem -Id {id} -Path /home/daytona/in).Name -join ','").AssertNoErrors();
        Assert.Equal("uploaded without a key", check.Output[0].BaseObject.ToString()!.TrimEnd('\n'));
        Assert.Equal("a.txt,b.txt", check.Output[1].BaseObject.ToString());
    }

    [Fact]
    public async Task AnExpiredUrlIsRefused_NoExpiryNeverExpires_AndRevokeRotatesTheKey()
    {
        var r = Run("""
            Set-DaytonaContent -Id $sb.Id -Path data.txt -Value 'data' -NoNewline
            $short = Get-DaytonaFileUrl -Id $sb.Id -Path data.txt -ExpiresInSeconds 1
            $forever = $sb | Get-DaytonaFileUrl -Path data.txt -NoExpiry
            $short; $forever
            """).AssertNoErrors();
        var shortUrl = Prop<string>(r.Output[0], "Url");
        var forever = r.Output[1];
        Assert.Null(forever.Properties["ExpiresAt"].Value);
        Assert.Contains("&expires=0&", Prop<string>(forever, "Url"));
        Assert.Equal((HttpStatusCode.OK, "data"), await GetAsync(Prop<string>(forever, "Url")));

        // expires is whole seconds: past it (plus a second of rounding) the URL is refused.
        var until = Prop<DateTimeOffset>(r.Output[0], "ExpiresAt");
        var wait = until - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1.2);
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
        var (status, body) = await GetAsync(shortUrl);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.DoesNotContain("data", body.Replace("expired", string.Empty), StringComparison.Ordinal);

        var id = Prop<string>(forever, "SandboxId");
        var what = ModuleHost.Run(_emu.Connect() + $"Get-DaytonaFileUrl -Id {id} -Path data.txt | Revoke-DaytonaFileUrl -WhatIf").AssertNoErrors();
        Assert.Equal((HttpStatusCode.OK, "data"), await GetAsync(Prop<string>(forever, "Url")));
        var revoke = ModuleHost.Run(_emu.Connect() + $"""
            $old = Get-DaytonaFileUrl -Id {id} -Path data.txt
            @($old, $old) | Revoke-DaytonaFileUrl -Verbose
            Get-DaytonaFileUrl -Id {id} -Path data.txt
            """).AssertNoErrors();
        Assert.Single(revoke.Verbose, v => v.Contains("signing key rotated", StringComparison.Ordinal)); // two URLs of one sandbox: one rotation
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(Prop<string>(forever, "Url"))).Status);
        Assert.Equal((HttpStatusCode.OK, "data"), await GetAsync(Prop<string>(revoke.Output[0], "Url")));
    }

    [Fact]
    public void BadInputAndUnknownSandboxesAreClearErrors()
    {
        var both = ModuleHost.Run(_emu.Connect() + "Get-DaytonaFileUrl -Id x -Path /a -NoExpiry -ExpiresInSeconds 5");
        Assert.Contains("DaytonaInvalidArgument", both.ErrorIds);
        var range = ModuleHost.Run(_emu.Connect() + "Get-DaytonaFileUrl -Id x -Path /a -ExpiresInSeconds 0");
        Assert.Contains("ParameterArgumentValidationError", range.ErrorIds);
        var missing = ModuleHost.Run(_emu.Connect() + "Get-DaytonaFileUrl -Id no-such-sandbox-fu -Path /a; Revoke-DaytonaFileUrl -Id no-such-sandbox-fu -Confirm:$false");
        Assert.Equal(new[] { "DaytonaNotFound", "DaytonaNotFound" }, missing.ErrorIds);
    }
}
