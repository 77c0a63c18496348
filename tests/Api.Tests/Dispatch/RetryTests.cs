using System.Net;
using Platform.Api.Dispatch;
using Platform.Api.Formats;

namespace Platform.Api.Tests.Dispatch;

public sealed class RetryTests
{
    private static readonly TimeSpan Base = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(2);

    [Fact]
    public void Backoff_is_full_jitter_under_an_exponential_ceiling()
    {
        var random = new Random(42);
        for (var retry = 0; retry < 8; retry++)
        {
            var ceiling = Math.Min(Max.TotalMilliseconds, Base.TotalMilliseconds * Math.Pow(2, retry));
            var delays = Enumerable.Range(0, 500).Select(_ => Backoff.Delay(retry, null, Base, Max, random).TotalMilliseconds).ToList();
            Assert.All(delays, d => Assert.InRange(d, 0, ceiling));
            // Full jitter spreads over the whole range, not around the ceiling.
            Assert.True(delays.Min() < ceiling * 0.1 && delays.Max() > ceiling * 0.9, $"retry {retry}: {delays.Min()}..{delays.Max()} of {ceiling}");
        }
    }

    [Fact]
    public void Retry_after_is_honoured_as_a_minimum_and_capped()
    {
        Assert.Equal(TimeSpan.FromSeconds(3), Backoff.Delay(0, TimeSpan.FromSeconds(3), Base, Max, new Random(1)));
        Assert.Equal(Backoff.MaxRetryAfter, Backoff.Delay(0, TimeSpan.FromHours(2), Base, Max, new Random(1)));
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.RequestTimeout, true)]
    [InlineData(HttpStatusCode.NotFound, false)]
    [InlineData(HttpStatusCode.Forbidden, false)]
    public void Http_failures_are_classified_by_status(HttpStatusCode status, bool transient) =>
        Assert.Equal(transient, FailureClassifier.IsTransient(new HttpRequestException("x", null, status)));

    [Fact]
    public void Format_failures_say_what_they_are()
    {
        Assert.True(FailureClassifier.IsTransient(new TransientFormatException("x")));
        Assert.True(FailureClassifier.IsTransient(new TimeoutException()));
        Assert.True(FailureClassifier.IsTransient(new HttpRequestException("connection refused")));
        Assert.False(FailureClassifier.IsTransient(new PermanentFormatException("x")));
        Assert.False(FailureClassifier.IsTransient(new FencingRejectedException(Guid.Empty, 1, "x")));
        Assert.False(FailureClassifier.IsTransient(new InvalidOperationException()));
        Assert.False(FailureClassifier.IsTransient(new OperationCanceledException()));
        Assert.Equal(TimeSpan.FromSeconds(2), FailureClassifier.RetryAfter(new TransientFormatException("x", TimeSpan.FromSeconds(2))));
    }
}

public sealed class TaskRetryPolicyTests
{
    private static TaskRetryPolicy Policy(int maxAttempts = 4) => new(
        new Jobs.StaticOptions<TaskRetryOptions>(new TaskRetryOptions { MaxTaskAttempts = maxAttempts, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) }),
        TestMetrics.Jobs(), TimeProvider.System);

    [Fact]
    public async Task Transient_failures_are_retried_until_success()
    {
        var tries = new List<int>();
        var result = await Policy().ExecuteAsync("f", (attempt, _) =>
        {
            tries.Add(attempt);
            return attempt <= 2 ? throw new TransientFormatException("flaky") : Task.FromResult("ok");
        }, TestContext.Current.CancellationToken);
        Assert.Equal("ok", result);
        Assert.Equal([1, 2, 3], tries);
    }

    [Fact]
    public async Task Permanent_failures_are_not_retried()
    {
        var tries = 0;
        await Assert.ThrowsAsync<PermanentFormatException>(() => Policy().ExecuteAsync<string>("f", (_, _) =>
        {
            tries++;
            throw new PermanentFormatException("no");
        }, TestContext.Current.CancellationToken));
        Assert.Equal(1, tries);
    }

    [Fact]
    public async Task Tries_run_out()
    {
        var tries = 0;
        await Assert.ThrowsAsync<TransientFormatException>(() => Policy(maxAttempts: 3).ExecuteAsync<string>("f", (_, _) =>
        {
            tries++;
            throw new TransientFormatException("still down");
        }, TestContext.Current.CancellationToken));
        Assert.Equal(3, tries);
    }
}
