using Platform.Scraper.Browser;

namespace Platform.Scraper.Extensions;

public static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient("redis");

        builder.Services.AddOptions<BrowserOptions>()
            .BindConfiguration(BrowserOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<BrowserHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BrowserHost>());
        builder.Services.AddHealthChecks().AddCheck<BrowserHealthCheck>("chromium", tags: ["ready"]);
    }
}
