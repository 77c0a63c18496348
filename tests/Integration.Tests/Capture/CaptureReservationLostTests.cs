using System.Text.Json;
using Platform.Api.Dispatch;
using Platform.Fixtures;
using Platform.Integration.Tests.Jobs;
using StackExchange.Redis;

namespace Platform.Integration.Tests.Capture;

/// <summary>
/// A fault delays work, never fails it: a capture whose reservation Redis forgets (here its host politeness slot's lease
/// is deleted, as a Redis restarted empty would) stops, and its job goes back to the queue with its attempt unspent and
/// completes on the next claim. Retried in place instead, each loss would spend one of the task's tries, and a job whose
/// reservation is lost on every try (Redis faults back to back) would fail.
/// </summary>
[Collection(CaptureCollection.Name)]
public sealed class CaptureReservationLostTests(CaptureAppFixture fixture)
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(120);

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_capture_whose_reservation_redis_forgot_is_requeued_with_its_attempt_unspent_and_completes()
    {
        await using var site = await FixtureSite.StartAsync(hostCount: 1);
        using var user = await fixture.NewUserAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.App.RedisConnectionString);
        var db = redis.GetDatabase();
        var hostSlots = (RedisKey)$"platform:sem:host:{site.Hosts[0].Host}";

        // 12 s to load: longer than the 5 s between two renewals of the reservation's leases.
        var jobId = await user.SubmitAcceptedAsync(new
        {
            source = new { url = site.Url("slow?ms=12000").AbsoluteUri },
            formats = new[] { "markdown", "metadata" },
            options = new { },
        });

        // Mid-capture: the job runs and its host slot is held, by the claim's reservation.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!(await user.GetJobAsync(jobId)).GetProperty("state").ValueEquals("running") || await db.SortedSetLengthAsync(hostSlots) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the job never ran with its host slot held");
            await Task.Delay(50, Ct);
        }
        Assert.True(await db.KeyDeleteAsync(hostSlots), "the host slot's semaphore was not in Redis");

        Assert.Equal("completed", await user.WaitForStateAsync(jobId, JobTimeout, "completed", "failed", "partial", "cancelled"));
        var job = await user.GetJobAsync(jobId);
        var states = (await user.EventsAsync(jobId))
            .Where(e => e.GetProperty("type").ValueEquals("job.state"))
            .Select(e => e.GetProperty("data"))
            .ToList();
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", states.Select(s => s.GetRawText())));

        // Handed back once, for the reservation, and run again as the same attempt.
        var requeued = Assert.Single(states, s => s.GetProperty("state").ValueEquals("queued") && s.TryGetProperty("reason", out _));
        Assert.Equal(HandBackReasons.CaptureReservationLost, requeued.GetProperty("reason").GetString());
        Assert.Equal(1, requeued.GetProperty("attempt").GetInt32());
        Assert.Equal(1, job.GetProperty("attempt").GetInt32());
        Assert.Equal(2, states.Count(s => s.GetProperty("state").ValueEquals("running")));
        // No try of either task was spent on the loss: the one that counted is the run after it.
        Assert.All(job.GetProperty("tasks").EnumerateArray(), t =>
        {
            Assert.Equal("completed", t.GetProperty("state").GetString());
            Assert.Equal(1, t.GetProperty("attempts").GetInt32());
        });
    }
}
