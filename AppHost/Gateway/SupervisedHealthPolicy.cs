using Platform.AppHost.Orchestration;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Platform.AppHost.Gateway;

/// <summary>The Api replicas behind the gateway, as the supervisor sees them.</summary>
internal sealed class ApiReplicaSet(IReadOnlyList<Resource> replicas)
{
    private readonly Dictionary<string, Resource> _byName = replicas.ToDictionary(r => r.Name);

    public IReadOnlyList<Resource> All => replicas;

    /// <summary>Healthy to the supervisor: not starting, paused, killed or stopping.</summary>
    public bool IsServing(string name) => _byName.TryGetValue(name, out var replica) && replica.State == ResourceState.Healthy;
}

/// <summary>
/// YARP's active health policy: a destination is healthy when its /health probe answered 2xx <em>and</em> the
/// supervisor considers the replica serving. The second half closes the race where a probe that began before a kill
/// or pause reports success afterwards.
/// </summary>
internal sealed class SupervisedHealthPolicy(IDestinationHealthUpdater updater, ApiReplicaSet replicas) : IActiveHealthCheckPolicy
{
    public const string PolicyName = "Supervised";

    public string Name => PolicyName;

    public void ProbingCompleted(ClusterState cluster, IReadOnlyList<DestinationProbingResult> probingResults)
    {
        if (probingResults.Count == 0)
        {
            return;
        }
        var updates = probingResults
            .Select(result => new NewActiveDestinationHealth(
                result.Destination,
                result.Response is { IsSuccessStatusCode: true } && replicas.IsServing(result.Destination.DestinationId)
                    ? DestinationHealth.Healthy
                    : DestinationHealth.Unhealthy))
            .ToList();
        updater.SetActive(cluster, updates);
    }
}

/// <summary>
/// Pushes the supervisor's state changes into YARP as they happen, so a replica that is killed, paused or restarting
/// leaves the rotation before the next probe (and before requests to it could fail), and rejoins once healthy.
/// </summary>
internal sealed class ReplicaHealthPublisher(IProxyStateLookup proxy, IDestinationHealthUpdater updater, ApiReplicaSet replicas) : IDisposable
{
    public void Start()
    {
        foreach (var replica in replicas.All)
        {
            replica.StateChanged += Publish;
        }
    }

    public void Dispose()
    {
        foreach (var replica in replicas.All)
        {
            replica.StateChanged -= Publish;
        }
    }

    private void Publish(Resource replica)
    {
        var health = replica.State == ResourceState.Healthy ? DestinationHealth.Healthy : DestinationHealth.Unhealthy;
        foreach (var clusterId in GatewayProxyConfig.ApiClusters)
        {
            if (proxy.TryGetCluster(clusterId, out var cluster) && cluster.Destinations.TryGetValue(replica.Name, out var destination))
            {
                updater.SetActive(cluster, [new NewActiveDestinationHealth(destination, health)]);
            }
        }
    }
}
