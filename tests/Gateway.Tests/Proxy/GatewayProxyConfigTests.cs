using Platform.Gateway.Proxy;
using Yarp.ReverseProxy.SessionAffinity;

namespace Platform.Gateway.Tests.Proxy;

public sealed class GatewayProxyConfigTests
{
    [Fact]
    public void Api_and_hubs_clusters_share_the_replicas_and_only_hubs_are_sticky()
    {
        var destinations = new Dictionary<string, string> { ["api-0"] = "http://localhost:5001/", ["api-1"] = "http://localhost:5002/" };

        var clusters = GatewayProxyConfig.Clusters(destinations, TimeSpan.FromSeconds(1)).ToDictionary(c => c.ClusterId);

        var api = clusters[GatewayProxyConfig.ApiCluster];
        var hubs = clusters[GatewayProxyConfig.HubsCluster];
        Assert.Equal(["api-0", "api-1"], api.Destinations!.Keys.Order());
        Assert.Equal(api.Destinations!.Keys.Order(), hubs.Destinations!.Keys.Order());
        Assert.Equal("http://localhost:5002/", hubs.Destinations!["api-1"].Address);
        Assert.Null(api.SessionAffinity);
        Assert.Equal(SessionAffinityConstants.Policies.HashCookie, hubs.SessionAffinity!.Policy);
        Assert.Equal(".Platform.Affinity", hubs.SessionAffinity.AffinityKeyName);
        Assert.Equal("/hubs", hubs.SessionAffinity.Cookie!.Path);
        Assert.Equal(TimeSpan.FromSeconds(1), api.HealthCheck!.Active!.Interval);
        Assert.Equal("/health", api.HealthCheck.Active.Path);
    }

    [Theory]
    [InlineData("api-0", "api-0")]
    [InlineData("api-0[localhost:5001]", "api-0")]
    [InlineData("service-discovery[localhost:7000]", "service-discovery")]
    public void The_replica_header_names_the_instance_not_the_resolved_endpoint(string destinationId, string header)
    {
        Assert.Equal(header, GatewayProxyConfig.ReplicaName(destinationId));
    }
}
