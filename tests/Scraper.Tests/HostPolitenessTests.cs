using Platform.Scraper.Contracts;
using Platform.Scraper.Tests.Infrastructure;

namespace Platform.Scraper.Tests;

public sealed class OnePerHostFixture(AppHostRedis redis) : ScraperFixture(redis)
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Capture:PerHostConcurrency"] = "1", ["Capture:HostWaitTimeoutMs"] = "60000", ["PagePool:MaxPages"] = "4",
    };
}

/// <summary>Politeness is per server really fetched: other names for the same server must queue behind each other.</summary>
public sealed class HostPolitenessTests(OnePerHostFixture fixture) : IClassFixture<OnePerHostFixture>
{
    [Fact]
    public async Task An_ip_literal_another_name_and_a_mapped_address_of_one_server_share_its_single_slot()
    {
        var ct = TestContext.Current.CancellationToken;
        fixture.Site.ResetCounters();
        using var client = fixture.Scraper.CreateScraperClient();
        var port = fixture.Site.BaseUrl.Port;
        string[] urls =
        [
            $"http://127.0.0.1:{port}/slow?ms=1500",
            $"http://localhost:{port}/slow?ms=1500",
            $"http://[::ffff:127.0.0.1]:{port}/slow?ms=1500",
        ];

        var runs = await Task.WhenAll(urls.Select(url => CaptureCalls.RunAsync(client, new CaptureRequest { Url = url, Outputs = [CaptureOutput.Html] }, ct)));

        Assert.All(runs, run => Assert.NotNull(run.Result));
        Assert.Equal(1, fixture.Site.PeakInFlight("127.0.0.1"));
    }
}
