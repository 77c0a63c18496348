using Microsoft.AspNetCore.Http;
using Platform.AppHost.Orchestration;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.SessionAffinity;
using Yarp.ReverseProxy.Transforms;

namespace Platform.AppHost.Gateway;

/// <summary>
/// YARP routes: /api/** round-robin over the Api replicas (REST is stateless); /hubs/** over the same replicas with
/// cookie affinity, because a SignalR connection's negotiate and its WebSocket must reach the same replica.
/// </summary>
internal static class GatewayProxyConfig
{
    public const string ApiCluster = "api";
    public const string HubsCluster = "hubs";

    /// <summary>Which Api replica answered; lets tests (and curious operators) see the load balancing.</summary>
    public const string ReplicaHeader = "X-Platform-Replica";

    public const string AffinityCookie = ".Platform.Affinity";

    public static readonly string[] ApiClusters = [ApiCluster, HubsCluster];

    public static IReadOnlyList<RouteConfig> Routes { get; } =
    [
        new RouteConfig { RouteId = "api", ClusterId = ApiCluster, Match = new RouteMatch { Path = "/api/{**rest}" } },
        new RouteConfig { RouteId = "hubs", ClusterId = HubsCluster, Match = new RouteMatch { Path = "/hubs/{**rest}" } },
    ];

    public static IReadOnlyList<ClusterConfig> Clusters(IReadOnlyList<Resource> apiReplicas, TimeSpan healthCheckInterval)
    {
        var destinations = apiReplicas.ToDictionary(r => r.Name, r => new DestinationConfig { Address = r.Url!.ToString() });
        var health = new HealthCheckConfig
        {
            // Probing keeps a replica that stopped answering out of rotation; the supervisor's state changes act at once.
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true,
                Interval = healthCheckInterval,
                Timeout = TimeSpan.FromSeconds(3),
                Policy = SupervisedHealthPolicy.PolicyName,
                Path = "/health",
            },
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true,
                Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate,
                ReactivationPeriod = TimeSpan.FromSeconds(5),
            },
            // If every replica looks unhealthy (say Redis is down for all), try them anyway rather than answer 503.
            AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
        };
        return
        [
            new ClusterConfig
            {
                ClusterId = ApiCluster,
                LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin,
                HealthCheck = health,
                Destinations = destinations,
            },
            new ClusterConfig
            {
                ClusterId = HubsCluster,
                LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin,
                HealthCheck = health,
                Destinations = destinations,
                SessionAffinity = new SessionAffinityConfig
                {
                    Enabled = true,
                    // A hash of the destination id: no data-protection keys needed, stable across gateway restarts.
                    Policy = SessionAffinityConstants.Policies.HashCookie,
                    FailurePolicy = SessionAffinityConstants.FailurePolicies.Redistribute,
                    AffinityKeyName = AffinityCookie,
                    Cookie = new SessionAffinityCookieConfig
                    {
                        Path = "/hubs",
                        HttpOnly = true,
                        IsEssential = true,
                        SameSite = SameSiteMode.Lax,
                        SecurePolicy = CookieSecurePolicy.SameAsRequest,
                    },
                },
            },
        ];
    }

    public static ValueTask AddReplicaHeader(ResponseTransformContext context)
    {
        if (context.HttpContext.Features.Get<IReverseProxyFeature>()?.ProxiedDestination is { } destination)
        {
            context.HttpContext.Response.Headers[ReplicaHeader] = destination.DestinationId;
        }
        return ValueTask.CompletedTask;
    }
}
