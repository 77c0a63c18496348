using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Platform.Gateway.Proxy;
using Platform.Gateway.Spa;
using StackExchange.Redis;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;

namespace Platform.Gateway.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.AddValidatedOptions<GatewayOptions>(GatewayOptions.Section)
            .PostConfigure<IHostEnvironment>((options, environment) => options.StaticFilesRoot ??= SpaFiles.DefaultRoot(environment.ContentRootPath));

        // Aspire's client, called by its class: ServiceDefaults has an AddRedisClient of the same shape. The gateway's
        // health is about the Api replicas; a Redis outage only freezes the rotation, so Redis is no health check here,
        // and a read while disconnected fails at once instead of waiting in the client's backlog (it is retried in 1 s).
        AspireRedisExtensions.AddRedisClient(builder, "redis",
            settings => settings.DisableHealthChecks = true,
            redis => redis.BacklogPolicy = BacklogPolicy.FailFast);

        services.AddProblemDetails();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<GatewayOptions>>().Value;
            return new ReplicaRotation(options.ApiService, options.ReplicaStaleAfter);
        });
        // The watcher replaces this configuration as replicas come and go.
        services.AddSingleton(sp => new InMemoryConfigProvider(
            GatewayProxyConfig.Routes,
            GatewayProxyConfig.Clusters(sp.GetRequiredService<ReplicaRotation>().Destinations, sp.GetRequiredService<IOptions<GatewayOptions>>().Value.HealthCheckInterval)));
        services.AddSingleton<IProxyConfigProvider>(sp => sp.GetRequiredService<InMemoryConfigProvider>());
        services.AddSingleton<GatewayMetrics>();
        services.AddHostedService<ReplicaRegistryWatcher>();
        services.AddReverseProxy()
            .AddServiceDiscoveryDestinationResolver()
            .AddTransforms(context => context.AddResponseTransform(GatewayProxyConfig.AddReplicaHeader));
        services.AddHealthChecks().AddCheck<ApiReplicasHealthCheck>("api-replicas");
        return builder;
    }
}
