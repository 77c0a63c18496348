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
        await using var fresh = await node.Semaphore.TryAcquireAsync("user-jobs:7", 1, ct);
        Assert.NotNull(fresh);
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
        await using var next = await node.Lock.TryAcquireAsync("rescuer", TimeSpan.Zero, ct);
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
