using System.Net;
using Platform.Fixtures;
using Platform.Scraper.Contracts;
using Platform.Scraper.Tests.Infrastructure;

namespace Platform.Scraper.Tests;

public sealed class TinyPoolFixture(AppHostRedis redis) : ScraperFixture(redis)
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["PagePool:MaxPages"] = "1", ["PagePool:MaxWaiting"] = "1", ["PagePool:WaitTimeoutMs"] = "20000", ["PagePool:RetryAfterSeconds"] = "7",
    };
}

public sealed class PagePoolTests(TinyPoolFixture fixture) : IClassFixture<TinyPoolFixture>
{
    [Fact]
    public async Task Beyond_open_pages_plus_waiting_captures_the_scraper_answers_503_with_retry_after()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = fixture.Scraper.CreateScraperClient();
        // Different hosts, so only the page pool (not politeness) limits them.
        CaptureRequest Slow(int host) => new() { Url = fixture.Site.Url("slow?ms=1500", host).AbsoluteUri, Outputs = [CaptureOutput.Html] };

        var first = CaptureCalls.RunAsync(client, Slow(0), ct);
        await WaitUntil(() => fixture.Scraper.Pool.InUse == 1, ct);
        var second = CaptureCalls.RunAsync(client, Slow(1), ct);
        await WaitUntil(() => fixture.Scraper.Pool.Waiting == 1, ct);
        var third = await CaptureCalls.RunAsync(client, Slow(2), ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, third.Status);
        Assert.Equal(TimeSpan.FromSeconds(7), third.RetryAfter);
        Assert.Contains(CaptureProblemTypes.PoolSaturated, third.ProblemBody);
        Assert.NotNull((await first).Result);
        Assert.NotNull((await second).Result);
        Assert.Equal(1, fixture.Scraper.Pool.PeakOpenPages);
    }

    private static async Task WaitUntil(Func<bool> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached");
            await Task.Delay(10, ct);
        }
    }
}

public sealed class MemoryPressureFixture(AppHostRedis redis) : ScraperFixture(redis)
{
    // Any machine is "under pressure" at 0.1% used: admission must refuse rather than accept.
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["PagePool:MemoryPressureRatio"] = "0.001" };
}

public sealed class MemoryAdmissionTests(MemoryPressureFixture fixture) : IClassFixture<MemoryPressureFixture>
{
    [Fact]
    public async Task Under_memory_pressure_captures_are_refused_with_503_instead_of_accepted()
    {
        using var client = fixture.Scraper.CreateScraperClient();

        var run = await CaptureCalls.RunAsync(client, new CaptureRequest { Url = fixture.Site.Url("article").AbsoluteUri }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, run.Status);
        Assert.Contains(CaptureProblemTypes.MemoryPressure, run.ProblemBody);
        Assert.NotNull(run.RetryAfter);
        Assert.Equal(0, fixture.Scraper.Pool.PeakOpenPages);
    }
}
