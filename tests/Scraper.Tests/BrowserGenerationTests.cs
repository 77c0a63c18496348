using Platform.Scraper.Browser;

namespace Platform.Scraper.Tests;

/// <summary>
/// A generation's <see cref="BrowserGeneration.Lost"/> token is what ends the captures running on a browser that died under
/// them (seen: a killed Chromium whose pending navigation Playwright did not fail until the capture's hard timeout, two
/// minutes later). The states are plain bookkeeping: no browser is needed.
/// </summary>
public sealed class BrowserGenerationTests
{
    [Fact]
    public void A_browser_that_dies_under_its_captures_cancels_them()
    {
        var generation = new BrowserGeneration(1, null!, captureBudget: 10, processId: null);
        Assert.False(generation.Lost.IsCancellationRequested);

        Assert.True(generation.MarkDead());

        Assert.True(generation.Lost.IsCancellationRequested);
    }

    [Fact]
    public void A_retiring_browser_that_dies_cancels_the_captures_still_on_it()
    {
        var generation = new BrowserGeneration(1, null!, captureBudget: 10, processId: null);
        Assert.True(generation.MarkRetiring());

        Assert.True(generation.MarkDead());

        Assert.True(generation.Lost.IsCancellationRequested);
    }

    [Fact]
    public void A_hung_browser_being_killed_cancels_its_captures()
    {
        var generation = new BrowserGeneration(1, null!, captureBudget: 10, processId: null);

        Assert.True(generation.MarkUnresponsive());

        Assert.True(generation.Lost.IsCancellationRequested);
    }

    [Fact]
    public void A_browser_closed_on_purpose_after_its_last_capture_cancels_nothing()
    {
        var generation = new BrowserGeneration(1, null!, captureBudget: 10, processId: null);
        Assert.True(generation.MarkRetiring());
        Assert.True(generation.MarkClosing());

        Assert.False(generation.MarkDead());

        Assert.False(generation.Lost.IsCancellationRequested);
    }
}
