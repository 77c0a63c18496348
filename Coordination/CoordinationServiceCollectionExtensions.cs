using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Platform.Coordination;

namespace Microsoft.Extensions.DependencyInjection;

public static class CoordinationServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IDistributedSemaphore"/> and <see cref="IDistributedLock"/> over the application's
    /// <c>IConnectionMultiplexer</c> (register it first: Aspire's <c>builder.AddRedisClient("redis", configureOptions: RedisClientDefaults.Apply)</c>), with options from the
    /// "Coordination" section validated at start-up and the "Platform.Coordination" meter.
    /// </summary>
    public static IServiceCollection AddCoordination(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<CoordinationOptions, CoordinationOptionsValidator>(configuration, CoordinationOptions.Section);
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CoordinationMetrics>();
        services.TryAddSingleton<RedisLeases>();
        services.TryAddSingleton<IDistributedSemaphore, RedisSemaphore>();
        services.TryAddSingleton<IDistributedLock, RedisLock>();
        services.TryAddSingleton<RedisRateLimits>();
        return services;
    }
}
