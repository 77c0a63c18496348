using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using Platform.Scraper.Browser;
using Platform.Scraper.Contracts;
using Platform.Scraper.Diagnostics;
using Platform.Scraper.Pages;

namespace Platform.Scraper.Capture;

/// <summary>
/// Runs one admitted capture in a fresh BrowserContext: navigate, wait, produce each requested output, stream frames.
/// The context is closed on every path — completion, failure, the hard timeout, the host lease being lost, or the caller
/// aborting. Every Playwright call also ends with the capture (<see cref="Bounded{T}"/>): a hung Chromium (stopped, wedged)
/// answers neither the call nor the close, and the capture must still end at its hard timeout and free its slots.
/// </summary>
public sealed class CaptureRunner(
    BrowserHost browsers,
    PagePool pool,
    AddressPolicy addresses,
    PageScripts scripts,
    CaptureLog log,
    IOptionsMonitor<CaptureOptions> options,
    ScraperMetrics metrics,
    TimeProvider time,
    ILogger<CaptureRunner> logger)
{
    private static readonly CaptureOutput[] OutputOrder =
        [CaptureOutput.Html, CaptureOutput.Markdown, CaptureOutput.Text, CaptureOutput.Links, CaptureOutput.Metadata, CaptureOutput.Screenshot, CaptureOutput.Pdf];

    public async Task RunAsync(CaptureRequest request, Uri url, CaptureSlot slot, CaptureStreamWriter writer, CancellationToken requestAborted)
    {
        var o = options.CurrentValue;
        var started = Stopwatch.GetTimestamp();
        using var hardTimeout = new CancellationTokenSource(o.HardTimeoutMs);
        using var capture = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, slot.HostLeaseLost, hardTimeout.Token);
        var ct = capture.Token;
        var guard = new RequestGuard(addresses, logger);
        var session = new ContextSession(pool);
        var outcome = "completed";
        var generation = 0;
        long pageOpenedAt = 0;
        BrowserLease? lease = null;

        Task Progress(string stage, string? output = null) => writer.WriteAsync(new CaptureFrame
        {
            Type = CaptureFrame.Types.Progress, Stage = stage, Output = output, ElapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds,
        }, requestAborted);

        try
        {
            lease = await browsers.AcquireAsync(ct);
            generation = lease.Generation.Id;
            var creating = lease.Browser.NewContextAsync(new BrowserNewContextOptions
            {
                ViewportSize = new ViewportSize { Width = request.Viewport.Width, Height = request.Viewport.Height },
                AcceptDownloads = false,          // a download link or attachment response is cancelled, never waited on
                ServiceWorkers = ServiceWorkerPolicy.Block, // service workers' fetches would bypass the request guard
            });
            IBrowserContext context;
            try
            {
                context = await Bounded(creating, ct);
            }
            catch (OperationCanceledException)
            {
                _ = session.AttachLateAsync(creating); // a browser that answers after we gave up: its context is closed at once
                throw;
            }
            session.Attach(context);
            await using var closeOnCancel = ct.Register(() => _ = session.CloseAsync());
            await Bounded(guard.AttachAsync(context), ct);
            var page = await Bounded(context.NewPageAsync(), ct);
            session.PageOpened();
            pageOpenedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
            // Nothing in the page may block the capture: dialogs are dismissed, file choosers intercepted and left alone,
            // popups closed.
            page.Dialog += (_, dialog) => _ = Quietly(dialog.DismissAsync());
            page.FileChooser += (_, _) => { };
            context.Page += (_, popup) => { if (popup != page) _ = Quietly(popup.CloseAsync()); };

            var remaining = () => (float)Math.Max(1, o.HardTimeoutMs - Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            await Progress(CaptureFrame.Stages.Navigating);
            var navigationTimeout = Math.Min(request.TimeoutMs, remaining());
            var navigationStarted = Stopwatch.GetTimestamp();
            var response = await Bounded(page.GotoAsync(url.AbsoluteUri, new PageGotoOptions
            {
                WaitUntil = request.Wait == CaptureWait.NetworkIdle ? WaitUntilState.NetworkIdle : WaitUntilState.Load,
                Timeout = navigationTimeout,
            }), ct);
            if (request.Wait == CaptureWait.Selector)
            {
                var left = navigationTimeout - (float)Stopwatch.GetElapsedTime(navigationStarted).TotalMilliseconds;
                await Bounded(page.WaitForSelectorAsync(request.Selector!, new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached, Timeout = Math.Max(1, left) }), ct);
            }
            if (response is not null && await Bounded(response.HeaderValueAsync(EgressProxy.BlockedHeader), ct) is { } egressReason)
            {
                outcome = "blocked-address";
                await WriteErrorAsync(writer, BlockedProblem((response.Url, egressReason)), null, requestAborted);
                return;
            }
            if (guard.BlockedNavigation is { } blockedHop)
            {
                outcome = "blocked-address";
                await WriteErrorAsync(writer, BlockedProblem(blockedHop), null, requestAborted);
                return;
            }
            if (response is { Status: >= 400 } failed)
            {
                outcome = "target-status";
                await WriteErrorAsync(writer, TargetStatusProblem(failed.Status, failed.Url), null, requestAborted);
                return;
            }
            await writer.WriteAsync(new CaptureFrame
            {
                Type = CaptureFrame.Types.Progress, Stage = CaptureFrame.Stages.Loaded, FinalUrl = page.Url, Status = response?.Status,
                ElapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            }, requestAborted);

            var wanted = OutputOrder.Where(request.Outputs.Contains).ToList();
            JsonElement? extracted = null;
            foreach (var output in wanted)
            {
                ct.ThrowIfCancellationRequested();
                await Progress(CaptureFrame.Stages.Output, output.Name());
                try
                {
                    await ProduceAsync(output);
                }
                catch (OutputTooLargeException e)
                {
                    await WriteErrorAsync(writer, new CaptureProblem
                    {
                        Type = CaptureProblemTypes.OutputTooLarge, Title = "The output is too large.", Status = StatusCodes.Status422UnprocessableEntity, Detail = e.Message,
                    }, output, requestAborted);
                }
                catch (PlaywrightException e) when (!ct.IsCancellationRequested && !lease.BrowserLost && output.IsBinary())
                {
                    // A screenshot or PDF can fail on its own (page too large to rasterise); the other outputs still stand.
                    logger.LogWarning(e, "Output {Output} of {Url} failed", output.Name(), url);
                    await WriteErrorAsync(writer, new CaptureProblem
                    {
                        Type = CaptureProblemTypes.NavigationFailed, Title = $"The {output.Name()} output failed.", Status = StatusCodes.Status422UnprocessableEntity, Detail = e.Message,
                    }, output, requestAborted);
                }
            }
            await writer.WriteAsync(new CaptureFrame
            {
                Type = CaptureFrame.Types.Result, FinalUrl = page.Url, Status = response?.Status, ElapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            }, requestAborted);

            async Task ProduceAsync(CaptureOutput output)
            {
                switch (output)
                {
                    case CaptureOutput.Html:
                        await WriteTextAsync(output, await Bounded(page.ContentAsync(), ct));
                        break;
                    case CaptureOutput.Markdown or CaptureOutput.Text or CaptureOutput.Links or CaptureOutput.Metadata:
                        extracted ??= await Bounded(page.EvaluateAsync<JsonElement>(scripts.Extract, new
                        {
                            markdown = wanted.Contains(CaptureOutput.Markdown),
                            text = wanted.Contains(CaptureOutput.Text),
                            links = wanted.Contains(CaptureOutput.Links),
                            metadata = wanted.Contains(CaptureOutput.Metadata),
                            maxLinks = 5_000,
                            maxHeadings = 500,
                        }), ct);
                        var value = extracted.Value.GetProperty(output.Name());
                        if (value.ValueKind == JsonValueKind.String)
                        {
                            await WriteTextAsync(output, value.GetString()!);
                        }
                        else
                        {
                            await WriteJsonAsync(output, value);
                        }
                        break;
                    case CaptureOutput.Screenshot:
                        // Always clipped, never an open-ended full page: a page that grows after it was measured, or is very
                        // wide, still gives at most MaxScreenshotWidth × MaxScreenshotHeight pixels (Playwright trims a clip
                        // larger than the page), instead of a raster that can crash Chromium.
                        var size = await Bounded(page.EvaluateAsync<double[]>(PageScripts.ScrollSize), ct);
                        await WriteBinaryAsync(output, await Bounded(page.ScreenshotAsync(new PageScreenshotOptions
                        {
                            Type = ScreenshotType.Png,
                            FullPage = request.FullPage,
                            Timeout = remaining(),
                            Clip = new Clip
                            {
                                X = 0,
                                Y = 0,
                                Width = request.FullPage ? Bound(size[0], request.Viewport.Width, o.MaxScreenshotWidth) : request.Viewport.Width,
                                Height = request.FullPage ? Bound(size[1], request.Viewport.Height, o.MaxScreenshotHeight) : request.Viewport.Height,
                            },
                        }), ct));
                        break;
                    case CaptureOutput.Pdf:
                        await WriteBinaryAsync(output, await Bounded(page.PdfAsync(new PagePdfOptions { Format = "A4", PrintBackground = true }), ct));
                        break;
                }
            }

            Task WriteTextAsync(CaptureOutput output, string text)
            {
                if (text.Length > o.MaxOutputBytes / 3 && System.Text.Encoding.UTF8.GetByteCount(text) > o.MaxOutputBytes)
                {
                    throw new OutputTooLargeException($"{output.Name()} exceeds {o.MaxOutputBytes} bytes.");
                }
                return WriteJsonAsync(output, JsonSerializer.SerializeToElement(text));
            }

            Task WriteJsonAsync(CaptureOutput output, JsonElement data) => writer.WriteAsync(new CaptureFrame
            {
                Type = CaptureFrame.Types.Output, Output = output.Name(), ContentType = output.ContentType(), Data = data,
            }, requestAborted);

            Task WriteBinaryAsync(CaptureOutput output, byte[] bytes)
            {
                if (bytes.Length > o.MaxOutputBytes)
                {
                    throw new OutputTooLargeException($"{output.Name()} is {bytes.Length} bytes, over {o.MaxOutputBytes}.");
                }
                var header = new CaptureFrame { Type = CaptureFrame.Types.Output, Output = output.Name(), ContentType = output.ContentType() };
                return request.BinaryEncoding == BinaryEncoding.Base64
                    ? writer.WriteAsync(header with { Base64 = Convert.ToBase64String(bytes) }, requestAborted)
                    : writer.WriteBinaryAsync(header, bytes, requestAborted);
            }
        }
        catch (Exception e) when (e is PlaywrightException or OperationCanceledException or TimeoutException or ObjectDisposedException or IOException)
        {
            if (requestAborted.IsCancellationRequested)
            {
                outcome = "cancelled"; // the caller is gone: nobody to tell
                return;
            }
            var problem = Classify(e, lease, guard, slot.HostLeaseLost.IsCancellationRequested, hardTimeout.IsCancellationRequested);
            outcome = problem.Type[(problem.Type.LastIndexOf('/') + 1)..];
            if (problem.Type == CaptureProblemTypes.BrowserCrashed)
            {
                logger.LogWarning("Capture of {Url} failed: the browser went away", url);
            }
            await WriteErrorAsync(writer, problem, null, requestAborted);
        }
        finally
        {
            await session.CloseAsync();
            lease?.Dispose();
            var closedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
            metrics.CaptureFinished(Stopwatch.GetElapsedTime(started), outcome);
            log.Add(new CaptureTimeline(url.IdnHost, outcome, slot.HostSlotAt, pageOpenedAt, closedAt, closedAt, generation));
        }
    }

    /// <summary>
    /// Waits for a Playwright call, or for the capture to end (hard timeout, host lease lost, caller gone), whichever comes
    /// first. A call given up on is left to finish (or fail) when Chromium answers, if ever; its failure is observed here.
    /// </summary>
    private static async Task<T> Bounded<T>(Task<T> call, CancellationToken ct)
    {
        await Bounded((Task)call, ct);
        return await call;
    }

    private static async Task Bounded(Task call, CancellationToken ct)
    {
        try
        {
            await call.WaitAsync(ct);
        }
        catch (OperationCanceledException) when (!call.IsCompleted)
        {
            _ = call.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>The page's extent, at least the viewport's, at most the configured ceiling.</summary>
    private static float Bound(double measured, int viewport, int max) => (float)Math.Min(Math.Max(measured, viewport), max);

    private static CaptureProblem Classify(Exception e, BrowserLease? lease, RequestGuard guard, bool hostLeaseLost, bool hardTimedOut)
    {
        if (lease?.BrowserLost == true)
        {
            return new CaptureProblem
            {
                Type = CaptureProblemTypes.BrowserCrashed, Title = "The browser went away during the capture.", Status = StatusCodes.Status503ServiceUnavailable,
                Detail = "Chromium crashed or was killed; it is being relaunched.", Transient = true,
            };
        }
        if (hostLeaseLost)
        {
            return new CaptureProblem
            {
                Type = CaptureProblemTypes.LeaseLost, Title = "The host politeness lease was lost.", Status = StatusCodes.Status503ServiceUnavailable, Transient = true,
            };
        }
        if ((guard.BlockedNavigation ?? guard.FirstBlocked) is { } blocked && e is PlaywrightException)
        {
            return BlockedProblem(blocked);
        }
        if (hardTimedOut || e is TimeoutException)
        {
            return new CaptureProblem
            {
                Type = CaptureProblemTypes.Timeout, Title = "The capture timed out.", Status = StatusCodes.Status504GatewayTimeout, Detail = FirstLine(e.Message), Transient = true,
            };
        }
        var message = e.Message;
        // Chromium network errors that will not change on retry; the rest (refused, reset, 5xx-like) may.
        var permanent = message.Contains("ERR_NAME_NOT_RESOLVED", StringComparison.Ordinal) || message.Contains("ERR_INVALID_URL", StringComparison.Ordinal)
            || message.Contains("ERR_UNSAFE_PORT", StringComparison.Ordinal) || message.Contains("Download is starting", StringComparison.Ordinal)
            || message.Contains("ERR_ABORTED", StringComparison.Ordinal) || message.Contains("ERR_INVALID_RESPONSE", StringComparison.Ordinal);
        return new CaptureProblem
        {
            Type = CaptureProblemTypes.NavigationFailed, Title = "The page could not be loaded.",
            Status = permanent ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status502BadGateway, Detail = FirstLine(message), Transient = !permanent,
        };
    }

    private static CaptureProblem BlockedProblem((string Url, string Reason) blocked) => new()
    {
        Type = CaptureProblemTypes.BlockedAddress, Title = "The page led to an address that is not allowed.", Status = StatusCodes.Status422UnprocessableEntity,
        Detail = $"{blocked.Url}: {blocked.Reason}",
    };

    public static CaptureProblem TargetStatusProblem(int status, string url) => new()
    {
        Type = CaptureProblemTypes.TargetStatus, Title = $"The target answered {status}.", Status = StatusCodes.Status502BadGateway,
        Detail = url, TargetStatus = status, Transient = status >= 500 || status == 429 || status == 408,
    };

    private static Task WriteErrorAsync(CaptureStreamWriter writer, CaptureProblem problem, CaptureOutput? output, CancellationToken ct) =>
        writer.WriteAsync(new CaptureFrame { Type = CaptureFrame.Types.Error, Output = output?.Name(), Problem = problem }, ct);

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

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

    /// <summary>Closes the capture's context exactly once, from whichever path gets there first, and accounts the page.</summary>
    private sealed class ContextSession(PagePool pool)
    {
        private readonly Lock _gate = new();
        private IBrowserContext? _context;
        private bool _closeRequested;
        private Task? _closing;
        private bool _pageOpen;

        /// <summary>Adopts the new context; if the capture was already cancelled while it was being created, closes it now.</summary>
        public void Attach(IBrowserContext context)
        {
            lock (_gate)
            {
                _context = context;
                if (_closeRequested)
                {
                    _closing ??= CloseCoreAsync(context);
                }
            }
        }

        /// <summary>A context that arrived after the capture gave up waiting for it (a hung browser that came back).</summary>
        public async Task AttachLateAsync(Task<IBrowserContext> creating)
        {
            try
            {
                Attach(await creating);
            }
            catch (PlaywrightException)
            {
                // The browser died instead: nothing was created.
            }
        }

        public void PageOpened()
        {
            lock (_gate)
            {
                if (_closeRequested)
                {
                    return; // closed before we could count it: it is gone already
                }
                _pageOpen = true;
                pool.PageOpened();
            }
        }

        public Task CloseAsync()
        {
            lock (_gate)
            {
                _closeRequested = true;
                return _context is null ? Task.CompletedTask : _closing ??= CloseCoreAsync(_context);
            }
        }

        private async Task CloseCoreAsync(IBrowserContext context)
        {
            try
            {
                await context.CloseAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException)
            {
                // A crashed browser's contexts are already gone.
            }
            finally
            {
                bool wasOpen;
                lock (_gate)
                {
                    wasOpen = _pageOpen;
                    _pageOpen = false;
                }
                if (wasOpen)
                {
                    pool.PageClosed();
                }
            }
        }
    }

    private sealed class OutputTooLargeException(string message) : Exception(message);
}
