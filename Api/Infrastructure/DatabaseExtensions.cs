using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Platform.Api.Infrastructure;

public static class DatabaseExtensions
{
    /// <summary>
    /// One PostgreSQL pool, Aspire's <see cref="NpgsqlDataSource"/>: the engine's hand-written SQL uses it directly and EF
    /// Core runs over it (so not Aspire's AddNpgsqlDbContext, which would build a second pool from the connection string).
    /// Aspire adds the health check, tracing and metrics, and EF's retry on transient failures. A connection goes back to
    /// the pool without <c>DISCARD ALL</c> (one round trip saved per use, three on a job's way from submit to start): no
    /// code here leaves session state behind (locks are transaction-scoped, LISTEN has its own connection).
    /// Statements run twice on a connection are prepared on it (Npgsql's automatic preparation, up to 64 per connection):
    /// a job's few statements, run for every job, are parsed and planned once per pooled connection, not once per job.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformDatabase(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("platform", configureDataSourceBuilder: dataSource =>
        {
            dataSource.Name = "platform";
            dataSource.ConnectionStringBuilder.NoResetOnClose = true;
            dataSource.ConnectionStringBuilder.MaxAutoPrepare = 64;
            dataSource.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        });
        builder.Services.AddDbContextPool<PlatformDbContext>((sp, db) => db
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>())
            .UseSnakeCaseNamingConvention());
        // The data source's PostgreSQL check already covers this pool; one check per server.
        builder.EnrichNpgsqlDbContext<PlatformDbContext>(settings => settings.DisableHealthChecks = true);
        builder.Services.AddSingleton<PostgresTransactions>();
        return builder;
    }
}
