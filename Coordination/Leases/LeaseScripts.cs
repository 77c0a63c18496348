namespace Platform.Coordination;

// Every decision runs inside one Lua script so it is atomic, and every clock reading is Redis TIME so all replicas agree on
// expiry whatever their own clocks say. The key itself expires one lease after its last lease: live sets are cleaned by
// acquires (counted as reclaimed), and an abandoned key still vanishes on its own. StackExchange.Redis sends these with EVALSHA after the first call and falls back
// to EVAL when Redis has restarted and forgotten them.
internal static class LeaseScripts
{
    /// <summary>
    /// KEYS[1] lease set, KEYS[2] the Redis epoch (a hash), KEYS[3] fencing counter (locks only); ARGV[1] lease id, ARGV[2]
    /// limit, ARGV[3] lease ms, ARGV[4] the epoch this process last saw ('' if none yet).
    /// Returns {granted 1|0, expired leases reclaimed, ms until a retry can succeed (when refused), fencing token, epoch}.
    /// <para>
    /// The epoch is how Redis forgetting its leases (restarted empty, flushed) is noticed: it is made by the first acquire
    /// that finds none. When the process making it, or any process later, had seen an earlier epoch, the leases granted
    /// before may still be held by processes that have not noticed yet (they do at their next renewal); so nothing is
    /// granted for one lease duration from then (<c>quiet_until</c>), and every slot's old holders have had their renewal
    /// to find their lease missing and stop. A first start (no process saw an epoch) has nothing to wait for.
    /// </para>
    /// </summary>
    public const string Acquire = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local epoch = redis.call('HGET', KEYS[2], 'id')
        local forgot = ARGV[4] ~= '' and ARGV[4] ~= epoch
        if not epoch then
          epoch = t[1] .. string.format('%06d', tonumber(t[2]))
          redis.call('HSET', KEYS[2], 'id', epoch, 'noticed', forgot and 1 or 0, 'quiet_until', forgot and now + tonumber(ARGV[3]) or 0)
        elseif forgot and redis.call('HGET', KEYS[2], 'noticed') == '0' then
          redis.call('HSET', KEYS[2], 'noticed', 1, 'quiet_until', now + tonumber(ARGV[3]))
        end
        local quiet = tonumber(redis.call('HGET', KEYS[2], 'quiet_until')) - now
        if quiet > 0 then
          return {0, 0, quiet, 0, epoch}
        end
        local reclaimed = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
          local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
          return {0, reclaimed, tonumber(first[2]) - now, 0, epoch}
        end
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
        local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
        redis.call('PEXPIREAT', KEYS[1], tonumber(last[2]) + tonumber(ARGV[3]))
        local fence = 0
        if KEYS[3] then
          if redis.call('EXISTS', KEYS[3]) == 0 then
            redis.call('SET', KEYS[3], t[1] .. string.format('%06d', tonumber(t[2])))
          end
          fence = redis.call('INCR', KEYS[3])
        end
        return {1, reclaimed, 0, fence, epoch}
        """;

    /// <summary>
    /// KEYS[1] lease set; ARGV[1] lease id, ARGV[2] lease ms, ARGV[3] wake-up channel.
    /// Returns 1 renewed, 0 missing (deleted, reclaimed, Redis restarted empty), -1 already expired (removed now).
    /// </summary>
    public const string Renew = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if not score then
          return 0
        end
        if tonumber(score) <= now then
          redis.call('ZREM', KEYS[1], ARGV[1])
          redis.call('PUBLISH', ARGV[3], ARGV[1])
          return -1
        end
        redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
        local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
        redis.call('PEXPIREAT', KEYS[1], tonumber(last[2]) + tonumber(ARGV[2]))
        return 1
        """;

    /// <summary>KEYS[1] lease set; ARGV[1] lease id, ARGV[2] wake-up channel. Returns 1 when the lease was still there.</summary>
    public const string Release = """
        if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
          redis.call('PUBLISH', ARGV[2], ARGV[1])
          return 1
        end
        return 0
        """;

    /// <summary>KEYS = lease sets. Returns, per key, the leases not yet expired on the Redis clock. Read-only.</summary>
    public const string Count = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local counts = {}
        for i, key in ipairs(KEYS) do
          counts[i] = redis.call('ZCOUNT', key, '(' .. now, '+inf')
        end
        return counts
        """;

    /// <summary>KEYS[1] lease set; ARGV[1] lease id. Returns 1 when the lease is there and not expired on the Redis clock.</summary>
    public const string IsHeld = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if score and tonumber(score) > now then
          return 1
        end
        return 0
        """;
}
