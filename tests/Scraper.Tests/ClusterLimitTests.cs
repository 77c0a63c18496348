using System.Net;
using Platform.Fixtures;
using Platform.Scraper.Contracts;
using Platform.Scraper.Diagnostics;
using Platform.Scraper.Tests.Infrastructure;

namespace Platform.Scraper.Tests;

/// <summary>Two Scraper replicas (each its own Chromium and pool of 2) sharing one Redis, as in production.</summary>
public sealed class TwoReplicasFixture(AppHostRedis redis) : IAsyncLifetime
{
    public AppHostRedis Redis => redis;
    public FixtureSite Site { get; private set; } = null!;
    public ScraperFactory[] Replicas { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        await redis.FlushAsync();
        Site = await FixtureSite.StartAsync();
        var settings = new Dictionary<string, string?> { ["PagePool:MaxPages"] = "2", ["PagePool:MaxWaiting"] = "8", ["Capture:PerHostConcurrency"] = "2" };
        Replicas = [new ScraperFactory(Redis.ConnectionString, settings), new ScraperFactory(Redis.ConnectionString, settings)];
        foreach (var replica in Replicas)
        {
            replica.UseKestrel(0);
            replica.StartServer();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in Replicas)
        {
            await replica.DisposeAsync();
        }
        await Site.DisposeAsync();
    }
}

public sealed class ClusterLimitTests(TwoReplicasFixture fixture) : IClassFixture<TwoReplicasFixture>
{
    [Fact]
    public async Task Twelve_simultaneous_captures_on_two_replicas_of_pool_two_never_exceed_four_pages_or_two_per_host()
    {
        var ct = TestContext.Current.CancellationToken;
        var since = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        fixture.Site.ResetCounters();
        var clients = fixture.Replicas.Select(r => r.CreateScraperClient()).ToArray();

        // 12 captures over three target hosts (127.0.0.1-3), alternating replicas, all at once; each page takes 3 s, long
        // enough that the pages overlap up to the limit even on a loaded machine.
        var runs = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => CaptureCalls.RunAsync(
            clients[i % 2],
            new CaptureRequest { Url = fixture.Site.Url("slow?ms=3000", i % 3).AbsoluteUri, Outputs = [CaptureOutput.Html] },
            ct)));

        // A capture's timeline is recorded once its page has closed, just after its stream ended: wait for all of them.
        var completed = runs.Count(r => r.Result is not null);
        var timelines = await TimelinesAsync();
        for (var tries = 0; timelines.Count(t => t.Outcome == "completed") < completed && tries < 500; tries++)
        {
            await Task.Delay(20, ct);
            timelines = await TimelinesAsync();
        }
        // Every capture either completed or was turned away with 503 (never anything else).
        Assert.All(runs, r => Assert.True(r.Result is not null || r.Status == HttpStatusCode.ServiceUnavailable, r.ProblemBody ?? r.Error?.Problem?.Detail));
        Assert.Equal(completed, timelines.Count(t => t.Outcome == "completed"));

        var pagesAtOnce = MaxOverlap(timelines.Select(t => (t.PageOpenedAt, t.PageClosedAt)));
        Assert.InRange(pagesAtOnce, 1, 4);
        foreach (var host in fixture.Site.Hosts.Select(h => h.Host))
        {
            var perHost = MaxOverlap(timelines.Where(t => t.Host == host).Select(t => (t.HostSlotAt, t.HostReleasedAt)));
            Assert.InRange(perHost, 1, 2);
            // The target's own view agrees: never more than two requests in flight from the whole cluster.
            Assert.InRange(fixture.Site.PeakInFlight(host), 1, 2);
        }
        foreach (var replica in fixture.Replicas)
        {
            Assert.InRange(replica.Pool.PeakOpenPages, 1, 2);
        }
        // The limits were actually reached, so the assertions above are not vacuous.
        Assert.Equal(4, pagesAtOnce);
        async Task<List<CaptureTimeline>> TimelinesAsync()
        {
            var all = new List<CaptureTimeline>();
            foreach (var replica in fixture.Replicas)
            {
                all.AddRange((await replica.StatsAsync(since)).Recent);
            }
            return all;
        }
    }

    private static int MaxOverlap(IEnumerable<(long Start, long End)> intervals) => Overlap.Max(intervals);
}

public static class Overlap
{
    /// <summary>Most intervals open at one instant; an interval closing at t frees its slot before one opening at t.</summary>
    public static int Max(IEnumerable<(long Start, long End)> intervals)
    {
        var events = intervals.SelectMany(i => new[] { (At: i.Start, Delta: 1), (At: i.End, Delta: -1) }).OrderBy(e => e.At).ThenBy(e => e.Delta);
        int open = 0, max = 0;
        foreach (var e in events)
        {
            open += e.Delta;
            max = Math.Max(max, open);
        }
        return max;
    }
}
