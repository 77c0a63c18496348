using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.Options;

namespace Platform.Api.Live;

public static class LiveExtensions
{
    /// <summary>
    /// The live path: the bounded <see cref="JobEventPublisher"/> executors publish to, the hub sink behind it (the only
    /// <see cref="IJobEventSink"/>), the user notifier, and the jobs hub with the Redis backplane.
    /// </summary>
    public static IHostApplicationBuilder AddLive(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.AddValidatedOptions<LiveOptions>(LiveOptions.Section);
        services.AddSingleton<LiveMetrics>();
        services.AddSingleton<LiveBackplane>();
        services.AddSingleton<UserEventNotifier>();
        services.AddHostedService(sp => sp.GetRequiredService<UserEventNotifier>());
        services.AddSingleton<IJobEventSink, HubJobEventSink>();
        services.AddSingleton<JobEventPublisher>();
        services.AddSingleton<IJobEventPublisher>(sp => sp.GetRequiredService<JobEventPublisher>());
        services.AddHostedService(sp => sp.GetRequiredService<JobEventPublisher>());

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
        return builder;
    }
}
