namespace Platform.Api.Storage;

public static class StorageExtensions
{
    /// <summary>Retention and the per-user quota: options validated at start-up, the purge loop on every replica.</summary>
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<StorageOptions>(StorageOptions.Section);
        builder.Services.AddSingleton<StorageMetrics>();
        builder.Services.AddHostedService<RetentionService>();
        return builder;
    }
}
