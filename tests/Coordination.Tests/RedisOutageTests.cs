using System.Diagnostics;
using Platform.Coordination.Tests.Infrastructure;

namespace Platform.Coordination.Tests;

/// <summary>Tests that pause, restart or flush Redis, on their own server (one after another, each leaves it healthy).</summary>
[Collection(RedisOutageCollection.Name)]
public sealed class RedisOutageTests(OutageRedisFixture redis, ITestOutputHelper output)
{
    [Fact]
    public async Task Acquire_throws_CoordinationUnavailable_promptly_when_Redis_cannot_be_reached()
    {
        await using var node = await CoordinationNode.StartAsync($"127.0.0.1:{InfrastructureFixture.UnusedLoopbackPort()}");
        var ct = TestContext.Current.CancellationToken;

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<CoordinationUnavailableException>(() => node.Semaphore.TryAcquireAsync("host:example.org", 2, ct));
        await Assert.ThrowsAsync<CoordinationUnavailableException>(() => node.Semaphore.AcquireAsync("host:example.org", 2, TimeSpan.FromSeconds(5), ct));
        await Assert.ThrowsAsync<CoordinationUnavailableException>(() => node.Lock.TryAcquireAsync("rescuer", TimeSpan.FromSeconds(5), ct));
        output.WriteLine($"three acquires refused as unavailable in {clock.Elapsed.TotalMilliseconds:F1} ms");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Acquire_fails_as_unavailable_while_Redis_hangs_and_works_again_after_it_resumes()
    {
        await using var node = await CoordinationNode.StartAsync(redis.ConnectionString);
        var ct = TestContext.Current.CancellationToken;
        await using (var before = await node.Semaphore.TryAcquireAsync("host:a", 1, ct))
        {
            Assert.NotNull(before);
        }

        await redis.App.Redis.PauseAsync(ct);
        try
        {
            // Connected but silent: the command times out (AsyncTimeout 2 s here) and is reported as unavailable.
            var clock = Stopwatch.StartNew();
            await Assert.ThrowsAsync<CoordinationUnavailableException>(() => node.Semaphore.TryAcquireAsync("host:a", 1, ct));
            output.WriteLine($"acquire against a paused Redis failed as unavailable after {clock.ElapsedMilliseconds} ms");
        }
        finally
        {
            await redis.App.Redis.ResumeAsync(ct);
        }

        await node.WaitConnectedAsync(TimeSpan.FromSeconds(10));
        await using var after = await node.Semaphore.TryAcquireAsync("host:a", 1, ct);
        Assert.NotNull(after);
    }

    [Fact]
    public async Task Acquire_fails_as_unavailable_while_Redis_refuses_writes()
    {
        await using var node = await CoordinationNode.StartAsync(redis.ConnectionString);
        var ct = TestContext.Current.CancellationToken;
        var server = node.Redis.GetServers().Single();
        // A real refusal of a real server: a replica of a master that does not exist answers READONLY to every write.
        // (Redis 7.0 lets a flagless EVAL run under maxmemory, so OOM cannot be provoked for these scripts here; it is
        // classified the same way by its reply code.)
        (string Command, object[] Args, string Undo, object[] UndoArgs) fault =
            ("REPLICAOF", ["127.0.0.1", InfrastructureFixture.UnusedLoopbackPort()], "REPLICAOF", ["NO", "ONE"]);
        await server.ExecuteAsync(fault.Command, fault.Args);
        try
        {
            var error = await Assert.ThrowsAsync<CoordinationUnavailableException>(() => node.Semaphore.TryAcquireAsync("user-jobs:u1", 3, ct));
            output.WriteLine(error.Message);
            await Assert.ThrowsAsync<CoordinationUnavailableException>(() => node.Lock.TryAcquireAsync("rescuer", TimeSpan.Zero, ct));
        }
        finally
        {
            await server.ExecuteAsync(fault.Undo, fault.UndoArgs);
        }
        await node.WaitConnectedAsync(TimeSpan.FromSeconds(10));
        await using var after = await node.Semaphore.TryAcquireAsync("user-jobs:u1", 3, ct);
        Assert.NotNull(after);
    }

    [Fact]
    public async Task LeaseLost_fires_at_the_lease_deadline_when_renewals_keep_failing()
    {
        var lease = TimeSpan.FromSeconds(1.5);
        await using var node = await CoordinationNode.StartAsync(redis.ConnectionString,
            CoordinationNode.Leases(lease, TimeSpan.FromMilliseconds(300)));
        using var metrics = new MetricsRecorder(node);
        var ct = TestContext.Current.CancellationToken;
        var held = await node.Semaphore.TryAcquireAsync("model-endpoint", 3, ct);
        Assert.NotNull(held);
        var acquired = Stopwatch.StartNew();

        await redis.App.Redis.PauseAsync(ct);
        try
        {
            await held.LeaseLost.WhenCancelled().WaitAsync(lease + TimeSpan.FromSeconds(2), ct);
            output.WriteLine($"LeaseLost fired {acquired.ElapsedMilliseconds} ms after the grant (lease {lease.TotalMilliseconds} ms, Redis paused)");
            // At the local deadline (sent-at + lease, never later than the server's expiry), give or take scheduling on a
            // busy machine: not at the first failed renewal (300 ms), and not long after the lease.
            Assert.InRange(acquired.Elapsed, lease - TimeSpan.FromMilliseconds(500), lease + TimeSpan.FromSeconds(1));
        }
        finally
        {
            await redis.App.Redis.ResumeAsync(ct);
        }
        Assert.Equal(1, metrics.Sum("platform.coordination.lease.lost", "reason", "expired"));
        Assert.True(metrics.Sum("platform.coordination.lease.renewals", "outcome", "failed") >= 1);
        await held.DisposeAsync();
    }

    [Fact]
    public async Task Releasing_a_lease_whose_renewal_just_timed_out_does_not_throw()
    {
        // Seen in the chaos suite: a capture's host lease was lost at its deadline, the capture ended and released its
        // page lease — acquired with it, so at the same deadline — whose renewal had just timed out on another thread.
        // The renewal loop saw the release's stop after its timeout and let the TimeoutException out; the release threw
        // it into the job's `finally`, which replaced the reservation loss (requeue, nothing spent) by a failed capture.
        // Here the loop runs on one thread whose continuations queue: the timeout is queued while the thread sleeps, the
        // release comes first, then the loop sees its timeout.
        var lease = TimeSpan.FromSeconds(1.5);
        var ct = TestContext.Current.CancellationToken;
        await SingleThreadContext.RunAsync(async () =>
        {
            await using var node = await CoordinationNode.StartAsync(redis.ConnectionString,
                CoordinationNode.Leases(lease, TimeSpan.FromMilliseconds(300)));
            var held = await node.Semaphore.TryAcquireAsync("host:127.0.0.2", 2, ct);
            Assert.NotNull(held);
            await redis.App.Redis.PauseAsync(ct);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(700), ct); // the first renewal (at 300 ms) is sent and hangs
                Thread.Sleep(lease); // past the deadline: the renewal's wait times out; its continuation waits for us
                Assert.False(held.LeaseLost.IsCancellationRequested, "the loop has not run since");

                await held.DisposeAsync();
            }
            finally
            {
                await redis.App.Redis.ResumeAsync(ct);
            }
        });
    }

    [Fact]
    public async Task LeaseLost_fires_when_Redis_restarts_empty_and_the_slot_is_free_afterwards()
    {
        var lease = TimeSpan.FromSeconds(2);
        await using var node = await CoordinationNode.StartAsync(redis.ConnectionString,
            CoordinationNode.Leases(lease, TimeSpan.FromMilliseconds(400)));
        using var metrics = new MetricsRecorder(node);
        var ct = TestContext.Current.CancellationToken;
        var held = await node.Semaphore.TryAcquireAsync("user-jobs:7", 1, ct);
        Assert.NotNull(held);

        var clock = Stopwatch.StartNew();
        await redis.App.Redis.RestartAsync(ct);
        await held.LeaseLost.WhenCancelled().WaitAsync(lease + TimeSpan.FromSeconds(3), ct);
        output.WriteLine($"LeaseLost fired {clock.ElapsedMilliseconds} ms after the restart began");
        Assert.Equal(1, metrics.Sum("platform.coordination.lease.lost"));
        await held.DisposeAsync();

        await node.WaitConnectedAsync(TimeSpan.FromSeconds(10));
        // This process saw the epoch before the restart: the slot is granted again once a lease duration has passed.
        await using var fresh = await node.Semaphore.AcquireAsync("user-jobs:7", 1, lease * 3, ct);
        Assert.NotNull(fresh);
    }

    [Fact]
    public async Task After_Redis_forgets_its_leases_no_slot_is_granted_until_their_holders_have_had_a_lease_duration_to_notice()
    {
        var lease = TimeSpan.FromSeconds(2);
        var settings = CoordinationNode.Leases(lease, TimeSpan.FromMilliseconds(400));
        await using var holder = await CoordinationNode.StartAsync(redis.ConnectionString, settings);
        await using var other = await CoordinationNode.StartAsync(redis.ConnectionString, settings);
        using var metrics = new MetricsRecorder(other);
        var ct = TestContext.Current.CancellationToken;
        const string host = "host:198.51.100.7";
        // A wait: an earlier test's flush may still hold grants back for its own lease duration.
        var held = await holder.Semaphore.AcquireAsync(host, 1, TimeSpan.FromSeconds(15), ct);
        Assert.NotNull(held);
        Assert.Null(await other.Semaphore.TryAcquireAsync(host, 1, ct)); // at the limit; the other process has seen the epoch

        await other.Redis.GetServers()[0].FlushAllDatabasesAsync();
        var forgotten = Stopwatch.StartNew();
        // The holder still believes it holds the slot until its next renewal: handing the slot out now would make two.
        Assert.Null(await other.Semaphore.TryAcquireAsync(host, 1, ct));
        Assert.Null(await other.Semaphore.TryAcquireAsync("host:203.0.113.9", 1, ct)); // no slot of any resource
        Assert.Equal(1, metrics.Sum("platform.coordination.epochs.forgotten"));
        await held.LeaseLost.WhenCancelled().WaitAsync(lease + TimeSpan.FromSeconds(2), ct);
        var noticed = forgotten.Elapsed;
        await held.DisposeAsync();

        await using var next = await other.Semaphore.AcquireAsync(host, 1, lease * 3, ct);
        Assert.NotNull(next);
        var granted = forgotten.Elapsed;
        output.WriteLine($"holder noticed after {noticed.TotalMilliseconds:F0} ms, slot granted again after {granted.TotalMilliseconds:F0} ms");
        Assert.True(granted >= lease - TimeSpan.FromMilliseconds(100), $"granted after {granted}, before a lease duration ({lease})");
        Assert.True(granted > noticed);
    }

    [Fact]
    public async Task LeaseLost_fires_after_FLUSHALL_and_fencing_tokens_still_increase()
    {
        await using var node = await CoordinationNode.StartAsync(redis.ConnectionString,
            CoordinationNode.Leases(TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(300)));
        var ct = TestContext.Current.CancellationToken;

        var held = await node.Lock.TryAcquireAsync("rescuer", TimeSpan.FromSeconds(10), ct);
        Assert.NotNull(held);
        await node.Redis.GetServers()[0].FlushAllDatabasesAsync();
        await held.LeaseLost.WhenCancelled().WaitAsync(TimeSpan.FromSeconds(3), ct);
        await held.DisposeAsync();

        // The fencing counter was flushed too; it is re-seeded from the server clock, so tokens still go up.
        // Granted again once a lease duration has passed (this process saw the epoch before the flush).
        await using var next = await node.Lock.TryAcquireAsync("rescuer", TimeSpan.FromSeconds(10), ct);
        Assert.NotNull(next);
        output.WriteLine($"token before FLUSHALL {held.FencingToken}, after {next.FencingToken}");
        Assert.True(next.FencingToken > held.FencingToken);
    }
}

internal static class CancellationTokenExtensions
{
    public static Task WhenCancelled(this CancellationToken token)
    {
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => fired.TrySetResult());
        return fired.Task;
    }
}
