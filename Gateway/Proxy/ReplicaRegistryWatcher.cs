using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Yarp.ReverseProxy.Configuration;

namespace Platform.Gateway.Proxy;

/// <summary>
/// Keeps YARP's destinations equal to the live Api replicas. Under Aspire the replicas share one DCP proxy that
/// balances per TCP connection: YARP's pooled connections would pin to one replica and SignalR affinity could not
/// hold. So the gateway routes to each replica's own URL, read every second from the heartbeats the replicas write to
/// the Redis hash platform:instances. The gateway only reads that hash; the Api's readers remove stale entries.
/// </summary>
internal sealed class ReplicaRegistryWatcher(
    IConnectionMultiplexer redis,
    InMemoryConfigProvider proxyConfig,
    ReplicaRotation rotation,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    GatewayMetrics metrics,
    ILogger<ReplicaRegistryWatcher> logger) : BackgroundService
{
    /// <summary>Written by Api/Ops/InstanceHeartbeat.cs.</summary>
    public static readonly RedisKey RegistryKey = "platform:instances";

    private bool _registryUnreachable;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        metrics.ObserveApiDestinations(() => rotation.Destinations.Count);
        logger.LogInformation("Routing to {Address} (service discovery) until an Api replica registers", rotation.Destinations.Values.Single());

        using var timer = new PeriodicTimer(options.Value.RegistryRefreshInterval, time);
        try
        {
            do
            {
                await RefreshAsync();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RefreshAsync()
    {
        var change = rotation.Apply(await ReadRegistryAsync(), time.GetUtcNow());
        if (!change.Any)
        {
            return;
        }
        foreach (var (instance, url) in change.Joined)
        {
            logger.LogInformation("Api replica {Instance} joined the rotation at {Url}", instance, url);
        }
        foreach (var instance in change.Left)
        {
            logger.LogInformation("Api replica {Instance} left the rotation", instance);
        }
        proxyConfig.Update(GatewayProxyConfig.Routes, GatewayProxyConfig.Clusters(rotation.Destinations, options.Value.HealthCheckInterval));
    }

    /// <returns>The registry's heartbeats, or null when Redis cannot be read (the rotation then stays as it is).</returns>
    private async Task<IReadOnlyCollection<ReplicaHeartbeat>?> ReadRegistryAsync()
    {
        try
        {
            var entries = await redis.GetDatabase().HashGetAllAsync(RegistryKey);
            if (_registryUnreachable)
            {
                _registryUnreachable = false;
                logger.LogInformation("Replica registry readable again");
            }
            return [.. entries.Select(e => ReplicaHeartbeat.Parse(e.Value.ToString())).OfType<ReplicaHeartbeat>()];
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            if (!_registryUnreachable)
            {
                _registryUnreachable = true;
                logger.LogWarning("Replica registry unreadable ({Error}); keeping the {Count} known Api destinations", e.Message, rotation.Destinations.Count);
            }
            return null;
        }
    }
}
