using System.Diagnostics;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using Platform.Scraper.Browser;
using Platform.Scraper.Contracts;
using Platform.Scraper.Diagnostics;
using Platform.Scraper.Pages;

namespace Platform.Scraper.Capture;

/// <summary>
/// Runs one admitted capture in a fresh BrowserContext: navigate, wait, produce each requested output, stream frames, end
/// the stream, then close the context.
/// The context is closed on every path — completion, failure, the hard timeout, the host lease being lost, or the caller
/// aborting. Every Playwright call also ends with the capture (<see cref="Bounded"/>): a hung Chromium (stopped, wedged)
/// answers neither the call nor the close, and the capture must still end at its hard timeout and free its slots.
/// </summary>
public sealed class CaptureRunner(
    BrowserHost browsers,
    PagePool pool,
    WarmContexts warm,
    EgressProxy egress,
    PageScripts scripts,
    CaptureLog log,
    IOptionsMonitor<CaptureOptions> options,
    ScraperMetrics metrics,
    TimeProvider time,
    ILogger<CaptureRunner> logger)
{
    public async Task RunAsync(CaptureRequest request, Uri url, CaptureSlot slot, CaptureStreamWriter writer, CancellationToken requestAborted)
    {
        var o = options.CurrentValue;
        var frames = new CaptureFrames(writer, Stopwatch.GetTimestamp(), o.HardTimeoutMs, requestAborted);
        using var hardTimeout = new CancellationTokenSource(o.HardTimeoutMs);
        using var capture = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, slot.HostLeaseLost, hardTimeout.Token);
        var ct = capture.Token;
        var guard = new RequestGuard(egress); // replaced by a prepared context's own guard
        var session = new ContextSession(pool);
        var outcome = "completed";
        var generation = 0;
        long pageOpenedAt = 0, loadedAt = 0, outputsAt = 0;
        BrowserLease? lease = null;
        try
        {
            lease = await browsers.AcquireAsync(ct);
            generation = lease.Generation.Id;
            await using var browserLost = lease.Generation.Lost.Register(capture.Cancel);
            IBrowserContext context;
            IPage page;
            if (warm.Take(lease.Generation) is { } prepared)
            {
                (context, page, guard) = (prepared.Context, prepared.Page, prepared.Guard);
                session.Attach(context);
                session.PageOpened();
                if (prepared.Viewport.Width != request.Viewport.Width || prepared.Viewport.Height != request.Viewport.Height)
                {
                    await Bounded.Call(page.SetViewportSizeAsync(request.Viewport.Width, request.Viewport.Height), ct);
                }
            }
            else
            {
                context = await NewContextAsync(lease, request, session, ct);
                guard.Attach(context);
                page = await Bounded.Call(context.NewPageAsync(), ct);
                session.PageOpened();
            }
            await using var closeOnCancel = ct.Register(() => _ = session.CloseAsync());
            KeepPageUnblocked(context, page);
            pageOpenedAt = time.GetUtcNow().ToUnixTimeMilliseconds();

            await frames.ProgressAsync(CaptureFrame.Stages.Navigating);
            var response = await NavigateAsync(page, request, url, frames, ct);
            if (Refusal(response, guard) is { } refusal)
            {
                outcome = refusal.Outcome;
                await frames.ErrorAsync(refusal.Problem);
                return;
            }
            loadedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
            await frames.LoadedAsync(page.Url, response?.Status);
            await new PageOutputs(page, request, frames, scripts, o, lease, logger, ct).ProduceAsync();
            outputsAt = time.GetUtcNow().ToUnixTimeMilliseconds();
            if (guard.BlockedNavigation is { } lateHop)
            {
                // The page navigated to a refused address after it loaded (meta refresh, script, form): what the outputs
                // show may be the proxy's refusal, and the page tried to reach what it may not.
                outcome = "blocked-address";
                await frames.ErrorAsync(CaptureProblems.Blocked(lateHop));
                return;
            }
            await frames.ResultAsync(page.Url, response?.Status);
        }
        catch (Exception e) when (e is PlaywrightException or OperationCanceledException or TimeoutException or ObjectDisposedException or IOException)
        {
            if (requestAborted.IsCancellationRequested)
            {
                outcome = "cancelled"; // the caller is gone: nobody to tell
                return;
            }
            await guard.SettleAsync(e);
            var problem = CaptureProblems.Classify(e, lease, guard, slot.HostLeaseLost.IsCancellationRequested, hardTimeout.IsCancellationRequested);
            outcome = problem.Type[(problem.Type.LastIndexOf('/') + 1)..];
            if (problem.Type == CaptureProblemTypes.BrowserCrashed)
            {
                logger.LogWarning("Capture of {Url} failed: the browser went away", url);
            }
            await frames.ErrorAsync(problem);
        }
        finally
        {
            // Every frame is written: the caller has its answer now, not after the page has closed (~35 ms). The page
            // still counts against the pool, and the capture's slot is held, until the close below is done.
            await writer.CompleteAsync();
            var streamEndedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
            await session.CloseAsync();
            lease?.Dispose();
            warm.Refill(); // the next capture's context, prepared while this one's result travels on
            var closedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
            metrics.CaptureFinished(frames.Elapsed, outcome);
            log.Add(new CaptureTimeline(url.IdnHost, outcome, slot.HostSlotAt, pageOpenedAt, closedAt, closedAt, generation, loadedAt, outputsAt,
                streamEndedAt, url.AbsoluteUri));
        }
    }

    /// <summary>Every capture's context: fresh, isolated, with these options whether made now or prepared ahead.</summary>
    public static BrowserNewContextOptions ContextOptions(ViewportSize viewport) => new()
    {
        ViewportSize = viewport,
        AcceptDownloads = false,          // a download link or attachment response is cancelled, never waited on
        ServiceWorkers = ServiceWorkerPolicy.Block, // a capture is one load: nothing installed to outlive it or answer from a cache
    };

    /// <summary>A fresh, isolated context for this capture, adopted by <paramref name="session"/> so every path closes it.</summary>
    private static async Task<IBrowserContext> NewContextAsync(BrowserLease lease, CaptureRequest request, ContextSession session, CancellationToken ct)
    {
        var creating = lease.Browser.NewContextAsync(ContextOptions(new ViewportSize { Width = request.Viewport.Width, Height = request.Viewport.Height }));
        IBrowserContext context;
        try
        {
            context = await Bounded.Call(creating, ct);
        }
        catch (OperationCanceledException)
        {
            _ = session.AttachLateAsync(creating); // a browser that answers after we gave up: its context is closed at once
            throw;
        }
        session.Attach(context);
        return context;
    }

    /// <summary>
    /// Nothing in the page may block the capture: popups are closed. Dialogs need nothing of ours: with no handler
    /// Playwright dismisses each (accepts a beforeunload) as it opens; and a file chooser cannot open without a user's
    /// gesture, which a capture never makes (intercepting choosers cost a driver and a CDP call per capture for nothing).
    /// </summary>
    private static void KeepPageUnblocked(IBrowserContext context, IPage page) =>
        context.Page += (_, popup) => { if (popup != page) _ = Quietly(popup.CloseAsync()); };

    /// <summary>Loads the page and waits as the request asks (load, network idle, or a selector), within its timeout.</summary>
    private static async Task<IResponse?> NavigateAsync(IPage page, CaptureRequest request, Uri url, CaptureFrames frames, CancellationToken ct)
    {
        var navigationTimeout = Math.Min(request.TimeoutMs, frames.RemainingMs);
        var navigationStarted = Stopwatch.GetTimestamp();
        var response = await Bounded.Call(page.GotoAsync(url.AbsoluteUri, new PageGotoOptions
        {
            WaitUntil = request.Wait == CaptureWait.NetworkIdle ? WaitUntilState.NetworkIdle : WaitUntilState.Load,
            Timeout = navigationTimeout,
        }), ct);
        if (request.Wait == CaptureWait.Selector)
        {
            var left = navigationTimeout - (float)Stopwatch.GetElapsedTime(navigationStarted).TotalMilliseconds;
            await Bounded.Call(page.WaitForSelectorAsync(request.Selector!, new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached, Timeout = Math.Max(1, left) }), ct);
        }
        return response;
    }

    /// <summary>Why the loaded page is not captured: the egress proxy refused it or one of its hops, or the target failed.</summary>
    private static (string Outcome, CaptureProblem Problem)? Refusal(IResponse? response, RequestGuard guard)
    {
        // The headers Chromium reported with the response: no round trip to the driver (a proxy's own header is never one
        // of the security-related ones only the raw headers carry).
        if (response is not null && response.Headers.TryGetValue(EgressProxy.BlockedHeader, out var egressReason))
        {
            return ("blocked-address", CaptureProblems.Blocked((response.Url, egressReason)));
        }
        if (guard.BlockedNavigation is { } blockedHop)
        {
            return ("blocked-address", CaptureProblems.Blocked(blockedHop));
        }
        if (response is { Status: >= 400 } failed)
        {
            return ("target-status", CaptureProblems.TargetStatus(failed.Status, failed.Url));
        }
        return null;
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (PlaywrightException)
        {
        }
    }
}
