using DaytonaPS.Api;
using Xunit;

namespace DaytonaPS.UnitTests;

/// <summary>
/// The signing of pre-signed file URLs against vectors computed with the official SDK's own
/// computeFileUrlSignature (@daytonaio/sdk 0.218.0, utils/fileUrlSigning.js), and the masking of
/// secrets in git remote URLs.
/// </summary>
public sealed class SignedFileUrlTests
{
    [Theory]
    // node -e "import('@daytonaio/sdk/esm/utils/fileUrlSigning.js').then(m => console.log(m.computeFileUrlSignature(key, method, path, expires)))"
    [InlineData("k3y-Ünï", "GET", "/home/daytona/a b/ü.txt", 1767225600L, "v1_mhm75EITkBoSqEPz_mw1o3iIhMezhdpsyPZ23A5i3Rw")]
    [InlineData("k3y-Ünï", "POST", "rel/x.bin", 0L, "v1_cRIKc4aA5_hSwYZZ-pG7jyKJGZeNCZHNlxa_RLfiM5A")]
    public void SignsAsTheSdkDoes(string key, string method, string path, long expires, string expected) =>
        Assert.Equal(expected, SignedFileUrls.Sign(key, method, path, expires));

    [Fact]
    public void ExpiresIsNowPlusTheTtlInWholeSeconds_OrZeroForNever()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_900);
        Assert.Equal(1_767_225_660, SignedFileUrls.Expires(60, now));
        Assert.Equal(0, SignedFileUrls.Expires(0, now));
        Assert.Equal(0, SignedFileUrls.Expires(-5, now));
    }

    [Theory]
    [InlineData("https://user:s3cret@example.com/r.git", "https://user:***@example.com/r.git", "s3cret")]
    [InlineData("https://ghp_token@github.com/o/r.git", "https://***@github.com/o/r.git", "ghp_token")]
    [InlineData("https://user:p@ss@host/x@y", "https://user:***@host/x@y", "p@ss")]
    [InlineData("ssh://git@github.com/o/r.git", "ssh://git@github.com/o/r.git", null)]
    [InlineData("git@github.com:o/r.git", "git@github.com:o/r.git", null)]
    [InlineData("file:///tmp/origin.git", "file:///tmp/origin.git", null)]
    public void RemoteUrlsHideTheirSecret(string url, string shown, string? secret)
    {
        Assert.Equal(shown, GitRemote.MaskUserInfo(url));
        Assert.Equal(secret, GitRemote.Secret(url));
    }
}
