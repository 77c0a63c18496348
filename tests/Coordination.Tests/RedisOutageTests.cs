using System.Diagnostics;
using Platform.Coordination.Tests.Infrastructure;

namespace Platform.Coordination.Tests;

/// <summary>Tests that kill, restart or flush Redis: each gets its own server so the shared one is never disturbed.</summary>
[Collection(Name)]
public sealed class RedisOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    public const string Name = "redis outages";

    private RedisServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await RedisServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Acquire_throws_CoordinationUnavailable_promptly_when_Redis_cannot_be_reached()
    {
        await using var node = await CoordinationNode.StartAsync($"127.0.0.1:{RedisServer.FreeLoopbackPort()}");
        var ct = TestContext.Current.CancellationToken;

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<CoordinationUnavailableException>(() => node.Semaphore.TryAcquireAsync("host:example.org", 2, ct));
        await Assert.ThrowsAsync<CoordinationUnavailableException>(() => node.Semaphore.AcquireAsync("host:example.org", 2, TimeSpan.FromSeconds(5), ct));
        await Assert.ThrowsAsync<CoordinationUnavailableException>(() => node.Lock.TryAcquireAsync("rescuer", TimeSpan.FromSeconds(5), ct));
        output.WriteLine($"three acquires refused as unavailable in {clock.Elapsed.TotalMilliseconds:F1} ms");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Acquire_fails_as_unavailable_while_Redis_is_down_and_works_again_after_it_returns()
    {
        await using var node = await CoordinationNode.StartAsync(_server.ConnectionString);
        var ct = TestContext.Current.CancellationToken;
        await using (var before = await node.Semaphore.TryAcquireAsync("host:a", 1, ct))
        {
            Assert.NotNull(before);
        }

        await _server.StopAsync();
        await Assert.ThrowsAsync<CoordinationUnavailableException>(() => node.Semaphore.TryAcquireAsync("host:a", 1, ct));

        await _server.StartAsync(TimeSpan.FromSeconds(10));
        await node.WaitConnectedAsync(TimeSpan.FromSeconds(10));
        await using var after = await node.Semaphore.TryAcquireAsync("host:a", 1, ct);
        Assert.NotNull(after);
    }

    [Fact]
    public async Task LeaseLost_fires_when_Redis_restarts_empty_and_the_slot_is_free_afterwards()
    {
        var lease = TimeSpan.FromSeconds(2);
        await using var node = await CoordinationNode.StartAsync(_server.ConnectionString,
            CoordinationNode.Leases(lease, TimeSpan.FromMilliseconds(400)));
        using var metrics = new MetricsRecorder(node);
        var ct = TestContext.Current.CancellationToken;
        var held = await node.Semaphore.TryAcquireAsync("user-jobs:7", 1, ct);
        Assert.NotNull(held);

        var clock = Stopwatch.StartNew();
        await _server.RestartAsync();
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
        await using var node = await CoordinationNode.StartAsync(_server.ConnectionString,
            CoordinationNode.Leases(TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(300)));
        var ct = TestContext.Current.CancellationToken;

        var held = await node.Lock.TryAcquireAsync("rescuer", TimeSpan.Zero, ct);
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
