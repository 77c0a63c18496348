using Platform.Api.Ops;
using Platform.Integration.Tests.Jobs;
using StackExchange.Redis;

namespace Platform.Integration.Tests.Ops;

/// <summary>The instance registry in the AppHost's Redis, written and read as the Api replicas do.</summary>
[Collection(JobStoreCollection.Name)]
public sealed class InstanceHeartbeatTests(JobStoreFixture fixture)
{
    private static InstanceHeartbeatView Beat(string instance, DateTimeOffset lastSeen) =>
        new(instance, "api", lastSeen.AddMinutes(-5), lastSeen, 8, 0, []);

    [Fact]
    public async Task A_live_instance_whose_clock_lags_the_readers_is_not_removed()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.App.RedisConnectionString);
        var instance = $"api-{Guid.NewGuid():N}";
        // Written just now, by a replica whose clock is 20 s behind the reader's.
        await InstanceHeartbeat.WriteAsync(redis.GetDatabase(), Beat(instance, DateTimeOffset.UtcNow.AddSeconds(-20)));

        var listed = await InstanceHeartbeat.ReadAllAsync(redis);

        Assert.Contains(listed, b => b.Instance == instance);
        Assert.True(await redis.GetDatabase().HashExistsAsync(InstanceHeartbeat.Key, instance));
    }

    [Fact]
    public async Task An_instance_not_heard_from_for_the_stale_period_on_the_redis_clock_is_removed()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.App.RedisConnectionString);
        var db = redis.GetDatabase();
        var (gone, alive) = ($"api-{Guid.NewGuid():N}", $"api-{Guid.NewGuid():N}");
        await InstanceHeartbeat.WriteAsync(db, Beat(gone, DateTimeOffset.UtcNow));
        await InstanceHeartbeat.WriteAsync(db, Beat(alive, DateTimeOffset.UtcNow));
        // The last write of "gone" was 16 s ago on the Redis server's clock.
        var redisNowMs = (await redis.GetServers().Single().TimeAsync()).Subtract(DateTime.UnixEpoch).TotalMilliseconds;
        await db.SortedSetAddAsync(InstanceHeartbeat.SeenKey, gone, redisNowMs - InstanceHeartbeat.StaleAfter.TotalMilliseconds - 1000);

        var listed = await InstanceHeartbeat.ReadAllAsync(redis);

        Assert.DoesNotContain(listed, b => b.Instance == gone);
        Assert.Contains(listed, b => b.Instance == alive);
        Assert.False(await db.HashExistsAsync(InstanceHeartbeat.Key, gone));
    }
}
