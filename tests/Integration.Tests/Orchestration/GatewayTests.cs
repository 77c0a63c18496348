using System.Net;

namespace Platform.Integration.Tests.Orchestration;

[Collection(PlatformCollection.Name)]
public sealed class GatewayTests(PlatformFixture fixture) : DistributedAppTest(() => fixture.App)
{
    private const string ReplicaHeader = "X-Platform-Replica";
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Api_requests_are_spread_over_both_replicas()
    {
        await fixture.AllHealthyAsync(_ct);
        var replicas = fixture.App.Api.Select(r => r.Name).Order(StringComparer.Ordinal).ToList();
        var answeredBy = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await fixture.Gateway.GetAsync("/api/formats", _ct);
            Assert.True((int)response.StatusCode < 500, $"request {i}: {(int)response.StatusCode}");
            answeredBy.Add(Assert.Single(response.Headers.GetValues(ReplicaHeader)));
        }
        Assert.Equal(replicas, answeredBy.Distinct().Order(StringComparer.Ordinal));
        // Round-robin: neither replica takes (almost) everything.
        Assert.InRange(answeredBy.Count(r => r == replicas[0]), 5, 15);
    }

    [Fact]
    public async Task Hub_requests_stick_to_the_replica_named_in_the_affinity_cookie()
    {
        await fixture.AllHealthyAsync(_ct);
        using var first = await fixture.Gateway.PostAsync("/hubs/jobs/negotiate?negotiateVersion=1", null, _ct);
        var replica = Assert.Single(first.Headers.GetValues(ReplicaHeader));
        Assert.Contains(replica, fixture.App.Api.Select(r => r.Name));
        var affinity = Assert.Single(first.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".Platform.Affinity=", StringComparison.Ordinal));
        Assert.Contains("path=/hubs", affinity, StringComparison.OrdinalIgnoreCase);
        var cookie = affinity.Split(';')[0];

        for (var i = 0; i < 8; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/hubs/jobs/negotiate?negotiateVersion=1");
            request.Headers.Add("Cookie", cookie);
            using var response = await fixture.Gateway.SendAsync(request, _ct);
            Assert.Equal(replica, Assert.Single(response.Headers.GetValues(ReplicaHeader)));
        }
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/jobs/123")]
    [InlineData("/ops/instances")]
    public async Task Client_side_routes_fall_back_to_index_html(string path)
    {
        using var response = await fixture.Gateway.GetAsync(path, _ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(PlatformFixture.SpaMarker, await response.Content.ReadAsStringAsync(_ct));
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        Assert.False(response.Headers.Contains(ReplicaHeader));
    }

    [Fact]
    public async Task Built_assets_are_served_as_files_with_long_caching_and_missing_ones_are_404()
    {
        using var asset = await fixture.Gateway.GetAsync("/assets/app-3f2a.js", _ct);
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Equal("console.log('platform');", await asset.Content.ReadAsStringAsync(_ct));
        Assert.Contains("immutable", asset.Headers.CacheControl?.ToString());

        using var missing = await fixture.Gateway.GetAsync("/assets/missing-1234.js", _ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Gateway_health_reports_the_api_replicas_it_can_route_to()
    {
        foreach (var api in fixture.App.Api)
        {
            await api.WaitHealthyAsync(_ct);
        }
        // Within a few health-check intervals (1 s) of every replica being healthy, the gateway routes to all of them.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            using var probe = await fixture.Gateway.GetAsync("/health", _ct);
            if ((await probe.Content.ReadAsStringAsync(_ct)).Contains("2/2", StringComparison.Ordinal))
            {
                break;
            }
            await Task.Delay(200, _ct);
        }
        using var response = await fixture.Gateway.GetAsync("/health", _ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("2/2 Api replicas healthy", await response.Content.ReadAsStringAsync(_ct));
    }
}
