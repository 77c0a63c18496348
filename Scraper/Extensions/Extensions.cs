using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Scraper.Admission;
using Platform.Scraper.Browser;
using Platform.Scraper.Capacity;
using Platform.Scraper.Capture;
using Platform.Scraper.Diagnostics;
using Platform.Scraper.Pages;

namespace Platform.Scraper.Extensions;

public static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddRedisClient("redis", configureOptions: RedisClientDefaults.Apply);
        builder.Services.AddCoordination(builder.Configuration);
        builder.Services.AddProblemDetails();

        builder.AddValidatedOptions<BrowserOptions>(BrowserOptions.Section);
        builder.AddValidatedOptions<PagePoolOptions>(PagePoolOptions.Section);
        builder.AddValidatedOptions<CaptureOptions>(CaptureOptions.Section);

        builder.Services.AddSingleton<ScraperMetrics>();
        builder.Services.AddSingleton<EgressProxy>();
        builder.Services.AddSingleton<BrowserHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BrowserHost>());
        builder.Services.AddHealthChecks().AddCheck<BrowserHealthCheck>("chromium", tags: ["ready"]);

        builder.Services.AddSingleton<PagePool>();
        builder.Services.AddSingleton<WarmContexts>();
        builder.Services.AddSingleton<MemoryPressure>();
        builder.Services.AddSingleton<HostResolver>();
        builder.Services.AddSingleton<AddressPolicy>();
        builder.Services.AddSingleton<HostPoliteness>();
        builder.Services.AddSingleton<PageScripts>();
        builder.Services.AddSingleton<CaptureLog>();
        builder.Services.AddSingleton<CaptureAdmission>();
        builder.Services.AddSingleton<CaptureRunner>();
        builder.Services.AddHostedService<CapacityAdvertisement>();
    }
}
