using StackExchange.Redis;

namespace Platform.Coordination;

/// <summary>
/// What counts as "Redis failed" for code that carries on without it. StackExchange.Redis throws
/// <see cref="RedisTimeoutException"/> — a <see cref="TimeoutException"/>, not a <see cref="RedisException"/> — when a
/// command times out, including in its backlog while Redis is down: catching only <see cref="RedisException"/> lets that
/// one escape (seen: it ended a Scraper's capacity advertisement loop, and with it the Scraper, during a Redis outage).
/// </summary>
public static class RedisFailures
{
    public static bool IsFailure(Exception e) => e is RedisException or RedisTimeoutException;
}
