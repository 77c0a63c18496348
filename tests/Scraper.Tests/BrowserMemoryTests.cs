using Platform.Scraper.Browser;
using Platform.Scraper.Contracts;
using Platform.Scraper.Tests.Infrastructure;

namespace Platform.Scraper.Tests;

/// <summary>
/// The browser's memory ceiling (<see cref="BrowserOptions.MaxTreeMemoryMb"/>) is on what its process tree really costs,
/// each page counted once (PSS), not on the resident sizes of its processes summed, which count every shared page once
/// per process and retired browsers that were far under the ceiling. Read from /proc of the real Chromium.
/// </summary>
public sealed class BrowserMemoryTests(ScraperFixture fixture) : IClassFixture<ScraperFixture>
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_memory_ceiling_applies_to_the_trees_proportional_size_not_to_its_resident_sizes_summed()
    {
        using var client = fixture.Scraper.CreateScraperClient();
        await fixture.Scraper.WaitForBrowserAsync(Ct);
        var run = await CaptureCalls.RunAsync(client, new CaptureRequest { Url = fixture.Site.Url("article").AbsoluteUri, Outputs = [CaptureOutput.Screenshot] }, Ct);
        Assert.NotNull(run.Result);
        var browsers = fixture.Scraper.Browsers;
        var pid = browsers.Stats.ProcessId!.Value;

        var resident = ChromiumProcessTree.TreeResidentBytes(pid);
        var proportional = ChromiumProcessTree.TreeProportionalBytes(pid);

        Assert.True(ChromiumProcessTree.Descendants(pid).Count > 2, "a browser, its zygotes and a renderer or more");
        // The processes share most of their pages (the binary, fonts, shared memory): counted once, they are a fraction.
        Assert.InRange(proportional, 1, resident * 3 / 4);

        // A ceiling the resident sum passes and the tree does not: no retirement.
        var between = (resident + proportional) / 2;
        Assert.Null(browsers.OverMemoryCeiling(pid, resident, between));
        // Under the ceiling again (the throttle starts over), then a ceiling the tree itself passes: retired, with its PSS.
        Assert.Null(browsers.OverMemoryCeiling(pid, residentBytes: 0, between));
        var over = browsers.OverMemoryCeiling(pid, resident, proportional / 2);
        Assert.NotNull(over);
        Assert.InRange(over.Value, proportional / 2, resident);
    }
}
