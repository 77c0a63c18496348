using Platform.Gateway.Proxy;

namespace Platform.Gateway.Tests.Proxy;

public sealed class ReplicaHeartbeatTests
{
    [Fact]
    public void Reads_the_heartbeat_json_the_api_writes()
    {
        // As Api/Ops/InstanceHeartbeat.cs serializes InstanceHeartbeatView (JsonSerializerOptions.Web).
        const string json = """
            {"instance":"api-0","service":"api","startedAt":"2026-03-01T11:59:00+00:00","lastSeen":"2026-03-01T12:00:00+00:00",
             "executorSlots":8,"slotsInUse":1,"executing":["0b9f2a7e-0000-0000-0000-000000000001"],"url":"http://localhost:5001"}
            """;

        var beat = ReplicaHeartbeat.Parse(json);

        Assert.Equal(new ReplicaHeartbeat("api-0", "api", new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero), "http://localhost:5001"), beat);
    }

    [Fact]
    public void A_heartbeat_from_before_replicas_had_urls_has_none()
    {
        var beat = ReplicaHeartbeat.Parse("""{"instance":"api-0","service":"api","lastSeen":"2026-03-01T12:00:00+00:00"}""");

        Assert.NotNull(beat);
        Assert.Null(beat.Url);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("""{"service":"api"}""")]
    [InlineData("[1,2]")]
    public void Entries_that_are_not_heartbeats_are_skipped(string? value)
    {
        Assert.Null(ReplicaHeartbeat.Parse(value));
    }
}
