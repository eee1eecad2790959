using System.Management.Automation;
using Xunit;
using Step = DaytonaPS.Tests.ScriptedToolbox.ExecStep;

namespace DaytonaPS.Tests;

/// <summary>
/// The exec protocol on the wire, against a toolbox whose exec answers are scripted: what is
/// retried (only what proves nothing ran), which sessions are reused, ended or forgotten.
/// </summary>
public sealed class ExecProtocolTests : IAsyncLifetime
{
    private const string Key = "dtn_exec_protocol_key";
    private ScriptedToolbox _box = null!;

    public async Task InitializeAsync() => _box = await ScriptedToolbox.StartAsync();
    public async Task DisposeAsync() => await _box.DisposeAsync();

    private PsResult Run(string script) => ModuleHost.Run(
        $"Connect-Daytona -ApiKey (ConvertTo-SecureString '{Key}' -AsPlainText -Force) -ApiUrl '{_box.ApiUrl}' -SkipValidation -InformationAction Ignore\n" +
        $"$id = '{_box.SandboxId}'\n" + script);

    private int Execs => _box.Count("POST", "/exec");
    private int SessionsCreated => _box.Count("POST", "/process/session");
    private List<string> DeletedSessions => _box.Requests.Where(r => r.Method == "DELETE").Select(r => r.Path.Split('/').Last()).ToList();
    private List<string> ExecSessions => _box.Requests.Where(r => r.Method == "POST" && r.Path.EndsWith("/exec")).Select(r => r.Path.Split('/')[^2]).ToList();

    [Fact]
    public void AThrottledExecIsSentAgainAfterRetryAfter()
    {
        _box.ExecSteps.Enqueue(Step.Reply(429, "ThrottlerException: Too Many Requests", ("Retry-After-authenticated", "1")));
        var r = Run("Invoke-DaytonaCommand 'true' -Id $id -Verbose 4>&1 | ForEach-Object { if ($_ -is [System.Management.Automation.VerboseRecord]) { \"V: $_\" } else { $_ } }").AssertNoErrors();
        Assert.Equal("ok\n", r.Output.Single(o => o.BaseObject is not string).Properties["Stdout"].Value);
        Assert.Equal(2, Execs);
        var execs = _box.Requests.Where(q => q.Path.EndsWith("/exec")).ToArray();
        Assert.True(execs[1].At - execs[0].At >= TimeSpan.FromMilliseconds(900), "retried before Retry-After: " + (execs[1].At - execs[0].At));
        Assert.Contains(r.Output, o => o.ToString()!.Contains("retry 1/5 after 429, waiting 1 s"));
        Assert.Empty(DeletedSessions);
    }

    [Fact]
    public void AServiceUnavailableExecIsSentAgain()
    {
        _box.ExecSteps.Enqueue(Step.Reply(503, "Service Unavailable", ("Retry-After", "0")));
        var r = Run("Invoke-DaytonaCommand 'true' -Id $id").AssertNoErrors();
        Assert.Equal(0, Assert.Single(r.Output).Properties["ExitCode"].Value);
        Assert.Equal(2, Execs);
    }

    [Theory]
    [InlineData(500, false)]
    [InlineData(502, false)]
    [InlineData(504, false)]
    [InlineData(0, true)]
    public void AnExecThatMayHaveRunIsNotSentAgainAndItsSessionIsEnded(int status, bool reset)
    {
        _box.ExecSteps.Enqueue(reset ? new Step(Abort: true) : Step.Reply(status, "An unexpected error occurred."));
        var r = Run("Invoke-DaytonaCommand 'touch /tmp/once' -Id $id\n'after'");
        Assert.Single(r.ErrorIds);
        Assert.Equal("after", r.Output.Last().ToString());
        Assert.Equal(1, Execs);
        // The session is ended (which stops the command if it runs), not left open nor reused.
        Assert.Equal(ExecSessions, DeletedSessions);
        var next = Run("Invoke-DaytonaCommand 'true' -Id $id").AssertNoErrors();
        Assert.Single(next.Output);
        Assert.NotEqual(ExecSessions[0], ExecSessions[1]);
    }

    [Fact]
    public void ARefusedExecLeavesItsSessionForTheNextCommand()
    {
        for (var i = 0; i < 6; i++) _box.ExecSteps.Enqueue(Step.Reply(429, "Too Many Requests", ("Retry-After", "0")));
        var r = Run("Invoke-DaytonaCommand 'true' -Id $id");
        Assert.Equal(new[] { "DaytonaRateLimited" }, r.ErrorIds);
        Assert.Equal(6, Execs); // the first try and 5 retries
        Run("Invoke-DaytonaCommand 'true' -Id $id").AssertNoErrors();
        Assert.Empty(DeletedSessions);
        Assert.Equal(1, SessionsCreated);
        Assert.Single(ExecSessions.Distinct());
    }

    [Fact]
    public void AfterARestartOneStaleSessionEmptiesThePool()
    {
        // Five concurrent commands leave five sessions in the pool.
        for (var i = 0; i < 5; i++) _box.ExecSteps.Enqueue(new Step(DelayMs: 500));
        Run("1..5 | ForEach-Object { [pscustomobject]@{ Id = $id } } | Invoke-DaytonaCommand 'true' -ThrottleLimit 5 | Out-Null").AssertNoErrors();
        Assert.Equal(5, SessionsCreated);
        _box.Restart();
        var r = Run("Invoke-DaytonaCommand 'true' -Id $id -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message").AssertNoErrors();
        // One 404 on a pooled session, then a new session: not one stale session after another.
        Assert.Equal(1, _box.Requests.Count(q => q.Path.EndsWith("/exec") && q.Status == 404));
        Assert.Equal(6, SessionsCreated);
        Assert.Contains(r.Output, o => o.ToString()!.Contains("forgot it and 4 other idle session(s)"));
        // and the next command reuses the new session
        Run("Invoke-DaytonaCommand 'true' -Id $id").AssertNoErrors();
        Assert.Equal(6, SessionsCreated);
    }

    [Fact]
    public void TheStreamStartIsSentAgainOn503ButNotOn500()
    {
        _box.ExecSteps.Enqueue(Step.Reply(503, "Service Unavailable", ("Retry-After", "0")));
        var ok = Run("Invoke-DaytonaCommand 'echo streamed' -Id $id -Stream").AssertNoErrors();
        Assert.Equal("streamed\n", Assert.Single(ok.Output).Properties["Stdout"].Value);
        Assert.Equal(new[] { "streamed" }, ok.Information);
        Assert.Equal(2, Execs);

        _box.ExecSteps.Enqueue(Step.Reply(500, "An unexpected error occurred."));
        var failed = Run("Invoke-DaytonaCommand 'echo streamed' -Id $id -Stream");
        Assert.Single(failed.ErrorIds);
        Assert.Empty(failed.Output);
        Assert.Equal(3, Execs);
        Assert.Single(DeletedSessions);
    }

    [Fact]
    public void NotStartedIsDaytonaSandboxNotStartedWithARecommendation()
    {
        _box.ExecSteps.Enqueue(Step.Reply(400, $"Sandbox {_box.SandboxId} is not started (state: stopped)"));
        var r = Run("Invoke-DaytonaCommand 'true' -Id $id");
        var error = r.Record("DaytonaSandboxNotStarted");
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.Contains("-AutoStart", error.ErrorDetails.RecommendedAction);
        Assert.Contains(_box.SandboxId, error.Exception.Message);
        Assert.Equal(1, Execs);
    }
}
