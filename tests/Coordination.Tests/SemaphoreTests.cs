using System.Diagnostics;
using Platform.Coordination.Tests.Infrastructure;

namespace Platform.Coordination.Tests;

[Collection(RedisCollection.Name)]
public sealed class SemaphoreTests(RedisFixture redis, ITestOutputHelper output)
{
    private static string NewResource(string kind = "user-jobs") => $"{kind}:{Guid.NewGuid():N}";

    private static string SetKey(string resource) => "platform:sem:" + resource;

    private static string Channel(string resource) => "platform:sem:" + resource + ":released";

    [Fact]
    public async Task Limit_holds_under_fifty_concurrent_acquirers_across_five_replicas_and_waiters_do_not_spin()
    {
        var nodes = new List<CoordinationNode>();
        for (var i = 0; i < 5; i++)
        {
            nodes.Add(await CoordinationNode.StartAsync(redis.ConnectionString));
        }
        try
        {
            var resource = NewResource();
            const int limit = 3;
            int holders = 0, maxHolders = 0, served = 0;
            var scriptCallsBefore = await nodes[0].ScriptCallsAsync();
            var clock = Stopwatch.StartNew();

            await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
            {
                await using var lease = await nodes[i % nodes.Count].Semaphore.AcquireAsync(
                    resource, limit, TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
                Assert.NotNull(lease);
                var now = Interlocked.Increment(ref holders);
                int seen;
                while (now > (seen = Volatile.Read(ref maxHolders)) && Interlocked.CompareExchange(ref maxHolders, now, seen) != seen)
                {
                }
                Assert.True(await nodes[0].Db.SortedSetLengthAsync(SetKey(resource)) <= limit);
                await Task.Delay(Random.Shared.Next(5, 25));
                Interlocked.Decrement(ref holders);
                Interlocked.Increment(ref served);
            }));

            var scriptCalls = await nodes[0].ScriptCallsAsync() - scriptCallsBefore;
            output.WriteLine($"50 acquirers, limit {limit}, 5 replicas: {clock.ElapsedMilliseconds} ms, max holders {maxHolders}, {scriptCalls} script calls");
            Assert.Equal(50, served);
            Assert.Equal(limit, maxHolders);
            Assert.False(await nodes[0].Db.KeyExistsAsync(SetKey(resource)));
            // A grant costs an acquire and a release plus one woken attempt per replica and a few safety-net polls (~400).
            // Spinning would be thousands; waking every waiter on each release was ~1,200.
            Assert.True(scriptCalls < 1_000, $"{scriptCalls} script calls for 50 acquisitions");
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task TryAcquire_returns_null_at_the_limit_and_succeeds_once_a_slot_is_released()
    {
        await using var node = await CoordinationNode.StartAsync(redis.ConnectionString);
        var resource = NewResource("host");
        var ct = TestContext.Current.CancellationToken;

        var first = await node.Semaphore.TryAcquireAsync(resource, 2, ct);
        await using var second = await node.Semaphore.TryAcquireAsync(resource, 2, ct);
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.NotEqual(first.LeaseId, second.LeaseId);
        Assert.Null(await node.Semaphore.TryAcquireAsync(resource, 2, ct));

        await first.DisposeAsync();
        await using var third = await node.Semaphore.TryAcquireAsync(resource, 2, ct);
        Assert.NotNull(third);
        Assert.Equal(resource, third.Resource);
    }

    [Fact]
    public async Task Waiter_on_another_replica_is_woken_by_the_release_message_not_by_polling()
    {
        // The safety-net poll is 30 s and the earliest lease expiry is 15 s away, so only pub/sub can wake the waiter fast.
        await using var holderNode = await CoordinationNode.StartAsync(redis.ConnectionString);
        await using var waiterNode = await CoordinationNode.StartAsync(redis.ConnectionString,
            CoordinationNode.Leases(TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5), poll: TimeSpan.FromSeconds(30)));
        var resource = NewResource("model-endpoint");
        var ct = TestContext.Current.CancellationToken;

        var holder = await holderNode.Semaphore.TryAcquireAsync(resource, 1, ct);
        Assert.NotNull(holder);
        var waiting = waiterNode.Semaphore.AcquireAsync(resource, 1, TimeSpan.FromSeconds(20), ct);
        await waiterNode.WaitForSubscribersAsync(Channel(resource), 1, TimeSpan.FromSeconds(5));
        // Let the waiter finish its post-subscribe attempt and go to sleep.
        await Task.Delay(300, ct);
        Assert.False(waiting.IsCompleted);

        var clock = Stopwatch.StartNew();
        await holder.DisposeAsync();
        await using var lease = await waiting;
        var wake = clock.Elapsed;

        output.WriteLine($"release -> waiter granted on another replica: {wake.TotalMilliseconds:F1} ms");
        Assert.NotNull(lease);
        Assert.True(wake < TimeSpan.FromSeconds(1), $"woken after {wake}");
    }

    [Fact]
    public async Task Each_release_hands_its_slot_to_a_sleeping_waiter_without_relying_on_the_poll()
    {
        // One wake-up per release goes to one local waiter. The poll starts at 7.5 s here, so a wake-up lost in a race
        // (e.g. one landing while another waiter's attempt is in flight) shows as a stall. Many rounds widen the window.
        await using var holders = await CoordinationNode.StartAsync(redis.ConnectionString);
        await using var waiters = await CoordinationNode.StartAsync(redis.ConnectionString,
            CoordinationNode.Leases(TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5), poll: TimeSpan.FromSeconds(30)));
        var ct = TestContext.Current.CancellationToken;
        var slowest = TimeSpan.Zero;

        for (var round = 0; round < 30; round++)
        {
            var resource = NewResource("host");
            var held = new List<SemaphoreLease>();
            for (var i = 0; i < 2; i++)
            {
                held.Add((await holders.Semaphore.TryAcquireAsync(resource, 2, ct))!);
            }
            var waiting = Enumerable.Range(0, 4)
                .Select(_ => waiters.Semaphore.AcquireAsync(resource, 2, TimeSpan.FromSeconds(20), ct))
                .ToList();
            await waiters.WaitForSubscribersAsync(Channel(resource), 1, TimeSpan.FromSeconds(5));
            await Task.Delay(Random.Shared.Next(0, 30), ct);

            // Two releases -> both slots must reach two waiters (held, so no later release can mask a lost wake-up);
            // then their two releases -> the last two waiters.
            var clock = Stopwatch.StartNew();
            await ReleaseBothAsync(held);
            var handedOff = new List<SemaphoreLease>();
            for (var i = 0; i < 2; i++)
            {
                var done = await Task.WhenAny(waiting).WaitAsync(TimeSpan.FromSeconds(3), ct);
                waiting.Remove(done);
                handedOff.Add((await done)!);
            }
            Assert.All(waiting, w => Assert.False(w.IsCompleted));
            await ReleaseBothAsync(handedOff);
            var last = await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(3), ct);
            slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
            await ReleaseBothAsync(last.Select(l => l!).ToList());
        }

        output.WriteLine($"30 rounds of 2 slots handed through 4 waiters; slowest round {slowest.TotalMilliseconds:F1} ms");
        Assert.True(slowest < TimeSpan.FromSeconds(2), $"slowest round {slowest}");

        static async Task ReleaseBothAsync(List<SemaphoreLease> leases)
        {
            await leases[0].DisposeAsync();
            // Spaced by about one attempt's round trip, so the second wake-up often lands while the first woken waiter's
            // attempt is in flight: the case where a wake-up must be handed on.
            var gap = Stopwatch.StartNew();
            var spin = TimeSpan.FromMicroseconds(Random.Shared.Next(0, 400));
            while (gap.Elapsed < spin)
            {
                Thread.SpinWait(20);
            }
            await leases[1].DisposeAsync();
        }
    }

    [Fact]
    public async Task Lease_of_a_crashed_holder_is_reclaimed_after_the_lease_duration()
    {
        var lease = TimeSpan.FromSeconds(1.5);
        var crashed = await CoordinationNode.StartAsync(redis.ConnectionString,
            CoordinationNode.Leases(lease, TimeSpan.FromMilliseconds(400)));
        // A long poll on the survivor: it must wake at the expiry Redis reports, not by luck of polling.
        await using var survivor = await CoordinationNode.StartAsync(redis.ConnectionString,
            CoordinationNode.Leases(TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5), poll: TimeSpan.FromSeconds(30)));
        using var metrics = new MetricsRecorder(survivor);
        var resource = NewResource("host");
        var ct = TestContext.Current.CancellationToken;

        Assert.NotNull(await crashed.Semaphore.TryAcquireAsync(resource, 1, ct));
        await Task.Delay(500, ct); // at least one renewal happened
        await crashed.CrashAsync();
        var clock = Stopwatch.StartNew();

        Assert.Null(await survivor.Semaphore.TryAcquireAsync(resource, 1, ct));
        await using var reclaimed = await survivor.Semaphore.AcquireAsync(resource, 1, TimeSpan.FromSeconds(10), ct);
        var waited = clock.Elapsed;

        output.WriteLine($"crashed holder's slot reclaimed {waited.TotalMilliseconds:F0} ms after the crash (lease {lease.TotalMilliseconds} ms)");
        Assert.NotNull(reclaimed);
        Assert.InRange(waited, lease - TimeSpan.FromMilliseconds(400) - TimeSpan.FromMilliseconds(150), lease + TimeSpan.FromSeconds(1.5));
        Assert.Equal(1, metrics.Sum("platform.coordination.lease.reclaimed", "resource.kind", "host"));
    }

    [Fact]
    public async Task Key_of_an_abandoned_semaphore_vanishes_on_its_own()
    {
        var crashed = await CoordinationNode.StartAsync(redis.ConnectionString,
            CoordinationNode.Leases(TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(200)));
        await using var observer = await CoordinationNode.StartAsync(redis.ConnectionString);
        var resource = NewResource("host");
        var ct = TestContext.Current.CancellationToken;

        Assert.NotNull(await crashed.Semaphore.TryAcquireAsync(resource, 2, ct));
        await crashed.CrashAsync();
        Assert.True(await observer.Db.KeyExistsAsync(SetKey(resource)));

        // Nobody acquires again: the key's own TTL (its last lease + one lease) removes it.
        await Task.Delay(TimeSpan.FromMilliseconds(1300), ct);
        Assert.False(await observer.Db.KeyExistsAsync(SetKey(resource)));
    }

    [Fact]
    public async Task Renewal_keeps_a_lease_alive_well_beyond_the_lease_duration()
    {
        await using var holder = await CoordinationNode.StartAsync(redis.ConnectionString,
            CoordinationNode.Leases(TimeSpan.FromSeconds(1.5), TimeSpan.FromMilliseconds(300)));
        await using var other = await CoordinationNode.StartAsync(redis.ConnectionString);
        using var metrics = new MetricsRecorder(holder);
        var resource = NewResource();
        var ct = TestContext.Current.CancellationToken;

        await using var lease = await holder.Semaphore.TryAcquireAsync(resource, 1, ct);
        Assert.NotNull(lease);
        await Task.Delay(TimeSpan.FromSeconds(4), ct);

        Assert.False(lease.LeaseLost.IsCancellationRequested);
        Assert.NotNull(await holder.Db.SortedSetScoreAsync(SetKey(resource), lease.LeaseId));
        Assert.Null(await other.Semaphore.TryAcquireAsync(resource, 1, ct));
        // The key itself expires one lease after its longest lease, so an abandoned key vanishes.
        var ttl = await holder.Db.KeyTimeToLiveAsync(SetKey(resource));
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(3));
        var renewals = metrics.Sum("platform.coordination.lease.renewals", "outcome", "renewed");
        output.WriteLine($"{renewals} renewals in 4 s (interval 300 ms)");
        Assert.InRange(renewals, 5, 15);
    }

    [Fact]
    public async Task LeaseLost_fires_when_the_lease_key_is_deleted()
    {
        await using var node = await CoordinationNode.StartAsync(redis.ConnectionString,
            CoordinationNode.Leases(TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(500)));
        using var metrics = new MetricsRecorder(node);
        var resource = NewResource();
        var ct = TestContext.Current.CancellationToken;

        await using var lease = await node.Semaphore.TryAcquireAsync(resource, 1, ct);
        Assert.NotNull(lease);
        var lost = new TaskCompletionSource();
        lease.LeaseLost.Register(() => lost.TrySetResult());

        var clock = Stopwatch.StartNew();
        await node.Db.KeyDeleteAsync(SetKey(resource));
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(3), ct);

        output.WriteLine($"LeaseLost fired {clock.ElapsedMilliseconds} ms after the key was deleted (renew interval 500 ms)");
        Assert.Equal(1, metrics.Sum("platform.coordination.lease.lost", "reason", "missing"));
    }

    [Fact]
    public async Task Cancelling_a_waiting_acquire_returns_promptly_and_leaves_no_member_or_subscription_behind()
    {
        await using var node = await CoordinationNode.StartAsync(redis.ConnectionString);
        var resource = NewResource();
        var ct = TestContext.Current.CancellationToken;
        await using var holder = await node.Semaphore.TryAcquireAsync(resource, 1, ct);
        Assert.NotNull(holder);

        using var cancel = new CancellationTokenSource();
        var waiting = node.Semaphore.AcquireAsync(resource, 1, TimeSpan.FromSeconds(30), cancel.Token);
        await node.WaitForSubscribersAsync(Channel(resource), 1, TimeSpan.FromSeconds(5));

        var clock = Stopwatch.StartNew();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        output.WriteLine($"cancelled wait returned in {clock.Elapsed.TotalMilliseconds:F1} ms");
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(500), $"took {clock.Elapsed}");

        var members = await node.Db.SortedSetRangeByRankAsync(SetKey(resource));
        Assert.Equal([holder.LeaseId], members.Select(m => m.ToString()));
        await node.WaitForSubscribersAsync(Channel(resource), 0, TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Cancelling_an_acquire_whose_script_is_in_flight_leaves_no_member_even_if_Redis_grants_it()
    {
        await using var node = await CoordinationNode.StartAsync(redis.ConnectionString);
        await using var admin = await CoordinationNode.StartAsync(redis.ConnectionString);
        var resource = NewResource();
        var ct = TestContext.Current.CancellationToken;

        // Redis holds every client's commands for 1 s: the acquire script is sent but not yet run when we cancel.
        await admin.Db.ExecuteAsync("CLIENT", "PAUSE", "1000", "ALL");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => node.Semaphore.TryAcquireAsync(resource, 1, cancel.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(900), $"cancel took {clock.Elapsed}");

        // After the pause the script runs and grants; the compensating release queued behind it must remove the member.
        await Task.Delay(1300, ct);
        Assert.Equal(0, await node.Db.SortedSetLengthAsync(SetKey(resource)));
        await using var next = await admin.Semaphore.TryAcquireAsync(resource, 1, ct);
        Assert.NotNull(next);
    }

    [Fact]
    public async Task Acquire_returns_null_when_max_wait_runs_out()
    {
        await using var node = await CoordinationNode.StartAsync(redis.ConnectionString);
        using var metrics = new MetricsRecorder(node);
        var resource = NewResource();
        var ct = TestContext.Current.CancellationToken;
        await using var holder = await node.Semaphore.TryAcquireAsync(resource, 1, ct);

        var clock = Stopwatch.StartNew();
        var lease = await node.Semaphore.AcquireAsync(resource, 1, TimeSpan.FromMilliseconds(400), ct);

        Assert.Null(lease);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(390), TimeSpan.FromMilliseconds(1500));
        Assert.Equal(1, metrics.Sum("platform.coordination.acquire.refused"));
    }

    [Fact]
    public async Task Released_lease_does_not_fire_LeaseLost_and_dispose_is_idempotent()
    {
        await using var node = await CoordinationNode.StartAsync(redis.ConnectionString,
            CoordinationNode.Leases(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200)));
        var resource = NewResource();
        var ct = TestContext.Current.CancellationToken;

        var lease = await node.Semaphore.TryAcquireAsync(resource, 1, ct);
        Assert.NotNull(lease);
        await lease.DisposeAsync();
        await lease.DisposeAsync();
        await Task.Delay(1500, ct);

        Assert.False(lease.LeaseLost.IsCancellationRequested);
        Assert.False(await node.Db.KeyExistsAsync(SetKey(resource)));
    }

    [Fact]
    public async Task Metrics_are_tagged_with_the_resource_kind_never_the_id()
    {
        await using var node = await CoordinationNode.StartAsync(redis.ConnectionString);
        using var metrics = new MetricsRecorder(node);
        var userId = Guid.NewGuid().ToString("N");
        var resource = $"user-jobs:{userId}";
        var ct = TestContext.Current.CancellationToken;

        await using (var lease = await node.Semaphore.TryAcquireAsync(resource, 1, ct))
        {
            Assert.Null(await node.Semaphore.TryAcquireAsync(resource, 1, ct));
        }

        var waits = metrics.Of("platform.coordination.acquire.wait").ToList();
        Assert.Equal(["acquired", "refused"], waits.Select(m => (string)m.Tags["outcome"]!).Order());
        Assert.All(metrics.Measurements, m =>
        {
            Assert.Equal("user-jobs", m.Tags["resource.kind"]);
            Assert.Equal("semaphore", m.Tags["primitive"]);
            Assert.DoesNotContain(m.Tags.Values, v => v?.ToString()?.Contains(userId) == true);
        });
        Assert.Equal(1, metrics.Sum("platform.coordination.acquire.refused"));
        Assert.Single(metrics.Of("platform.coordination.hold.duration"), m => (string)m.Tags["outcome"]! == "released");
        Assert.Equal(0, metrics.Sum("platform.coordination.leases.held"));
    }

    [Fact]
    public async Task CountHolders_reads_live_leases_of_many_resources_without_taking_any_and_ignores_expired_ones()
    {
        await using var node = await CoordinationNode.StartAsync(redis.ConnectionString);
        var ct = TestContext.Current.CancellationToken;
        var (busy, half, empty) = (NewResource("host"), NewResource("host"), NewResource("host"));

        var leases = new List<SemaphoreLease>();
        for (var i = 0; i < 2; i++)
        {
            leases.Add((await node.Semaphore.TryAcquireAsync(busy, 2, ct))!);
        }
        leases.Add((await node.Semaphore.TryAcquireAsync(half, 2, ct))!);
        // A crashed holder's lease: its expiry (score) is in the past on the Redis clock, so it no longer counts.
        await node.Db.SortedSetAddAsync(SetKey(half), "crashed-holder", 1);

        Assert.Equal([2, 1, 0], await node.Semaphore.CountHoldersAsync([busy, half, empty], ct));
        Assert.Empty(await node.Semaphore.CountHoldersAsync([], ct));
        // Reading took nothing and removed nothing.
        Assert.Equal(2, await node.Db.SortedSetLengthAsync(SetKey(half)));
        Assert.False(await node.Db.KeyExistsAsync(SetKey(empty)));

        await leases[0].DisposeAsync();
        Assert.Equal([1, 1, 0], await node.Semaphore.CountHoldersAsync([busy, half, empty], ct));
        foreach (var lease in leases)
        {
            await lease.DisposeAsync();
        }
    }

    [Fact]
    public async Task IsHeld_is_true_for_another_replicas_live_lease_and_false_once_it_is_released_or_unknown()
    {
        await using var holder = await CoordinationNode.StartAsync(redis.ConnectionString);
        await using var other = await CoordinationNode.StartAsync(redis.ConnectionString);
        var ct = TestContext.Current.CancellationToken;
        var resource = NewResource("host");

        var lease = (await holder.Semaphore.TryAcquireAsync(resource, 2, ct))!;
        Assert.True(await other.Semaphore.IsHeldAsync(resource, lease.LeaseId, ct));
        Assert.False(await other.Semaphore.IsHeldAsync(resource, "someone:1:made-up", ct));
        Assert.False(await other.Semaphore.IsHeldAsync(NewResource("host"), lease.LeaseId, ct));

        await lease.DisposeAsync();
        Assert.False(await other.Semaphore.IsHeldAsync(resource, lease.LeaseId, ct));
    }
}
