using System.Net;
using Microsoft.Extensions.Options;
using Platform.Api.Formats;
using Platform.Api.Jobs;
using Polly;
using Polly.Retry;

namespace Platform.Api.Dispatch;

/// <summary>
/// Retries a task's transient failures in place: exponential backoff with full jitter (AWS "Exponential Backoff And
/// Jitter"), never sooner than a Retry-After the failure carried. Permanent failures are not retried.
/// </summary>
public sealed class TaskRetryPolicy(IOptionsMonitor<TaskRetryOptions> options, JobMetrics metrics, TimeProvider time)
{
    /// <summary>Runs <paramref name="attempt"/> (given its 1-based try number) until it succeeds, fails permanently or tries run out.</summary>
    public async Task<T> ExecuteAsync<T>(string format, Func<int, CancellationToken, Task<T>> attempt, CancellationToken ct)
    {
        var settings = options.CurrentValue;
        var pipeline = new ResiliencePipelineBuilder<T> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<T>
            {
                ShouldHandle = new PredicateBuilder<T>().Handle<Exception>(FailureClassifier.IsTransient),
                MaxRetryAttempts = settings.MaxTaskAttempts - 1,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    Backoff.Delay(args.AttemptNumber, FailureClassifier.RetryAfter(args.Outcome.Exception), settings.BaseDelay, settings.MaxDelay, Random.Shared)),
                OnRetry = _ =>
                {
                    metrics.TaskRetried(format);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        var tries = 0;
        return await pipeline.ExecuteAsync(async token => await attempt(++tries, token), ct);
    }
}

public static class Backoff
{
    /// <summary>Longest Retry-After we honour, so a hostile or broken server cannot park a task for hours.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(5);

    /// <summary>Delay before retry number <paramref name="retry"/> (0-based): uniform in [0, min(max, base·2^retry)), at least Retry-After.</summary>
    public static TimeSpan Delay(int retry, TimeSpan? retryAfter, TimeSpan baseDelay, TimeSpan maxDelay, Random random)
    {
        var ceiling = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retry, 30)));
        var jittered = TimeSpan.FromMilliseconds(random.NextDouble() * ceiling);
        return retryAfter is { } after && after > jittered ? (after < MaxRetryAfter ? after : MaxRetryAfter) : jittered;
    }
}

/// <summary>Which failures are worth another try: timeouts, 5xx and 429, dropped connections, and what a format marks transient.</summary>
public static class FailureClassifier
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        TransientFormatException => true,
        PermanentFormatException or FencingRejectedException => false,
        TimeoutException => true,
        HttpRequestException { StatusCode: null } => true,
        HttpRequestException { StatusCode: var status } => (int)status! >= 500 || status == HttpStatusCode.TooManyRequests || status == HttpStatusCode.RequestTimeout,
        // HttpClient reports its own timeout as a TaskCanceledException wrapping a TimeoutException.
        TaskCanceledException { InnerException: TimeoutException } => true,
        IOException => true,
        _ => false,
    };

    public static TimeSpan? RetryAfter(Exception? exception) => exception is TransientFormatException t ? t.RetryAfter : null;
}
