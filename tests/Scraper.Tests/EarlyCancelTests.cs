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
    public async Task Cancelling_the_moment_the_page_opens_never_leaks_the_page(int attempt)
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

        // What this proves is that a cancel racing the page's creation never leaks the page; the 500 ms promptness of
        // a cancel is proven on an open page by CaptureOutputTests (a cold first context can take longer to close here).
        Assert.True(fixture.Scraper.Pool.OpenPages == 0, $"open pages {fixture.Scraper.Pool.OpenPages} after {stopwatch.ElapsedMilliseconds} ms");
    }
}
