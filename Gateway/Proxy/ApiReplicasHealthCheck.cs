using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Platform.Gateway.Proxy;

/// <summary>Part of the gateway's /health: how many Api destinations answer their probes. None means the gateway cannot
/// serve the app, so it is Unhealthy (503) and an orchestrator waiting for it keeps waiting.</summary>
internal sealed class ApiReplicasHealthCheck(IProxyStateLookup proxy) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var destinations = proxy.TryGetCluster(GatewayProxyConfig.ApiCluster, out var cluster) ? cluster.Destinations.Values.ToList() : [];
        var healthy = destinations.Count(d => d.Health.Active == DestinationHealth.Healthy && d.Health.Passive != DestinationHealth.Unhealthy);
        var description = $"{healthy}/{destinations.Count} Api replicas healthy";
        return Task.FromResult(healthy > 0 ? HealthCheckResult.Healthy(description) : HealthCheckResult.Unhealthy(description));
    }
}
