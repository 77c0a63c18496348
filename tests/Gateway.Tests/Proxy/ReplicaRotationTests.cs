using Platform.Gateway.Proxy;

namespace Platform.Gateway.Tests.Proxy;

public sealed class ReplicaRotationTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(15);

    private static ReplicaRotation NewRotation() => new("api", StaleAfter);

    private static ReplicaHeartbeat Beat(string instance, int port, TimeSpan age = default, string service = "api") =>
        new(instance, service, Now - age, $"http://localhost:{port}");

    [Fact]
    public void Routes_through_service_discovery_until_a_replica_registers()
    {
        var rotation = NewRotation();

        Assert.True(rotation.IsServiceDiscoveryFallback);
        Assert.Equal(new Dictionary<string, string> { [ReplicaRotation.ServiceDiscoveryDestination] = "http://api" }, rotation.Destinations);
    }

    [Fact]
    public void Live_replicas_become_the_destinations_by_instance_id_and_are_reported_as_joined()
    {
        var rotation = NewRotation();

        var change = rotation.Apply([Beat("api-1", 5002), Beat("api-0", 5001, TimeSpan.FromSeconds(14))], Now);

        Assert.False(rotation.IsServiceDiscoveryFallback);
        Assert.Equal(new Dictionary<string, string> { ["api-0"] = "http://localhost:5001/", ["api-1"] = "http://localhost:5002/" }, rotation.Destinations);
        Assert.Equal(["api-0", "api-1"], change.Joined.Select(j => j.Key));
        Assert.Empty(change.Left);
    }

    [Fact]
    public void A_replica_whose_heartbeat_went_stale_leaves_the_rotation()
    {
        var rotation = NewRotation();
        rotation.Apply([Beat("api-0", 5001), Beat("api-1", 5002)], Now);

        var change = rotation.Apply([Beat("api-0", 5001), Beat("api-1", 5002, TimeSpan.FromSeconds(16))], Now);

        Assert.Equal(["api-0"], rotation.Destinations.Keys);
        Assert.Equal(["api-1"], change.Left);
        Assert.Empty(change.Joined);
    }

    [Fact]
    public void Heartbeats_of_other_services_or_without_a_usable_url_are_ignored()
    {
        var rotation = NewRotation();

        rotation.Apply(
        [
            Beat("api-0", 5001),
            Beat("scraper-0", 6001, service: "scraper"),
            new ReplicaHeartbeat("api-old", "api", Now, null),
            new ReplicaHeartbeat("api-odd", "api", Now, "unix:/tmp/api.sock"),
        ], Now);

        Assert.Equal(["api-0"], rotation.Destinations.Keys);
    }

    [Fact]
    public void Unchanged_heartbeats_change_nothing()
    {
        var rotation = NewRotation();
        rotation.Apply([Beat("api-0", 5001)], Now);
        var before = rotation.Destinations;

        var change = rotation.Apply([Beat("api-0", 5001)], Now + TimeSpan.FromSeconds(5));

        Assert.False(change.Any);
        Assert.Same(before, rotation.Destinations);
    }

    [Fact]
    public void A_replica_restarted_on_a_new_port_rejoins_at_its_new_address()
    {
        var rotation = NewRotation();
        rotation.Apply([Beat("api-0", 5001)], Now);

        var change = rotation.Apply([Beat("api-0", 5999)], Now);

        Assert.Equal("http://localhost:5999/", rotation.Destinations["api-0"]);
        Assert.Equal(["api-0"], change.Joined.Select(j => j.Key));
    }

    [Fact]
    public void Keeps_the_last_known_replicas_when_redis_cannot_be_read()
    {
        var rotation = NewRotation();
        rotation.Apply([Beat("api-0", 5001), Beat("api-1", 5002)], Now);

        var change = rotation.Apply(null, Now + TimeSpan.FromMinutes(5));

        Assert.False(change.Any);
        Assert.Equal(["api-0", "api-1"], rotation.Destinations.Keys.Order());
    }

    [Fact]
    public void Keeps_the_last_known_replicas_when_the_registry_is_empty_or_only_stale()
    {
        var rotation = NewRotation();
        rotation.Apply([Beat("api-0", 5001)], Now);

        Assert.False(rotation.Apply([], Now).Any);
        Assert.False(rotation.Apply([Beat("api-0", 5001, TimeSpan.FromMinutes(1))], Now).Any);
        Assert.Equal(["api-0"], rotation.Destinations.Keys);
    }

    [Fact]
    public void Stays_on_service_discovery_while_the_registry_is_unreadable_or_empty_from_the_start()
    {
        var rotation = NewRotation();

        rotation.Apply(null, Now);
        rotation.Apply([], Now);
        rotation.Apply([Beat("api-0", 5001, TimeSpan.FromSeconds(30))], Now);

        Assert.True(rotation.IsServiceDiscoveryFallback);
        Assert.Equal([ReplicaRotation.ServiceDiscoveryDestination], rotation.Destinations.Keys);
    }
}
