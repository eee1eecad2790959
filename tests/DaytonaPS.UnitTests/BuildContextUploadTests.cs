using DaytonaPS.Api;
using Xunit;

namespace DaytonaPS.UnitTests;

/// <summary>The build context upload's SigV4 signing and its Dockerfile source matching.</summary>
public sealed class BuildContextUploadTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "daytonaps-ctxunit-" + Guid.NewGuid().ToString("N")[..8]);

    public BuildContextUploadTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "src", "deep"));
        File.WriteAllText(Path.Combine(_dir, "src", "deep", "a.txt"), "a");
        File.WriteAllText(Path.Combine(_dir, "one.md"), "1");
        File.WriteAllText(Path.Combine(_dir, "two.md"), "2");
        File.WriteAllText(Path.Combine(_dir, "with space.txt"), "s");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TheSignatureIsTheOneAwssOwnSignerMakes()
    {
        // Reference: @smithy/signature-v4 (the signer of the SDK's S3 client), same request, same clock.
        var access = new StorageAccessDto
        {
            AccessKey = "AKIDEXAMPLE",
            Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            SessionToken = "session-token-example",
            Region = "eu-west-3",
        };
        var header = BuildContextUpload.Authorization(access, "GET", "/bucket-x", "list-type=2&max-keys=1&prefix=org-1%2Fabc%2F", "127.0.0.1:4321",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", new DateTime(2026, 12, 2, 6, 30, 0, DateTimeKind.Utc));
        Assert.Equal("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261202/eu-west-3/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, " +
            "Signature=06e37acc73326ef343db6ca5c1089928a580a629647b32f539f0a67ee14d8eea", header);
    }

    [Fact]
    public void SourcesAreTheLocalCopyAndAddPathsInTheContext()
    {
        var sources = BuildContextUpload.Sources("""
            FROM x:1 AS base
            # COPY ignored.txt /not/a/source
            COPY --chown=1000:1000 src /app/src
            COPY *.md \
                 /docs/
            ADD ["with space.txt", "/x/"]
            COPY --from=base /etc/hosts /tmp/
            ADD https://example.invalid/file.tgz /tmp/
            COPY <<EOF /inline
            """, _dir);
        Assert.Equal(["src", "one.md", "two.md", "with space.txt"], sources.Select(s => s.ArchivePath));
        Assert.Equal(Path.Combine(_dir, "src"), sources[0].LocalPath);
        var ex = Assert.Throws<DaytonaException>(() => BuildContextUpload.Sources("FROM x:1\nCOPY ../etc /x\n", _dir));
        Assert.Contains("outside the context folder", ex.Message);
        Assert.Throws<DaytonaException>(() => BuildContextUpload.Sources("FROM x:1\nCOPY nothing*.txt /x\n", _dir));
    }

    [Fact]
    public void TheHashFollowsTheContentAndThePath()
    {
        var src = new BuildContextUpload.Source(Path.Combine(_dir, "src"), "src");
        var first = BuildContextUpload.Hash(src);
        Assert.Matches("^[0-9a-f]{32}$", first);
        Assert.Equal(first, BuildContextUpload.Hash(src));
        Assert.NotEqual(first, BuildContextUpload.Hash(new BuildContextUpload.Source(Path.Combine(_dir, "src"), "other")));
        File.WriteAllText(Path.Combine(_dir, "src", "deep", "a.txt"), "changed");
        Assert.NotEqual(first, BuildContextUpload.Hash(src));
    }
}
