using StackExchange.Redis;

namespace Platform.Coordination;

/// <summary>
/// A registry of live service instances in Redis: each instance writes its entry (any text, JSON by convention) into the
/// hash <see cref="Key"/> and, in the same script, the write time on the Redis server's clock into the sorted set
/// <see cref="SeenKey"/>. Readers remove entries not written for a while in the same script that reads (atomic, one
/// clock), so a killed instance disappears by itself and a live one is never removed by a reader with another clock.
/// Used by the Api replicas' heartbeats ("platform:instances") and the Scraper replicas' capacity ("platform:scrapers").
/// </summary>
public sealed class InstanceRegistry(string key)
{
    public RedisKey Key { get; } = key;

    public RedisKey SeenKey { get; } = key + ":seen";

    private const string WriteScript = """
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        local t = redis.call('TIME')
        redis.call('ZADD', KEYS[2], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
        return 1
        """;

    private const string LeaveScript = """
        redis.call('HDEL', KEYS[1], ARGV[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        return 1
        """;

    /// <summary>Removes entries not written for ARGV[1] ms (Redis clock), then returns the rest, in one atomic step.</summary>
    private const string ReadScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - tonumber(ARGV[1])))
        for _, instance in ipairs(stale) do
            redis.call('HDEL', KEYS[1], instance)
            redis.call('ZREM', KEYS[2], instance)
        end
        return redis.call('HGETALL', KEYS[1])
        """;

    /// <summary>One beat: the entry and its write time on the Redis server's clock, together.</summary>
    public Task WriteAsync(IDatabase db, string instance, string entry) =>
        db.ScriptEvaluateAsync(WriteScript, [Key, SeenKey], [instance, entry]);

    /// <summary>Leaves at once rather than waiting to be considered stale (a graceful stop).</summary>
    public Task LeaveAsync(IDatabase db, string instance, CommandFlags flags = CommandFlags.None) =>
        db.ScriptEvaluateAsync(LeaveScript, [Key, SeenKey], [instance], flags);

    /// <summary>The entries written within <paramref name="staleAfter"/> (the older ones are removed), by instance.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ReadLiveAsync(IDatabase db, TimeSpan staleAfter)
    {
        var reply = (RedisResult[])(await db.ScriptEvaluateAsync(ReadScript, [Key, SeenKey], [(long)staleAfter.TotalMilliseconds]))!;
        var live = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < reply.Length; i += 2)
        {
            live[reply[i - 1].ToString()] = reply[i].ToString();
        }
        return live;
    }
}
