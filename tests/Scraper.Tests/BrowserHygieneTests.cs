using System.Diagnostics;
using Platform.Scraper.Browser;
using Platform.Fixtures;
using Platform.Scraper.Contracts;
using Platform.Scraper.Tests.Infrastructure;

namespace Platform.Scraper.Tests;

public sealed class SmallBudgetFixture(AppHostRedis redis) : ScraperFixture(redis)
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Browser:MaxCapturesPerBrowser"] = "3" };
}

public sealed class BrowserHygieneTests(SmallBudgetFixture fixture) : IClassFixture<SmallBudgetFixture>
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Killing_chromium_mid_capture_fails_it_as_transient_then_the_browser_is_relaunched_and_the_next_capture_works()
    {
        using var client = fixture.Scraper.CreateScraperClient();
        var browsers = fixture.Scraper.Browsers;
        await fixture.Scraper.WaitForBrowserAsync(Ct);
        var before = browsers.Stats;
        Assert.NotNull(before.ProcessId);

        // The page would answer after a minute and the capture's own timeout is longer still: only the kill can end it early.
        var slow = CaptureCalls.RunAsync(client, new CaptureRequest
        {
            Url = fixture.Site.Url("slow?ms=60000").AbsoluteUri, Outputs = [CaptureOutput.Html], TimeoutMs = 90_000,
        }, Ct);
        while (fixture.Scraper.Pool.OpenPages == 0)
        {
            await Task.Delay(20, Ct);
        }
        Process.GetProcessById(before.ProcessId!.Value).Kill();
        var killed = Stopwatch.StartNew();
        var failed = await slow;

        var problem = failed.Error!.Problem!;
        Assert.Equal(CaptureProblemTypes.BrowserCrashed, problem.Type);
        Assert.True(problem.Transient);
        // The capture ends with its browser, not when a pending Playwright call or the hard timeout (120 s) gives up.
        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(30), $"the capture ended {killed.Elapsed.TotalSeconds:F1} s after the kill");

        var next = await CaptureCalls.RunAsync(client, new CaptureRequest { Url = fixture.Site.Url("article").AbsoluteUri, Outputs = [CaptureOutput.Markdown] }, Ct);
        Assert.NotNull(next.Result);
        var after = browsers.Stats;
        Assert.True(after.Generation > before.Generation);
        Assert.NotEqual(before.ProcessId, after.ProcessId);
        Assert.True(after.Restarts > before.Restarts);
        Assert.Equal(0, await fixture.Scraper.Pool.OpenPagesAfterClosingAsync(Ct));
    }

    [Fact]
    public async Task After_its_capture_budget_the_browser_is_retired_and_closed_and_a_fresh_one_takes_over()
    {
        using var client = fixture.Scraper.CreateScraperClient();
        var browsers = fixture.Scraper.Browsers;
        await fixture.Scraper.WaitForBrowserAsync(Ct);
        var first = browsers.Stats;

        for (var i = 0; i < 4; i++)
        {
            var run = await CaptureCalls.RunAsync(client, new CaptureRequest { Url = fixture.Site.Url("article").AbsoluteUri, Outputs = [CaptureOutput.Text] }, Ct);
            Assert.NotNull(run.Result);
        }

        await fixture.Scraper.WaitForBrowserAsync(Ct);
        var after = browsers.Stats;
        Assert.True(after.Generation > first.Generation, $"generation {after.Generation} after {first.Generation}");
        // The retired browser's whole process tree is gone once its last capture ended.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (ChromiumProcessTree.Descendants(first.ProcessId!.Value).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
        }
        Assert.Empty(ChromiumProcessTree.Descendants(first.ProcessId!.Value));
    }
}
