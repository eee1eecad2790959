using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using DaytonaPS.Auth;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace DaytonaPS.Api;

/// <summary>Which failures a request may be retried on.</summary>
internal enum RetryMode
{
    /// <summary>GET/PUT/DELETE and other calls that can safely run twice: 408/429/5xx and connection failures.</summary>
    Idempotent,
    /// <summary>
    /// Calls that must not run twice (create, a command's exec): retried only when the answer proves
    /// nothing was done. 429 (the rate limiter answers before the request reaches a handler), 503 (an
    /// API guard, the maintenance middleware or a gateway with no upstream: all before any handler
    /// runs; the toolbox daemon itself never sends 503 for an exec) and a connection that was never
    /// made (refused, unresolvable, unreachable: nothing was sent). Not 500/502/504, a reset or a
    /// timeout: those can come after the handler acted (a command may have started).
    /// </summary>
    RejectedOnly,
}

/// <summary>
/// The Polly v8 pipeline of a connection: total budget (outer timeout) -> retry with exponential
/// backoff, jitter and Retry-After -> per-attempt timeout. Per-call data (log, retry mode, method
/// and path for messages) travels in the ResilienceContext.
/// </summary>
internal static class DaytonaResilience
{
    public static readonly ResiliencePropertyKey<IDaytonaLog> LogKey = new("DaytonaPS.Log");
    public static readonly ResiliencePropertyKey<RetryMode> RetryModeKey = new("DaytonaPS.RetryMode");
    public static readonly ResiliencePropertyKey<string> DescriptionKey = new("DaytonaPS.Description");

    /// <summary>
    /// Replaces both the per-attempt timeout and the total budget for one call;
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for none (the caller's token bounds the call,
    /// as for a command's exec, which lasts as long as the command).
    /// </summary>
    public static readonly ResiliencePropertyKey<TimeSpan?> TimeoutOverrideKey = new("DaytonaPS.TimeoutOverride");

    public static ResiliencePipeline<HttpResponseMessage> Build(DaytonaClientSettings settings)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args => new ValueTask<TimeSpan>(args.Context.Properties.GetValue(TimeoutOverrideKey, null) ?? settings.TotalTimeout),
        });
        if (settings.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = settings.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.RetryBaseDelay,
                MaxDelay = settings.MaxRetryDelay,
                ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Outcome, args.Context)),
                DelayGenerator = args => new ValueTask<TimeSpan?>(ServerRequestedDelay(args.Outcome, settings.MaxRetryDelay)),
                OnRetry = args =>
                {
                    var log = args.Context.Properties.GetValue(LogKey, NullDaytonaLog.Instance);
                    var what = args.Context.Properties.GetValue(DescriptionKey, "request");
                    var reason = args.Outcome.Result is { } r
                        ? ((int)r.StatusCode).ToString(CultureInfo.InvariantCulture)
                        : Describe(args.Outcome.Exception);
                    log.WriteVerbose(string.Format(CultureInfo.InvariantCulture,
                        "{0}: retry {1}/{2} after {3}, waiting {4}",
                        what, args.AttemptNumber + 1, settings.MaxRetries, reason, FormatDelay(args.RetryDelay)));
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            });
        }
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args => new ValueTask<TimeSpan>(args.Context.Properties.GetValue(TimeoutOverrideKey, null) ?? settings.RequestTimeout),
        });
        return builder.Build();
    }

    internal static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        var mode = context.Properties.GetValue(RetryModeKey, RetryMode.Idempotent);
        if (outcome.Result is { } response)
        {
            var status = (int)response.StatusCode;
            if (status == 429 || status == 503) return true;
            return mode == RetryMode.Idempotent && DaytonaApiException.RetryableStatusCodes.Contains(status);
        }
        var ex = outcome.Exception;
        if (ex is null) return false;
        if (context.CancellationToken.IsCancellationRequested) return false;
        if (mode == RetryMode.RejectedOnly) return NetworkFailure.NeverConnected(ex);
        if (mode != RetryMode.Idempotent) return false;
        return ex is HttpRequestException || ex is IOException || ex is TimeoutRejectedException;
    }

    /// <summary>Retry-After or Daytona's Retry-After-&lt;throttler&gt; headers (seconds or a date), the longest, clamped.</summary>
    internal static TimeSpan? ServerRequestedDelay(Outcome<HttpResponseMessage> outcome, TimeSpan max)
    {
        if (outcome.Result is not { } response) return null;
        var wait = RetryAfter(response);
        if (wait is null) return null;
        if (wait.Value < TimeSpan.Zero) return TimeSpan.Zero;
        return wait.Value > max ? max : wait.Value;
    }

    internal static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        TimeSpan? best = null;
        foreach (var header in response.Headers)
        {
            if (!header.Key.StartsWith("Retry-After", StringComparison.OrdinalIgnoreCase)) continue;
            foreach (var value in header.Value)
            {
                TimeSpan? parsed = null;
                if (double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
                {
                    parsed = TimeSpan.FromSeconds(Math.Max(0, seconds));
                }
                else if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
                {
                    parsed = when - DateTimeOffset.UtcNow;
                }
                if (parsed is { } p && (best is null || p > best)) best = p;
            }
        }
        return best;
    }

    internal static string Describe(Exception? ex) => ex switch
    {
        null => "an unknown failure",
        TimeoutRejectedException => "a request timeout",
        HttpRequestException h => "a connection failure (" + Innermost(h).Message.TrimEnd('.') + ")",
        IOException io => "a connection failure (" + io.Message.TrimEnd('.') + ")",
        _ => ex.GetType().Name,
    };

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null) ex = ex.InnerException;
        return ex;
    }

    internal static string FormatDelay(TimeSpan delay) =>
        delay.TotalSeconds >= 1
            ? delay.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s"
            : ((int)delay.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + " ms";
}
