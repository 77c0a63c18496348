using StackExchange.Redis;

namespace Platform.Coordination;

/// <summary>
/// Rate limits shared by every replica: one Redis string per (policy, key) holding the GCRA "theoretical arrival time"
/// in ms on the Redis server's clock, updated by one atomic script. A key costs one small string that expires when its
/// bucket is full again. Throws <see cref="CoordinationUnavailableException"/> when Redis cannot answer; the caller
/// decides whether to fail open.
/// </summary>
public sealed class RedisRateLimits(IConnectionMultiplexer redis)
{
    public const string KeyPrefix = "platform:rate:";

    /// <summary>
    /// KEYS[1] the bucket; ARGV[1] emission interval ms, ARGV[2] permit limit. Returns {1, 0} allowed or {0, ms until the
    /// next permit}. TAT = when the bucket would be full again; a request fits while TAT + interval - now ≤ limit × interval.
    /// </summary>
    private const string Take = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local interval = tonumber(ARGV[1])
        local burst = interval * tonumber(ARGV[2])
        local tat = tonumber(redis.call('GET', KEYS[1]) or now)
        if tat < now then tat = now end
        local new_tat = tat + interval
        if new_tat - now > burst then
          return {0, new_tat - burst - now}
        end
        redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now)
        return {1, 0}
        """;

    /// <summary>Takes one permit of <paramref name="rule"/> for <paramref name="key"/> (e.g. "login-ip:203.0.113.7").</summary>
    public async Task<RateLimitDecision> TryTakeAsync(string key, RateLimitRule rule, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (!redis.IsConnected)
        {
            throw new CoordinationUnavailableException("Redis is not connected; rate limits are unavailable.");
        }
        var interval = Math.Max(1L, (long)rule.EmissionInterval.TotalMilliseconds);
        RedisResult result;
        try
        {
            result = await redis.GetDatabase()
                .ScriptEvaluateAsync(Take, [KeyPrefix + key], [interval, rule.PermitLimit])
                .WaitAsync(ct);
        }
        catch (Exception ex) when (RedisLeases.IsUnavailable(ex))
        {
            throw new CoordinationUnavailableException($"Redis is unavailable: {ex.Message}", ex);
        }
        var answer = (RedisResult[])result!;
        return (long)answer[0] == 1 ? RateLimitDecision.Allow : new RateLimitDecision(false, TimeSpan.FromMilliseconds((long)answer[1]));
    }
}
