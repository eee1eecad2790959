using System.Management.Automation;
using DaytonaPS.Api;
using DaytonaPS.Commands;
using Xunit;

namespace DaytonaPS.UnitTests;

/// <summary>What a response means (<see cref="DaytonaApiException.KindOf"/>) and how the error funnel reports it.</summary>
public sealed class ErrorClassificationTests
{
    [Theory]
    [InlineData(400, "name must be lowercase", DaytonaFailureKind.InvalidRequest)]
    [InlineData(400, "Sandbox 3c1e is not started (state: stopped)", DaytonaFailureKind.NotStarted)]
    [InlineData(422, null, DaytonaFailureKind.InvalidRequest)]
    [InlineData(401, null, DaytonaFailureKind.Unauthorized)]
    [InlineData(403, "forbidden", DaytonaFailureKind.Forbidden)]
    [InlineData(404, "Sandbox not found", DaytonaFailureKind.NotFound)]
    [InlineData(410, null, DaytonaFailureKind.NotFound)]
    [InlineData(408, null, DaytonaFailureKind.Timeout)]
    [InlineData(504, null, DaytonaFailureKind.Timeout)]
    [InlineData(409, "Sandbox with name web-1 already exists", DaytonaFailureKind.NameTaken)]
    [InlineData(409, "Sandbox state change in progress", DaytonaFailureKind.Busy)]
    [InlineData(409, null, DaytonaFailureKind.Busy)]
    [InlineData(429, null, DaytonaFailureKind.Throttled)]
    [InlineData(500, null, DaytonaFailureKind.ServerError)]
    [InlineData(503, null, DaytonaFailureKind.ServerError)]
    [InlineData(418, null, DaytonaFailureKind.HttpError)]
    public void StatusAndMessageGiveTheKind(int status, string? message, DaytonaFailureKind expected) =>
        Assert.Equal(expected, DaytonaApiException.KindOf(status, message));

    [Theory]
    [InlineData(DaytonaFailureKind.NotFound, "DaytonaNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData(DaytonaFailureKind.NameTaken, "DaytonaConflict", ErrorCategory.ResourceExists)]
    [InlineData(DaytonaFailureKind.Busy, "DaytonaConflict", ErrorCategory.ResourceBusy)]
    [InlineData(DaytonaFailureKind.NotStarted, "DaytonaSandboxNotStarted", ErrorCategory.InvalidOperation)]
    [InlineData(DaytonaFailureKind.Throttled, "DaytonaRateLimited", ErrorCategory.ResourceUnavailable)]
    [InlineData(DaytonaFailureKind.ConnectionFailed, "DaytonaConnectionFailed", ErrorCategory.ConnectionError)]
    [InlineData(DaytonaFailureKind.Timeout, "DaytonaTimeout", ErrorCategory.OperationTimeout)]
    [InlineData(DaytonaFailureKind.Unauthorized, "DaytonaUnauthorized", ErrorCategory.AuthenticationError)]
    [InlineData(DaytonaFailureKind.UnexpectedReply, "DaytonaApiError", ErrorCategory.InvalidResult)]
    public void KindsMapToStableIdsAndCategories(DaytonaFailureKind kind, string id, ErrorCategory category)
    {
        var ex = new DaytonaApiException("m", kind, 0, "GET", "/sandbox/x");
        Assert.Equal((id, category), ErrorMapper.Classify(ex));
    }

    [Fact]
    public void NameTakenAndBusyRecommendDifferentThings()
    {
        var taken = ErrorMapper.ToErrorRecord(new DaytonaApiException("m", DaytonaFailureKind.NameTaken, 409, "POST", "/sandbox", "Sandbox with name web-1 already exists"), "web-1");
        var busy = ErrorMapper.ToErrorRecord(new DaytonaApiException("m", DaytonaFailureKind.Busy, 409, "POST", "/sandbox/x/start", "state change in progress"), "x");
        Assert.Contains("Get-DaytonaSandbox -Name", taken.ErrorDetails.RecommendedAction);
        Assert.DoesNotContain("Wait-DaytonaSandbox", taken.ErrorDetails.RecommendedAction);
        Assert.Contains("Wait-DaytonaSandbox", busy.ErrorDetails.RecommendedAction);
        Assert.Equal("Sandbox with name web-1 already exists", taken.ErrorDetails.Message);
    }

    [Fact]
    public void OnlyARejectedCredentialTerminates()
    {
        Assert.True(ErrorMapper.IsTerminating(new DaytonaApiException("m", DaytonaFailureKind.Unauthorized, 401, "GET", "/sandbox")));
        // One reset in a fan-out is that sandbox's failure; the next may work.
        Assert.False(ErrorMapper.IsTerminating(new DaytonaApiException("m", DaytonaFailureKind.ConnectionFailed, 0, "GET", "/sandbox")));
        Assert.False(ErrorMapper.IsTerminating(new DaytonaApiException("m", DaytonaFailureKind.NotFound, 404, "GET", "/sandbox/x")));
    }

    [Theory]
    [InlineData(0, DaytonaFailureKind.ConnectionFailed, true)]
    [InlineData(0, DaytonaFailureKind.Timeout, true)]
    [InlineData(429, DaytonaFailureKind.Throttled, true)]
    [InlineData(503, DaytonaFailureKind.ServerError, true)]
    [InlineData(501, DaytonaFailureKind.ServerError, false)]
    [InlineData(404, DaytonaFailureKind.NotFound, false)]
    [InlineData(200, DaytonaFailureKind.UnexpectedReply, false)]
    public void RetryableFollowsTheStatus(int status, DaytonaFailureKind kind, bool retryable) =>
        Assert.Equal(retryable, new DaytonaApiException("m", kind, status, "GET", "/x").IsRetryable);
}
