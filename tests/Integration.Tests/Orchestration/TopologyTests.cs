using System.Net;
using Platform.AppHost.Orchestration;
using Platform.Integration.Tests.Infrastructure;

namespace Platform.Integration.Tests.Orchestration;

[Collection(PlatformCollection.Name)]
public sealed class TopologyTests(PlatformFixture fixture) : DistributedAppTest(() => fixture.App)
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public void Starts_every_resource_of_the_full_topology_healthy()
    {
        Assert.Equal(["redis", "postgres", "scraper-0", "scraper-1", "api-0", "api-1", "gateway"], fixture.App.Resources.Select(r => r.Name));
        Assert.All(fixture.App.Resources, r => Assert.Equal(ResourceState.Healthy, r.State));
        Assert.All(fixture.App.Resources.Where(r => r.Name != "gateway"), r => Assert.True(ProcessProbe.IsRunning(r.Pid!.Value), $"{r.Name} is not running"));
        var table = fixture.App.DescribeResources();
        Assert.All(fixture.App.Resources, r => Assert.Contains(r.Name, table));
    }

    [Fact]
    public async Task Every_http_resource_answers_health_200()
    {
        var services = fixture.App.Resources.Where(r => r.Url?.Scheme == "http").ToList();
        Assert.Equal(5, services.Count); // 2 Api, 2 Scraper, gateway
        foreach (var service in services)
        {
            using var client = PlatformFixture.NewClient(service.Url!);
            using var response = await client.GetAsync("/health", _ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{service.Name} /health: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(_ct)}");
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await fixture.App.Redis.WaitHealthyAsync(timeout.Token);    // PING
        await fixture.App.Postgres.WaitHealthyAsync(timeout.Token); // connection + SELECT 1
    }

    [Fact]
    public void Services_get_Aspire_environment_conventions()
    {
        var app = fixture.App;
        for (var i = 0; i < 2; i++)
        {
            var api = app.Api[i];
            var pid = api.Pid!.Value;
            Assert.Equal(app.RedisConnectionString, ProcessProbe.Environment(pid, "ConnectionStrings__redis"));
            Assert.Equal(app.PostgresConnectionString, ProcessProbe.Environment(pid, "ConnectionStrings__platform"));
            Assert.Equal(api.Url!.GetLeftPart(UriPartial.Authority), ProcessProbe.Environment(pid, "ASPNETCORE_URLS"));
            Assert.Equal("api", ProcessProbe.Environment(pid, "OTEL_SERVICE_NAME"));
            Assert.Equal($"service.instance.id=api-{i}", ProcessProbe.Environment(pid, "OTEL_RESOURCE_ATTRIBUTES"));
            Assert.Equal(app.Scraper[0].Url!.GetLeftPart(UriPartial.Authority), ProcessProbe.Environment(pid, "services__scraper__http__0"));
            Assert.Equal(app.Scraper[1].Url!.GetLeftPart(UriPartial.Authority), ProcessProbe.Environment(pid, "services__scraper__http__1"));
            Assert.Equal("foundation", ProcessProbe.Environment(pid, PlatformFixture.ApiMarkerVariable));
        }

        var scraper = app.Scraper[1].Pid!.Value;
        Assert.Equal("scraper", ProcessProbe.Environment(scraper, "OTEL_SERVICE_NAME"));
        Assert.Equal("service.instance.id=scraper-1", ProcessProbe.Environment(scraper, "OTEL_RESOURCE_ATTRIBUTES"));
        Assert.Equal(app.RedisConnectionString, ProcessProbe.Environment(scraper, "ConnectionStrings__redis"));
        Assert.Null(ProcessProbe.Environment(scraper, "services__scraper__http__0"));
        Assert.Null(ProcessProbe.Environment(scraper, PlatformFixture.ApiMarkerVariable));
    }
}
