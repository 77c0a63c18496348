using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// How every Platform service connects to Redis, passed to Aspire's
/// <c>builder.AddRedisClient("redis", configureOptions: RedisClientDefaults.Apply)</c>.
/// </summary>
public static class RedisClientDefaults
{
    public static void Apply(ConfigurationOptions options)
    {
        // Keep reconnecting in the background instead of failing start-up: Redis may restart under us (and does, in tests).
        // Aspire's default already says so; we state it because the engine depends on it.
        options.AbortOnConnectFail = false;
        options.ConnectRetry = Math.Max(options.ConnectRetry, 5);
        // Back within seconds of a restart, not the client's default of up to 10 s between attempts.
        options.ReconnectRetryPolicy = new ExponentialRetry(deltaBackOffMilliseconds: 250, maxDeltaBackOffMilliseconds: 5_000);
        options.ClientName ??= AppDomain.CurrentDomain.FriendlyName;
    }
}
