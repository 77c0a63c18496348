using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Api.Accounts;
using Platform.Api.Apis;
using Platform.Api.Dispatch;
using Platform.Api.Formats;
using Platform.Api.Infrastructure;
using Platform.Api.Jobs;
using Platform.Api.Jobs.Submission;
using Platform.Api.Live;
using Platform.Api.Ops;
using Platform.Api.Security;

namespace Platform.Api.Extensions;

public static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddPlatformDatabase();
        builder.AddRedisClient("redis", configureOptions: RedisClientDefaults.Apply);
        builder.Services.AddCoordination(builder.Configuration);

        builder.AddApiModules();
        builder.AddAccounts();
        builder.AddAbuseProtection();
        builder.AddFormats();
        builder.AddJobEngine();
        builder.AddApiPlumbing();
    }

    /// <summary>
    /// One PostgreSQL pool, Aspire's <see cref="NpgsqlDataSource"/>: the engine's hand-written SQL uses it directly and EF
    /// Core runs over it (so not Aspire's AddNpgsqlDbContext, which would build a second pool from the connection string).
    /// Aspire adds the health check, tracing and metrics, and EF's retry on transient failures.
    /// </summary>
    private static void AddPlatformDatabase(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("platform", configureDataSourceBuilder: dataSource => dataSource.Name = "platform");
        builder.Services.AddDbContextPool<PlatformDbContext>((sp, db) => db
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>())
            .UseSnakeCaseNamingConvention());
        // The data source's PostgreSQL check already covers this pool; one check per server.
        builder.EnrichNpgsqlDbContext<PlatformDbContext>(settings => settings.DisableHealthChecks = true);
    }

    /// <summary>Feature folders register themselves (see <see cref="IApiModule"/>) before the engine's TryAdd defaults.</summary>
    private static void AddApiModules(this IHostApplicationBuilder builder)
    {
        var modules = typeof(Extensions).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IApiModule).IsAssignableFrom(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
        foreach (var module in modules)
        {
            ((IApiModule)Activator.CreateInstance(module)!).AddServices(builder);
        }
    }

    private static void AddJobEngine(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<JobLimitsOptions>().BindConfiguration(JobLimitsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SubmissionLimits>().BindConfiguration(SubmissionLimits.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CaptureTargetOptions>().BindConfiguration(CaptureTargetOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<LeaseOptions>().BindConfiguration(LeaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DispatchOptions>().BindConfiguration(DispatchOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DrainOptions>().BindConfiguration(DrainOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TaskRetryOptions>().BindConfiguration(TaskRetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<InstanceIdentity>();
        services.AddSingleton<JobMetrics>();
        services.AddSingleton<PostgresTransactions>();

        // Submission and reads (per request).
        services.AddScoped<JobRequestValidator>();
        services.AddScoped<JobQueries>();
        services.AddScoped<OpsQueries>();
        services.AddSingleton<JobSubmitter>();
        services.AddSingleton<JobCommands>();

        // Live path: bounded publisher in front of the sink LiveModule registers (the SignalR hub's groups).
        services.AddSingleton<JobEventPublisher>();
        services.AddSingleton<IJobEventPublisher>(sp => sp.GetRequiredService<JobEventPublisher>());
        services.AddHostedService(sp => sp.GetRequiredService<JobEventPublisher>());

        // Dispatch and execution (one of each per replica).
        services.AddSingleton<ExecutingJobs>();
        services.AddSingleton<DispatchSignal>();
        services.AddSingleton<DispatchNotifier>();
        services.AddSingleton<JobQueue>();
        services.AddSingleton<QueueWaits>();
        services.AddSingleton<FencedJobWriter>();
        services.AddSingleton<TaskRetryPolicy>();
        services.AddSingleton<JobExecutor>();
        services.AddSingleton<CancelSignals>();
        services.AddHostedService(sp => sp.GetRequiredService<CancelSignals>());
        services.AddHostedService<DispatchNotificationListener>();
        // Hosts stop services in reverse order: the keeper goes on renewing (and seeing cancels) while the dispatcher
        // stops and hands its runs back.
        services.AddHostedService<LeaseKeeper>();
        services.AddHostedService<JobDispatcher>();
        services.AddHostedService<LeaseRescuer>();
        services.AddHostedService<InstanceHeartbeat>();
        services.AddSingleton<ReplicaDrain>();
        services.AddHealthChecks().AddCheck<ReplicaDrain>("drain");
    }

    /// <summary>Problem details for every error, camelCase JSON, the OpenAPI document, request size limits.</summary>
    private static void AddApiPlumbing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<SubmissionLimits>>((kestrel, limits) => kestrel.Limits.MaxRequestBodySize = limits.Value.MaxBodyBytes);
        builder.AddApiDocument();
    }

    public static void UseApiPipeline(this WebApplication app)
    {
        app.UseClientAddress();
        app.WarnAboutRetiredAccountSettings();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseCrossSiteRequestGuard();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi();
    }

    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        await db.Database.MigrateAsync();
        scope.ServiceProvider.EnsureDataProtectionKey();
        await scope.ServiceProvider.EnsureBootstrapAdminAsync();
    }
}
