using System.Net;
using Platform.Testing;

namespace Platform.Integration.Tests.Orchestration;

[Collection(PlatformCollection.Name)]
public sealed class TopologyTests(PlatformFixture fixture) : DistributedAppTest(() => fixture.App)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Starts_every_resource_of_the_full_topology_healthy()
    {
        await fixture.AllHealthyAsync(_ct);
        var app = fixture.App;
        Assert.Equal(["api", "api", "gateway", "migration", "platform", "postgres", "redis", "scraper", "scraper"],
            app.Resources.Select(r => r.ResourceName).Order(StringComparer.Ordinal));
        Assert.Equal("Finished", Assert.Single(app.Replicas("migration")).Snapshot.State?.Text);
        Assert.Equal(0, app.Replicas("migration")[0].Snapshot.ExitCode);
        var running = app.Resources.Where(r => r.ResourceName is not ("migration" or "platform")).ToList();
        // Aspire's own health checks agree (they back off up to 5 s between checks of a resource not yet healthy).
        await Task.WhenAll(running.Select(r => r.WaitUntilAsync(x => x.State == AppResourceState.Healthy, TimeSpan.FromSeconds(30), _ct)));
        Assert.All(running, r => Assert.True(r.Pid is { } pid && ProcessProbe.IsRunning(pid), $"{r.Name} is not running"));
        var table = app.DescribeResources();
        Assert.All(app.Resources, r => Assert.Contains(r.Name, table));
    }

    [Fact]
    public async Task Every_service_replica_answers_health_200_on_its_own_address()
    {
        await fixture.AllHealthyAsync(_ct);
        var services = fixture.App.Api.Concat(fixture.App.Scraper).Append(fixture.App.Gateway).ToList();
        Assert.Equal(5, services.Count);
        foreach (var service in services)
        {
            using var client = PlatformFixture.NewClient(service.Url!);
            using var response = await client.GetAsync("/health", _ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{service.Name} /health: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(_ct)}");
        }
    }

    [Fact]
    public async Task Services_get_their_wiring_from_Aspire()
    {
        await fixture.AllHealthyAsync(_ct);
        var app = fixture.App;
        foreach (var api in app.Api)
        {
            var pid = api.Pid!.Value;
            Assert.Equal(app.RedisConnectionString, ProcessProbe.Environment(pid, "ConnectionStrings__redis"));
            Assert.Equal(app.PostgresConnectionString, ProcessProbe.Environment(pid, "ConnectionStrings__platform"));
            Assert.Equal("api", ProcessProbe.Environment(pid, "OTEL_SERVICE_NAME"));
            // The replica's id in the dashboard is "api-" + its service.instance.id: the Api's instance id and job owner.
            Assert.Equal($"service.instance.id={api.Name["api-".Length..]}", ProcessProbe.Environment(pid, "OTEL_RESOURCE_ATTRIBUTES"));
            Assert.StartsWith("http://localhost:", ProcessProbe.Environment(pid, "services__scraper__http__0"));
            Assert.NotNull(ProcessProbe.Environment(pid, "OTEL_EXPORTER_OTLP_ENDPOINT"));
            Assert.Equal("foundation", ProcessProbe.Environment(pid, PlatformFixture.ApiMarkerVariable));
        }

        var scraper = app.Scraper[1].Pid!.Value;
        Assert.Equal("scraper", ProcessProbe.Environment(scraper, "OTEL_SERVICE_NAME"));
        Assert.Equal(app.RedisConnectionString, ProcessProbe.Environment(scraper, "ConnectionStrings__redis"));
        Assert.Null(ProcessProbe.Environment(scraper, "ConnectionStrings__platform"));
        Assert.Null(ProcessProbe.Environment(scraper, PlatformFixture.ApiMarkerVariable));
        Assert.Equal(app.Tag, ProcessProbe.Environment(scraper, ProcessProbe.TagVariable));
    }
}
