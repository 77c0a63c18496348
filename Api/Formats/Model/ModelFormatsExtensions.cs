using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenAI;

namespace Platform.Api.Formats.Model;

public static class ModelFormatsExtensions
{
    /// <summary>
    /// Registers the model endpoint the llm-* formats share (<see cref="FormatsExtensions.AddFormats"/> registers the
    /// format classes themselves). Binds <see cref="ModelOptions"/> (section "Model", then ConnectionStrings:model) and, when an endpoint is
    /// configured, an <see cref="IChatClient"/> keyed "model". Without one the llm-* formats report IsEnabled = false
    /// and the registry does not offer them.
    /// </summary>
    public static IHostApplicationBuilder AddModelFormats(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.AddValidatedOptions<ModelOptions, ModelOptionsValidator>(ModelOptions.Section)
            .PostConfigure(o => o.ApplyConnectionString(configuration.GetConnectionString(ModelOptions.ConnectionStringName)));
        builder.Services.AddCoordination(configuration);
        builder.Services.TryAddSingleton<ModelMetrics>();

        builder.Services.TryAddKeyedSingleton<IChatClient>(ModelOptions.ConnectionStringName, (services, _) =>
        {
            var options = services.GetRequiredService<IOptions<ModelOptions>>().Value;
            var client = new OpenAIClient(new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? "unused" : options.ApiKey), new OpenAIClientOptions
            {
                Endpoint = new Uri(options.Endpoint!),
                // Retries belong to the job engine (backoff with jitter, Retry-After) so that no model slot is held while waiting.
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                NetworkTimeout = options.CallTimeout,
            });
            return client.GetChatClient(options.Model).AsIChatClient()
                .AsBuilder()
                .UseOpenTelemetry(sourceName: ModelMetrics.MeterName)
                .Build(services);
        });
        builder.Services.TryAddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<ModelOptions>>();
            return new ModelEndpoint(
                options.Value.IsConfigured ? services.GetRequiredKeyedService<IChatClient>(ModelOptions.ConnectionStringName) : null,
                services.GetRequiredService<Platform.Coordination.IDistributedSemaphore>(),
                options,
                services.GetRequiredService<ModelMetrics>(),
                services.GetRequiredService<TimeProvider>(),
                services.GetRequiredService<ILogger<ModelEndpoint>>());
        });
        return builder;
    }
}
