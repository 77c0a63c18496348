using System.Buffers.Binary;
using Microsoft.Extensions.DependencyInjection;
using Platform.Scraper.Contracts;
using Platform.Scraper.Pages;
using Platform.Scraper.Tests.Infrastructure;

namespace Platform.Scraper.Tests;

/// <summary>
/// Captures start on contexts prepared ahead (creating one is a new renderer process, off the capture's path now), and a
/// prepared context is as fresh as one made on demand: it serves one capture, nothing of an earlier capture survives in it.
/// </summary>
public sealed class WarmContextTests(ScraperFixture fixture) : IClassFixture<ScraperFixture>
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_capture_starts_on_a_prepared_context_that_no_earlier_capture_touched()
    {
        using var client = fixture.Scraper.CreateScraperClient();
        var warm = fixture.Scraper.Services.GetRequiredService<WarmContexts>();
        var remember = new CaptureRequest { Url = fixture.Site.Url("remember").AbsoluteUri, Outputs = [CaptureOutput.Html] };

        var first = await CaptureCalls.RunAsync(client, remember, Ct);
        await WaitForPreparedAsync(warm);
        var hitsBefore = warm.Hits;
        var second = await CaptureCalls.RunAsync(client, remember, Ct);

        Assert.Equal(hitsBefore + 1, warm.Hits);
        // The page stored a value and a cookie on the first visit; the second capture's context never saw them.
        Assert.Contains("<title>fresh</title>", first.Text("html"));
        Assert.Contains("<title>fresh</title>", second.Text("html"));
        Assert.Equal(0, await fixture.Scraper.Pool.OpenPagesAfterClosingAsync(Ct));
    }

    [Fact]
    public async Task A_prepared_context_takes_the_viewport_the_capture_asks_for()
    {
        using var client = fixture.Scraper.CreateScraperClient();
        var warm = fixture.Scraper.Services.GetRequiredService<WarmContexts>();
        await CaptureCalls.RunAsync(client, new CaptureRequest { Url = fixture.Site.Url("article").AbsoluteUri, Outputs = [CaptureOutput.Metadata] }, Ct);
        await WaitForPreparedAsync(warm);
        var hitsBefore = warm.Hits;

        var run = await CaptureCalls.RunAsync(client, new CaptureRequest
        {
            Url = fixture.Site.Url("article").AbsoluteUri, Outputs = [CaptureOutput.Screenshot], FullPage = false,
            Viewport = new CaptureViewport { Width = 640, Height = 480 },
        }, Ct);

        Assert.Equal(hitsBefore + 1, warm.Hits);
        var png = run.Output("screenshot").Body.ToArray();
        Assert.Equal((640, 480), (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4))));
    }

    private async Task WaitForPreparedAsync(WarmContexts warm)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (warm.Ready == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no context was prepared ahead");
            await Task.Delay(20, Ct);
        }
    }
}
