using Microsoft.Extensions.DependencyInjection;
using Platform.Coordination.Tests.Infrastructure;

namespace Platform.Coordination.Tests;

[Collection(RedisCollection.Name)]
public sealed class RateLimitTests(RedisFixture redis)
{
    private static string NewKey() => $"test:{Guid.NewGuid():N}";

    [Fact]
    public async Task A_burst_of_the_permit_limit_passes_across_replicas_then_the_next_is_refused_with_the_time_to_the_next_permit()
    {
        await using var a = await CoordinationNode.StartAsync(redis.ConnectionString);
        await using var b = await CoordinationNode.StartAsync(redis.ConnectionString);
        var limits = new[] { a, b }.Select(n => n.Services.GetRequiredService<RedisRateLimits>()).ToArray();
        var rule = new RateLimitRule { PermitLimit = 6, Window = TimeSpan.FromMinutes(1) };
        var key = NewKey();

        var decisions = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => limits[i % 2].TryTakeAsync(key, rule, TestContext.Current.CancellationToken)));

        Assert.Equal(6, decisions.Count(d => d.Allowed));
        var refused = decisions.Where(d => !d.Allowed).ToList();
        Assert.Equal(4, refused.Count);
        // One permit comes back every 10 s; the first refused waits for it (less the ms since the burst began).
        Assert.All(refused, d => Assert.InRange(d.RetryAfter, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Permits_come_back_one_per_emission_interval_and_the_key_expires_when_the_bucket_is_full_again()
    {
        await using var node = await CoordinationNode.StartAsync(redis.ConnectionString);
        var limits = node.Services.GetRequiredService<RedisRateLimits>();
        var rule = new RateLimitRule { PermitLimit = 2, Window = TimeSpan.FromSeconds(1) };
        var key = NewKey();
        var ct = TestContext.Current.CancellationToken;

        Assert.True((await limits.TryTakeAsync(key, rule, ct)).Allowed);
        Assert.True((await limits.TryTakeAsync(key, rule, ct)).Allowed);
        var refused = await limits.TryTakeAsync(key, rule, ct);
        Assert.False(refused.Allowed);
        Assert.InRange(refused.RetryAfter, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(500));

        await Task.Delay(refused.RetryAfter + TimeSpan.FromMilliseconds(20), ct);
        Assert.True((await limits.TryTakeAsync(key, rule, ct)).Allowed);
        Assert.False((await limits.TryTakeAsync(key, rule, ct)).Allowed);

        await Task.Delay(TimeSpan.FromSeconds(1.1), ct);
        Assert.False(await node.Db.KeyExistsAsync(RedisRateLimits.KeyPrefix + key));
    }

    [Fact]
    public async Task An_unreachable_Redis_is_reported_as_unavailable()
    {
        await using var node = await CoordinationNode.StartAsync("127.0.0.1:1,connectTimeout=200");
        var limits = node.Services.GetRequiredService<RedisRateLimits>();
        await Assert.ThrowsAsync<CoordinationUnavailableException>(() =>
            limits.TryTakeAsync(NewKey(), new RateLimitRule(), TestContext.Current.CancellationToken));
    }
}
