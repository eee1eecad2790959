using Xunit;

namespace DaytonaPS.Tests;

/// <summary>The REST client's headers, retries and error mapping, seen on the wire (scripted server).</summary>
public sealed class ClientTests : IAsyncLifetime
{
    private FakeDaytona _fake = null!;
    private const string Key = "dtn_client_test_key";

    public async Task InitializeAsync() => _fake = await FakeDaytona.StartAsync();
    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private string Connect(string extra = "") =>
        $"Connect-Daytona -ApiKey (ConvertTo-SecureString '{Key}' -AsPlainText -Force) -ApiUrl '{_fake.ApiUrl}' -SkipValidation {extra}\n";

    [Fact]
    public void SendsBearerUserAgentSourceAndSdkVersion()
    {
        ModuleHost.Run(Connect() + "Get-DaytonaSandbox").AssertNoErrors();
        var (_, path, headers, _) = Assert.Single(_fake.Requests);
        Assert.StartsWith("/api/sandbox?", path);
        Assert.Equal("Bearer " + Key, headers["Authorization"]);
        Assert.StartsWith("DaytonaPS/", headers["User-Agent"]);
        Assert.Equal("DaytonaPS", headers["X-Daytona-Source"]);
        Assert.Equal("0.218.0", headers["X-Daytona-SDK-Version"]);
        Assert.False(headers.ContainsKey("X-Daytona-Organization-ID"));
    }

    [Fact]
    public void JwtModeSendsOrganizationHeader()
    {
        ModuleHost.Run($"Connect-Daytona -JwtToken (ConvertTo-SecureString 'jwt-abc' -AsPlainText -Force) -OrganizationId org-9 -ApiUrl '{_fake.ApiUrl}' -SkipValidation\nGet-DaytonaSandbox").AssertNoErrors();
        var (_, _, headers, _) = Assert.Single(_fake.Requests);
        Assert.Equal("Bearer jwt-abc", headers["Authorization"]);
        Assert.Equal("org-9", headers["X-Daytona-Organization-ID"]);
    }

    [Fact]
    public void HonoursSuffixedRetryAfterAndReportsRetryOnVerbose()
    {
        _fake.Enqueue(429, FakeDaytona.Error(429, "ThrottlerException: Too Many Requests"), ("Retry-After-authenticated", "1"));
        var r = ModuleHost.Run(Connect() + "Get-DaytonaSandbox -Verbose 4>&1 | ForEach-Object { \"$_\" }").AssertNoErrors();
        var requests = _fake.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        var gap = requests[1].At - requests[0].At;
        Assert.True(gap >= TimeSpan.FromMilliseconds(900), $"waited only {gap.TotalMilliseconds} ms");
        Assert.Contains(r.Output, o => o.ToString().Contains("retry 1/5 after 429, waiting 1 s"));
        Assert.Contains(r.Output, o => o.ToString().Contains("GET /api/sandbox?limit=200 -> 429 in"));
    }

    [Fact]
    public void RetryAfterIsClamped()
    {
        _fake.Enqueue(503, FakeDaytona.Error(503, "busy"), ("Retry-After", "3600"));
        var started = DateTime.UtcNow;
        ModuleHost.Run(Connect("-MaximumRetryDelaySec 1") + "Get-DaytonaSandbox").AssertNoErrors();
        Assert.Equal(2, _fake.Requests.Count);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void CreateIsNotBlindlyRetriedOn500ButLooksItsTokenUp()
    {
        // POST fails with 500; the client lists by its create label (finds nothing) and only then posts again.
        _fake.Enqueue(500, FakeDaytona.Error(500, "An unexpected error occurred."));
        _fake.Enqueue(200, "{\"items\":[],\"nextCursor\":null}");
        _fake.Enqueue(200, "{\"id\":\"s-1\",\"name\":\"a\",\"state\":\"started\",\"labels\":{}}");
        _fake.Enqueue(200, "{\"items\":[],\"nextCursor\":null}");
        var r = ModuleHost.Run(Connect() + "New-DaytonaSandbox -Name a").AssertNoErrors();
        Assert.Equal("s-1", Assert.Single(r.Output).Properties["Id"].Value);
        var methods = _fake.Requests.Select(q => q.Method + " " + q.Path.Split('?')[0]).ToArray();
        Assert.Equal(new[] { "POST /api/sandbox", "GET /api/sandbox", "POST /api/sandbox", "GET /api/sandbox" }, methods);
        Assert.Contains("labels=", _fake.Requests.ElementAt(1).Path);
    }

    [Fact]
    public void ErrorCarriesDaytonaMessageStatusAndNoSecret()
    {
        _fake.Enqueue(403, FakeDaytona.Error(403, "Forbidden resource"));
        var r = ModuleHost.Run(Connect() + "Get-DaytonaSandbox -Id abc");
        var e = Assert.Single(r.Errors);
        Assert.Equal("DaytonaForbidden,DaytonaPS.Commands.Sandbox.GetDaytonaSandboxCommand", e.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.PermissionDenied, e.CategoryInfo.Category);
        Assert.Equal("Forbidden resource", e.ErrorDetails.Message);
        Assert.Equal("abc", e.TargetObject);
        Assert.Contains("403", e.Exception.Message);
        Assert.DoesNotContain(Key, e.Exception.ToString());
    }
}
