using System.Net;
using System.Net.Http.Json;
using Platform.Fixtures;
using Platform.Scraper.Apis;
using Platform.Scraper.Contracts;
using Platform.Scraper.Tests.Infrastructure;
using Platform.Testing;

namespace Platform.Scraper.Tests;

/// <summary>Two real Scraper replicas and Redis started through the AppHost (Aspire.Hosting.Testing), pool 2 each, as deployed.</summary>
public sealed class TwoScraperProcessesFixture : IAsyncLifetime
{
    public PlatformApp App { get; private set; } = null!;
    public FixtureSite Site { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Site = await FixtureSite.StartAsync();
        var options = new PlatformAppOptions { ScraperReplicas = 2, OnlyResources = ["redis", "scraper"] };
        options.ScraperEnvironment["PagePool__MaxPages"] = "2";
        options.ScraperEnvironment["Capture__PerHostConcurrency"] = "2";
        options.ScraperEnvironment["Capture__AllowPrivateNetworks"] = "true";
        App = await PlatformApp.StartAsync(options, TestContext.Current.CancellationToken);
        foreach (var scraper in App.Scraper)
        {
            await scraper.WaitHealthyAsync(TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Site.DisposeAsync();
    }
}

public sealed class ClusterProcessTests(TwoScraperProcessesFixture fixture) : IClassFixture<TwoScraperProcessesFixture>
{
    [Fact]
    public async Task Twelve_simultaneous_captures_on_two_scraper_processes_never_exceed_four_pages_or_two_per_host()
    {
        var ct = TestContext.Current.CancellationToken;
        var since = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var clients = fixture.App.Scraper.Select(s => new HttpClient { BaseAddress = s.Url, Timeout = TimeSpan.FromMinutes(3) }).ToArray();

        var runs = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => CaptureCalls.RunAsync(
            clients[i % 2],
            new CaptureRequest { Url = fixture.Site.Url("slow?ms=1200", i % 3).AbsoluteUri, Outputs = [CaptureOutput.Html] },
            ct)));

        var stats = new List<CaptureStats>();
        foreach (var client in clients)
        {
            stats.Add((await client.GetFromJsonAsync<CaptureStats>($"/captures/stats?since={since}", CaptureStream.Json, ct))!);
        }
        var timelines = stats.SelectMany(s => s.Recent).ToList();
        Assert.All(runs, r => Assert.True(r.Result is not null || r.Status == HttpStatusCode.ServiceUnavailable, r.ProblemBody ?? r.Error?.Problem?.Detail));
        Assert.Equal(4, Overlap.Max(timelines.Select(t => (t.PageOpenedAt, t.PageClosedAt))));
        foreach (var host in fixture.Site.Hosts.Select(h => h.Host))
        {
            Assert.InRange(Overlap.Max(timelines.Where(t => t.Host == host).Select(t => (t.HostSlotAt, t.HostReleasedAt))), 1, 2);
            Assert.InRange(fixture.Site.PeakInFlight(host), 1, 2);
        }
        Assert.All(stats, s => Assert.InRange(s.PeakOpenPages, 1, 2));
    }

    [Fact]
    public async Task A_killed_scraper_process_is_restarted_by_the_supervisor_and_captures_again()
    {
        var ct = TestContext.Current.CancellationToken;
        var scraper = fixture.App.Scraper[1];
        var restarts = scraper.RestartCount;

        await scraper.KillAsync(ct);
        await scraper.WaitHealthyAsync(ct);

        Assert.True(scraper.RestartCount > restarts);
        using var client = new HttpClient { BaseAddress = scraper.Url, Timeout = TimeSpan.FromMinutes(2) };
        var run = await CaptureCalls.RunAsync(client, new CaptureRequest { Url = fixture.Site.Url("article").AbsoluteUri, Outputs = [CaptureOutput.Markdown] }, ct);
        Assert.NotNull(run.Result);
    }
}
