using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.SessionAffinity;
using Yarp.ReverseProxy.Transforms;

namespace Platform.Gateway.Proxy;

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

    public static IReadOnlyList<RouteConfig> Routes { get; } =
    [
        new RouteConfig { RouteId = "api", ClusterId = ApiCluster, Match = new RouteMatch { Path = "/api/{**rest}" } },
        new RouteConfig { RouteId = "hubs", ClusterId = HubsCluster, Match = new RouteMatch { Path = "/hubs/{**rest}" } },
    ];

    /// <param name="destinations">Destination id (the replica's instance id) → base address.</param>
    public static IReadOnlyList<ClusterConfig> Clusters(IReadOnlyDictionary<string, string> destinations, TimeSpan healthCheckInterval)
    {
        var configs = destinations.ToDictionary(d => d.Key, d => new DestinationConfig { Address = d.Value }, StringComparer.Ordinal);
        var health = new HealthCheckConfig
        {
            // Probing keeps a replica that stopped answering (killed, paused) out of rotation until it answers again.
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true,
                Interval = healthCheckInterval,
                Timeout = TimeSpan.FromSeconds(3),
                Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
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
        var api = new ClusterConfig
        {
            ClusterId = ApiCluster,
            LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin,
            HealthCheck = health,
            // One failed probe takes a replica out (as the old supervised policy did); the next good one brings it back.
            Metadata = new Dictionary<string, string> { ["ConsecutiveFailuresHealthPolicy.Threshold"] = "1" },
            Destinations = configs,
        };
        var hubs = api with
        {
            ClusterId = HubsCluster,
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
        };
        return [api, hubs];
    }

    public static ValueTask AddReplicaHeader(ResponseTransformContext context)
    {
        if (context.HttpContext.Features.Get<IReverseProxyFeature>()?.ProxiedDestination is { } destination)
        {
            context.HttpContext.Response.Headers[ReplicaHeader] = ReplicaName(destination.DestinationId);
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>The service-discovery resolver renames every destination "id[endpoint]"; the replica is the id.</summary>
    public static string ReplicaName(string destinationId) =>
        destinationId.IndexOf('[', StringComparison.Ordinal) is > 0 and var bracket ? destinationId[..bracket] : destinationId;
}
