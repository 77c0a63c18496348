using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.Options;

namespace Platform.Api.Live;

/// <summary>
/// The live path's wiring (found by reflection, runs before the engine's defaults): the jobs hub with the Redis
/// backplane, the hub sink that replaces the engine's default <see cref="IJobEventSink"/>, and the user notifier.
/// The engine's <see cref="JobEventPublisher"/> (the bounded queue in front of the sink) stays registered by the engine.
/// </summary>
public sealed class LiveModule : IApiModule
{
    public void AddServices(IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<LiveOptions>().BindConfiguration(LiveOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<LiveMetrics>();
        services.AddSingleton<LiveBackplane>();
        services.AddSingleton<UserEventNotifier>();
        services.AddHostedService(sp => sp.GetRequiredService<UserEventNotifier>());
        services.AddSingleton<IJobEventSink, HubJobEventSink>();

        services.AddSignalR().AddStackExchangeRedis();
        services.AddOptions<RedisOptions>().Configure<LiveBackplane>((redis, backplane) =>
        {
            redis.Configuration = backplane.Options();
            redis.ConnectionFactory = backplane.ConnectAsync;
        });
        services.AddOptions<HubOptions>().Configure<IOptions<LiveOptions>>((hub, live) =>
        {
            hub.KeepAliveInterval = live.Value.KeepAliveInterval;
            hub.ClientTimeoutInterval = live.Value.ClientTimeoutInterval;
            hub.StatefulReconnectBufferSize = live.Value.StatefulReconnectBufferSize;
        });
    }
}
