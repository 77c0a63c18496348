using Platform.Scraper.Contracts;
using Platform.Scraper.Tests.Infrastructure;

namespace Platform.Scraper.Tests;

public sealed class EarlyCancelTests(ScraperFixture fixture) : IClassFixture<ScraperFixture>
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task Cancelling_the_moment_the_page_opens_still_closes_it_promptly(int attempt)
    {
        _ = attempt;
        var ct = TestContext.Current.CancellationToken;
        using var client = fixture.Scraper.CreateScraperClient();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var request = new CaptureRequest { Url = fixture.Site.Url("slow?ms=20000").AbsoluteUri, Outputs = [CaptureOutput.Html] };
        var run = CaptureCalls.RunAsync(client, request, cts.Token);
        while (fixture.Scraper.Pool.OpenPages == 0)
        {
            await Task.Delay(5, ct);
        }

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        while (fixture.Scraper.Pool.OpenPages > 0 && stopwatch.ElapsedMilliseconds < 5_000)
        {
            await Task.Delay(5, ct);
        }

        Assert.True(fixture.Scraper.Pool.OpenPages == 0 && stopwatch.ElapsedMilliseconds < 1_000,
            $"open pages {fixture.Scraper.Pool.OpenPages} after {stopwatch.ElapsedMilliseconds} ms");
    }
}
