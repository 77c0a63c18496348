using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Platform.Api.Admission;
using Platform.Api.Capture;
using Platform.Api.Dispatch;
using Platform.Api.Formats;
using Platform.Api.Formats.Model;
using Platform.Api.Formats.Text;
using Platform.Api.Infrastructure;
using Platform.Api.Jobs;
using Platform.Api.Jobs.Submission;
using Platform.Api.Live;
using Platform.Api.Ops;
using Platform.Api.Security;
using Platform.Api.Storage;

namespace Platform.Api.Extensions;

public static class Extensions
{
    /// <summary>
    /// Every feature folder's registrations, called in one deliberate order. Hosts start hosted services in registration
    /// order and stop them in reverse, so the order also says which background loop outlives which.
    /// </summary>
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddPlatformDatabase();
        builder.AddRedisClient("redis", configureOptions: RedisClientDefaults.Apply);
        builder.Services.AddCoordination(builder.Configuration);

        builder.AddAccounts();
        builder.AddAbuseProtection();
        builder.AddAdmission();
        builder.AddStorage();
        // Before AddFormats: its capture service and capacity are fallbacks (TryAdd) for when AddCapture is not called.
        builder.AddCapture();
        builder.AddTextFormats();
        builder.AddModelFormats();
        builder.AddFormats();
        builder.AddJobs();
        // Before AddDispatch: the live path starts before the executors that publish to it and stops after them.
        builder.AddLive();
        builder.AddDispatch();
        builder.AddOps();
        builder.AddApiPlumbing();
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
