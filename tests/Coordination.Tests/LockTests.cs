using Platform.Coordination.Tests.Infrastructure;

namespace Platform.Coordination.Tests;

[Collection(RedisCollection.Name)]
public sealed class LockTests(RedisFixture redis, ITestOutputHelper output)
{
    [Fact]
    public async Task Lock_is_exclusive_and_fencing_tokens_strictly_increase_across_replicas()
    {
        await using var a = await CoordinationNode.StartAsync(redis.ConnectionString);
        await using var b = await CoordinationNode.StartAsync(redis.ConnectionString);
        var name = $"rescuer:{Guid.NewGuid():N}";
        var ct = TestContext.Current.CancellationToken;
        var tokens = new List<long>();
        var inside = 0;
        var maxInside = 0;

        await Task.WhenAll(Enumerable.Range(0, 10).Select(async worker =>
        {
            var node = worker % 2 == 0 ? a : b;
            for (var i = 0; i < 5; i++)
            {
                await using var held = await node.Lock.TryAcquireAsync(name, TimeSpan.FromSeconds(30), ct);
                Assert.NotNull(held);
                var now = Interlocked.Increment(ref inside);
                maxInside = Math.Max(maxInside, now);
                // Safe without a local lock only because the distributed lock excludes every other worker.
                tokens.Add(held.FencingToken);
                await Task.Delay(Random.Shared.Next(1, 5), ct);
                Interlocked.Decrement(ref inside);
            }
        }));

        output.WriteLine($"50 acquisitions, tokens {tokens[0]} .. {tokens[^1]}");
        Assert.Equal(1, maxInside);
        Assert.Equal(50, tokens.Count);
        for (var i = 1; i < tokens.Count; i++)
        {
            Assert.True(tokens[i] > tokens[i - 1], $"token {i} = {tokens[i]} after {tokens[i - 1]}");
        }
    }

    [Fact]
    public async Task Second_replica_gets_the_lock_only_after_release_with_a_higher_token()
    {
        await using var a = await CoordinationNode.StartAsync(redis.ConnectionString);
        await using var b = await CoordinationNode.StartAsync(redis.ConnectionString);
        var name = $"migrations:{Guid.NewGuid():N}";
        var ct = TestContext.Current.CancellationToken;

        var first = await a.Lock.TryAcquireAsync(name, TimeSpan.Zero, ct);
        Assert.NotNull(first);
        Assert.Null(await b.Lock.TryAcquireAsync(name, TimeSpan.Zero, ct));
        Assert.Null(await b.Lock.TryAcquireAsync(name, TimeSpan.FromMilliseconds(200), ct));

        var waiting = b.Lock.TryAcquireAsync(name, TimeSpan.FromSeconds(10), ct);
        await first.DisposeAsync();
        await using var second = await waiting;

        Assert.NotNull(second);
        Assert.Equal(name, second.Name);
        Assert.True(second.FencingToken > first.FencingToken);
    }

    [Fact]
    public async Task Lock_name_that_would_collide_with_a_fencing_counter_is_rejected()
    {
        await using var node = await CoordinationNode.StartAsync(redis.ConnectionString);
        await Assert.ThrowsAsync<ArgumentException>(
            () => node.Lock.TryAcquireAsync("x:fence", TimeSpan.Zero, TestContext.Current.CancellationToken));
    }
}
