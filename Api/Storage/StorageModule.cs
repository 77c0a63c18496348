using Platform.Api.Extensions;

namespace Platform.Api.Storage;

/// <summary>Retention and the per-user quota: options validated at start-up, the purge loop on every replica.</summary>
public sealed class StorageModule : IApiModule
{
    public void AddServices(IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHostedService<RetentionService>();
    }
}
