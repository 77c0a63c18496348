using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Capture;
using Platform.Scraper.Contracts;

namespace Platform.Api.Tests.Capture;

/// <summary>
/// The capture client's timeout model (issue 11): nothing times out while the Scraper legitimately holds a capture
/// before answering; a running capture has an idle timeout between frames (plus the page's load budget while it
/// navigates) and an overall deadline; the resilience handler resends only what the Scraper refused or never received.
/// </summary>
public sealed class ScraperClientTests : IAsyncLifetime
{
    private StubScraper _scraper = null!;

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _scraper = await StubScraper.StartAsync();

    public async ValueTask DisposeAsync() => await _scraper.DisposeAsync();

    private ScraperClient Client(Action<ScraperClientOptions>? configure = null)
    {
        var services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System);
        // As ServiceDefaults does for every client; AddCapture then reshapes the Scraper client's pipeline.
        services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
        services.AddOptions<ScraperClientOptions>().Configure(o =>
        {
            o.BaseAddress = _scraper.Url;
            configure?.Invoke(o);
        });
        CaptureExtensions.AddScraperClient(services);
        return services.BuildServiceProvider().GetRequiredService<ScraperClient>();
    }

    private static CaptureRequest Request(int timeoutMs = 30_000) => new() { Url = "http://example.com/", TimeoutMs = timeoutMs };

    private async Task<List<CaptureFrame>> RunAsync(ScraperClient client, CaptureRequest request)
    {
        var frames = new List<CaptureFrame>();
        await foreach (var frame in client.CaptureAsync(request, replica: null, Ct))
        {
            frames.Add(frame);
        }
        return frames;
    }

    private static async Task StartStreamAsync(HttpContext http)
    {
        http.Response.ContentType = CaptureStream.MediaType;
        await http.Response.StartAsync(http.RequestAborted);
    }

    [Fact]
    public async Task A_page_that_loads_slower_than_the_idle_timeout_but_within_its_own_budget_is_not_cut()
    {
        _scraper.Handler = async (http, _) =>
        {
            await StartStreamAsync(http);
            await StubScraper.FrameAsync(http, """{"type":"progress","stage":"navigating"}""");
            await Task.Delay(2_500, http.RequestAborted); // loading: longer than the 1 s idle timeout, within 1 s + 4 s
            await StubScraper.FrameAsync(http, """{"type":"progress","stage":"loaded"}""");
            await StubScraper.FrameAsync(http, """{"type":"result","finalUrl":"http://example.com/"}""");
        };

        var frames = await RunAsync(Client(o => o.FrameIdleTimeoutMs = 1_000), Request(timeoutMs: 4_000));

        Assert.Equal(CaptureFrame.Types.Result, frames[^1].Type);
        Assert.Equal(1, _scraper.Requests);
    }

    [Fact]
    public async Task A_stream_that_goes_silent_after_the_page_loaded_times_out_and_the_request_is_aborted_not_resent()
    {
        _scraper.Handler = async (http, _) =>
        {
            await StartStreamAsync(http);
            await StubScraper.FrameAsync(http, """{"type":"progress","stage":"navigating"}""");
            await StubScraper.FrameAsync(http, """{"type":"progress","stage":"loaded"}""");
            await Task.Delay(Timeout.Infinite, http.RequestAborted); // hung mid-capture
        };

        var e = await Assert.ThrowsAsync<ScraperTimeoutException>(() => RunAsync(Client(o => o.FrameIdleTimeoutMs = 1_000), Request()));

        Assert.Contains("nothing", e.Message, StringComparison.Ordinal);
        await WaitUntilAsync(() => _scraper.Aborted == 1, "the stub to see its request aborted");
        Assert.Equal(1, _scraper.Requests);
    }

    [Fact]
    public async Task A_capture_that_streams_forever_ends_at_its_deadline()
    {
        _scraper.Handler = async (http, _) =>
        {
            await StartStreamAsync(http);
            while (true)
            {
                await StubScraper.FrameAsync(http, """{"type":"progress","stage":"output","output":"html"}""");
                await Task.Delay(200, http.RequestAborted);
            }
        };

        var e = await Assert.ThrowsAsync<ScraperTimeoutException>(() => RunAsync(Client(o => (o.FrameIdleTimeoutMs, o.CaptureDeadlineMs) = (5_000, 2_000)), Request()));

        Assert.Contains("did not finish within 2 s", e.Message, StringComparison.Ordinal);
        await WaitUntilAsync(() => _scraper.Aborted == 1, "the stub to see its request aborted");
    }

    [Fact]
    public async Task A_capture_held_before_the_answer_longer_than_the_idle_timeout_is_not_cut_and_not_resent()
    {
        _scraper.Handler = async (http, _) =>
        {
            await Task.Delay(2_500, http.RequestAborted); // queued at the Scraper (waiting for a page) before it answers
            await StartStreamAsync(http);
            await StubScraper.FrameAsync(http, """{"type":"result","finalUrl":"http://example.com/"}""");
        };

        var frames = await RunAsync(Client(o => o.FrameIdleTimeoutMs = 1_000), Request());

        Assert.Single(frames);
        Assert.Equal(1, _scraper.Requests);
    }

    [Fact]
    public async Task A_scraper_that_never_answers_fails_the_attempt_once_without_resending_the_capture()
    {
        _scraper.Handler = (http, _) => Task.Delay(Timeout.Infinite, http.RequestAborted);

        await Assert.ThrowsAnyAsync<Exception>(() => RunAsync(Client(o => o.ResponseStartTimeoutMs = 1_000), Request()));

        await WaitUntilAsync(() => _scraper.Aborted == 1, "the stub to see its request aborted");
        Assert.Equal(1, _scraper.Requests);
    }

    [Fact]
    public async Task A_refusal_before_the_capture_started_is_retried_after_its_Retry_After()
    {
        _scraper.Handler = async (http, n) =>
        {
            if (n == 1)
            {
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                http.Response.Headers.RetryAfter = "1";
                return;
            }
            await StartStreamAsync(http);
            await StubScraper.FrameAsync(http, """{"type":"result","finalUrl":"http://example.com/"}""");
        };

        var frames = await RunAsync(Client(), Request());

        Assert.Equal(CaptureFrame.Types.Result, Assert.Single(frames).Type);
        Assert.Equal(2, _scraper.Requests);
    }

    [Fact]
    public async Task A_failure_after_the_scraper_took_the_capture_is_not_resent_by_the_pipeline()
    {
        _scraper.Handler = (http, _) =>
        {
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        };

        var e = await Assert.ThrowsAsync<ScraperRefusedException>(() => RunAsync(Client(), Request()));

        Assert.True(e.Transient);
        Assert.Equal(1, _scraper.Requests); // the engine's own retry decides, after its backoff
    }

    private async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"Timed out waiting for {what}.");
            }
        }
    }
}
