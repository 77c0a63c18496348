using System.Net;
using System.Text.Json;
using Platform.Fixtures;
using Platform.Scraper.Contracts;
using Platform.Scraper.Tests.Infrastructure;

namespace Platform.Scraper.Tests;

public sealed class PrivateNetworksDisallowedFixture(AppHostRedis redis) : ScraperFixture(redis)
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Capture:AllowPrivateNetworks"] = "false" };
}

/// <summary>The production setting: nothing on loopback/private addresses may be captured (the fixture site is on 127.0.0.x).</summary>
public sealed class PrivateNetworkBlockTests(PrivateNetworksDisallowedFixture fixture) : IClassFixture<PrivateNetworksDisallowedFixture>
{
    [Theory]
    [InlineData("http://127.0.0.1:{port}/article")]
    [InlineData("http://localhost:{port}/article")]
    [InlineData("http://[::1]:{port}/article")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    public async Task Targets_on_private_or_loopback_addresses_are_refused_with_422(string template)
    {
        using var client = fixture.Scraper.CreateScraperClient();
        var url = template.Replace("{port}", fixture.Site.BaseUrl.Port.ToString());

        var run = await CaptureCalls.RunAsync(client, new CaptureRequest { Url = url, Outputs = [CaptureOutput.Html] }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, run.Status);
        using var problem = JsonDocument.Parse(run.ProblemBody!);
        Assert.Equal(CaptureProblemTypes.BlockedAddress, problem.RootElement.GetProperty("type").GetString());
        Assert.Equal(0, await fixture.Scraper.Pool.OpenPagesAfterClosingAsync(TestContext.Current.CancellationToken));
    }
}
