extern alias api;
using System.Text.Json;
using api::Platform.Api.Capture;
using api::Platform.Api.Formats;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.Fixtures;
using Platform.Scraper.Tests.Infrastructure;
using ApiCaptureRequest = api::Platform.Api.Formats.CaptureRequest;

namespace Platform.Scraper.Tests;

/// <summary>The Api's capture seam (Api/Capture) against the real Scraper: formats, text, progress and error mapping.</summary>
public sealed class ApiCaptureServiceTests(ScraperFixture fixture) : IClassFixture<ScraperFixture>
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private ScraperCaptureService Service(int captureDeadlineMs = 180_000)
    {
        var http = fixture.Scraper.CreateScraperClient();
        return new ScraperCaptureService(new ScraperClient(http, Options.Create(new ScraperClientOptions { CaptureDeadlineMs = captureDeadlineMs }), TimeProvider.System),
            NullLogger<ScraperCaptureService>.Instance);
    }

    private ApiCaptureRequest Request(string path, string[] formats, bool needsText = false, string? options = null) =>
        new(Guid.NewGuid(), fixture.Site.Url(path), formats, needsText, options is null ? default : JsonDocument.Parse(options).RootElement);

    [Fact]
    public async Task A_capture_returns_one_artifact_per_format_the_readable_text_and_monotonic_progress()
    {
        var progress = new RecordingProgress();

        var result = await Service().CaptureAsync(Request("article", ["markdown", "screenshot", "links", "metadata"], needsText: true), progress, Ct);

        Assert.Equal(["links", "markdown", "metadata", "screenshot"], result.Outputs.Keys.Order());
        Assert.Empty(result.Failures);
        Assert.Equal("text/markdown; charset=utf-8", result.Outputs["markdown"].ContentType);
        Assert.Contains(FixturePages.FirstParagraph, System.Text.Encoding.UTF8.GetString(result.Outputs["markdown"].Bytes));
        Assert.Equal(0x89, result.Outputs["screenshot"].Bytes[0]);
        using (var links = JsonDocument.Parse(result.Outputs["links"].Bytes))
        {
            Assert.Equal(JsonValueKind.Array, links.RootElement.ValueKind);
        }
        Assert.Contains(FixturePages.FirstParagraph, result.Text);
        Assert.Equal(FixturePages.ArticleTitle, result.Title);
        Assert.Equal(fixture.Site.Url("article"), result.FinalUrl);
        Assert.Contains(progress.Reports, p => p.Stage == "navigating");
        Assert.Equal(progress.Reports.Select(p => p.Fraction).Order(), progress.Reports.Select(p => p.Fraction));
        Assert.Equal(1.0, progress.Reports[^1].Fraction, 3);
    }

    [Fact]
    public async Task Capture_options_from_the_job_reach_the_scraper()
    {
        var result = await Service().CaptureAsync(
            Request("js", ["markdown"], options: """{"capture":{"wait":"selector","selector":"#rendered","timeoutMs":10000}}"""), new RecordingProgress(), Ct);

        Assert.Contains(FixturePages.JsRenderedHeading, System.Text.Encoding.UTF8.GetString(result.Outputs["markdown"].Bytes));
    }

    [Fact]
    public async Task A_target_500_is_transient_so_the_engine_retries_it()
    {
        await Assert.ThrowsAsync<TransientFormatException>(() => Service().CaptureAsync(Request("error", ["markdown"]), new RecordingProgress(), Ct));
    }

    [Fact]
    public async Task A_redirect_to_a_blocked_address_is_permanent()
    {
        var e = await Assert.ThrowsAsync<PermanentFormatException>(() => Service().CaptureAsync(Request("redirect-private", ["html"]), new RecordingProgress(), Ct));

        Assert.Contains("169.254.169.254", e.Message);
    }

    [Fact]
    public async Task Cancelling_the_job_aborts_the_capture_and_closes_the_page()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var progress = new RecordingProgress();
        var capture = Service().CaptureAsync(Request("slow?ms=20000", ["html"]), progress, cts.Token);
        while (!progress.Has("navigating"))
        {
            await Task.Delay(10, Ct);
        }

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => capture);
        while (fixture.Scraper.Pool.OpenPages > 0 && stopwatch.ElapsedMilliseconds < 10_000)
        {
            await Task.Delay(10, Ct);
        }
        Assert.True(fixture.Scraper.Pool.OpenPages == 0, $"page still open {stopwatch.ElapsedMilliseconds} ms after the cancel");
        // The page answers after 20 s: closed well before that means the cancel closed it (not a speed target; a loaded CI
        // machine took 1.8 s for the same in the Scraper's own test).
        Assert.True(stopwatch.ElapsedMilliseconds < 8_000, $"page closed {stopwatch.ElapsedMilliseconds} ms after the cancel");
    }

    [Fact]
    public async Task A_capture_still_streaming_at_the_capture_deadline_is_aborted_as_transient_and_its_page_closed()
    {
        // The Scraper would wait 60 s for this page's load event; the Api gives the whole capture 2 s.
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<TransientFormatException>(() => Service(captureDeadlineMs: 2_000).CaptureAsync(
            Request("never", ["html"], options: """{"capture":{"timeoutMs":60000}}"""), new RecordingProgress(), Ct));

        Assert.Contains("did not finish within", e.Message);
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(30), $"gave up after {elapsed.Elapsed.TotalSeconds:F1} s");
        while (fixture.Scraper.Pool.OpenPages > 0 && elapsed.Elapsed < TimeSpan.FromSeconds(40))
        {
            await Task.Delay(10, Ct);
        }
        Assert.Equal(0, fixture.Scraper.Pool.OpenPages);
    }

    private sealed class RecordingProgress : IProgress<CaptureProgress>
    {
        public List<CaptureProgress> Reports { get; } = [];
        public bool Has(string stage)
        {
            lock (Reports)
            {
                return Reports.Any(r => r.Stage == stage);
            }
        }
        public void Report(CaptureProgress value)
        {
            lock (Reports)
            {
                Reports.Add(value);
            }
        }
    }
}
