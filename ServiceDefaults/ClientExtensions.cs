using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

// Equivalents of Aspire's AddRedisClient("redis") and AddNpgsqlDbContext<T>("platform"): same configuration keys
// (ConnectionStrings:{name}), a health check per client, tracing and metrics, and retry.
public static class ClientExtensions
{
    public static IHostApplicationBuilder AddRedisClient(this IHostApplicationBuilder builder, string connectionName)
    {
        var connectionString = RequiredConnectionString(builder.Configuration, connectionName);
        var options = ConfigurationOptions.Parse(connectionString);
        // Keep reconnecting in the background instead of failing start-up: Redis may restart under us (and does, in tests).
        options.AbortOnConnectFail = false;
        options.ConnectRetry = Math.Max(options.ConnectRetry, 5);
        options.ReconnectRetryPolicy = new ExponentialRetry(deltaBackOffMilliseconds: 250, maxDeltaBackOffMilliseconds: 5_000);
        options.ClientName ??= builder.Environment.ApplicationName;

        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        builder.Services.AddHealthChecks().AddRedis(sp => sp.GetRequiredService<IConnectionMultiplexer>(), name: connectionName, tags: ["ready"]);
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter("StackExchange.Redis"));
        return builder;
    }

    public static IHostApplicationBuilder AddNpgsqlDbContext<TContext>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<NpgsqlDbContextOptionsBuilder>? configureNpgsql = null,
        Action<DbContextOptionsBuilder>? configureDbContext = null)
        where TContext : DbContext
    {
        var connectionString = RequiredConnectionString(builder.Configuration, connectionName);
        var dataSource = new NpgsqlDataSourceBuilder(connectionString) { Name = connectionName };
        builder.Services.AddSingleton(_ => dataSource.Build());

        builder.Services.AddDbContextPool<TContext>((sp, options) =>
        {
            options.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>(), npgsql =>
            {
                npgsql.EnableRetryOnFailure(maxRetryCount: 6);
                configureNpgsql?.Invoke(npgsql);
            });
            configureDbContext?.Invoke(options);
        });

        builder.Services.AddHealthChecks().AddDbContextCheck<TContext>(name: connectionName, tags: ["ready"]);
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddNpgsql())
            .WithMetrics(metrics => metrics.AddNpgsqlInstrumentation());
        return builder;
    }

    private static string RequiredConnectionString(IConfiguration configuration, string connectionName) =>
        configuration.GetConnectionString(connectionName) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"ConnectionStrings:{connectionName} is not set. Start the service through AppHost (./run) or set ConnectionStrings__{connectionName}.");
}
