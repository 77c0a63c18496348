using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Platform.Api.Infrastructure;

public static class DatabaseExtensions
{
    /// <summary>
    /// One PostgreSQL pool, Aspire's <see cref="NpgsqlDataSource"/>: the engine's hand-written SQL uses it directly and EF
    /// Core runs over it (so not Aspire's AddNpgsqlDbContext, which would build a second pool from the connection string).
    /// Aspire adds the health check, tracing and metrics, and EF's retry on transient failures.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformDatabase(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("platform", configureDataSourceBuilder: dataSource => dataSource.Name = "platform");
        builder.Services.AddDbContextPool<PlatformDbContext>((sp, db) => db
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>())
            .UseSnakeCaseNamingConvention());
        // The data source's PostgreSQL check already covers this pool; one check per server.
        builder.EnrichNpgsqlDbContext<PlatformDbContext>(settings => settings.DisableHealthChecks = true);
        builder.Services.AddSingleton<PostgresTransactions>();
        return builder;
    }
}
