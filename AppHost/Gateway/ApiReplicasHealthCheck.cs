using Microsoft.Extensions.Diagnostics.HealthChecks;
using Platform.AppHost.Orchestration;

namespace Platform.AppHost.Gateway;

/// <summary>Part of the gateway's /health: how many Api replicas it can route to. None is Degraded, not Unhealthy:
/// the gateway itself still works (and serves the web app).</summary>
internal sealed class ApiReplicasHealthCheck(ApiReplicaSet replicas) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var total = replicas.All.Count;
        var serving = replicas.All.Count(r => replicas.IsServing(r.Name));
        var description = $"{serving}/{total} Api replicas healthy";
        return Task.FromResult(serving > 0 || total == 0 ? HealthCheckResult.Healthy(description) : HealthCheckResult.Degraded(description));
    }
}
