using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using Platform.Scraper.Browser;
using Platform.Scraper.Capture;
using Platform.Scraper.Diagnostics;

namespace Platform.Scraper.Pages;

/// <summary>One fresh context prepared ahead: never used before, its page open, its refusal listener (request guard) attached.</summary>
public sealed record WarmContext(BrowserGeneration Generation, IBrowserContext Context, IPage Page, RequestGuard Guard, ViewportSize Viewport);

/// <summary>
/// Prepares fresh contexts ahead of the captures that will use them, so creating one (a new renderer process) is off a
/// capture's path. Isolation is unchanged: each context serves exactly one capture and is closed with it; a prepared one is
/// the same as one made on demand, only earlier. Owner of the prepared contexts and of one refill at a time (bound:
/// <see cref="PagePoolOptions.WarmContexts"/>, beside the pool's pages); a refill is bounded in time and ends with the
/// service; prepared contexts of a browser that is no longer current are closed, not used. Metric:
/// <c>platform.scraper.warm_contexts{outcome=hit|miss}</c>.
/// </summary>
public sealed class WarmContexts(
    BrowserHost browsers, EgressProxy egress, IOptionsMonitor<PagePoolOptions> options, ScraperMetrics metrics, ILogger<WarmContexts> logger)
    : IAsyncDisposable
{
    private static readonly TimeSpan PrepareTimeout = TimeSpan.FromSeconds(15);

    private readonly Lock _gate = new();
    private readonly Queue<WarmContext> _ready = new();
    private readonly CancellationTokenSource _stopping = new();
    private int _refilling;
    private long _hits;

    /// <summary>Captures that started on a prepared context since start.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Contexts ready right now (for tests and stats).</summary>
    public int Ready { get { lock (_gate) return _ready.Count; } }

    /// <summary>
    /// A prepared context on <paramref name="generation"/>, or null (none ready, or only on an older browser). The refill is
    /// the caller's to start once its capture has ended (<see cref="Refill"/>): preparing one while the capture navigates
    /// would take the CPU from it (a new renderer process); between captures it takes nothing from anyone.
    /// </summary>
    public WarmContext? Take(BrowserGeneration generation)
    {
        WarmContext? taken = null;
        List<WarmContext> stale = [];
        lock (_gate)
        {
            while (taken is null && _ready.TryDequeue(out var candidate))
            {
                if (candidate.Generation == generation && generation.IsActive && !candidate.Page.IsClosed)
                {
                    taken = candidate;
                }
                else
                {
                    stale.Add(candidate);
                }
            }
        }
        foreach (var old in stale)
        {
            _ = CloseQuietlyAsync(old.Context);
        }
        metrics.WarmContextTaken(taken is not null);
        if (taken is not null)
        {
            Interlocked.Increment(ref _hits);
        }
        return taken;
    }

    /// <summary>Starts preparing contexts up to the configured number, one at a time, in the background.</summary>
    public void Refill()
    {
        if (options.CurrentValue.WarmContexts == 0 || _stopping.IsCancellationRequested || Interlocked.Exchange(ref _refilling, 1) == 1)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                while (!_stopping.IsCancellationRequested && Ready < options.CurrentValue.WarmContexts && browsers.Current is { IsActive: true } generation)
                {
                    var prepared = await PrepareAsync(generation);
                    lock (_gate)
                    {
                        _ready.Enqueue(prepared);
                    }
                }
            }
            catch (Exception e) when (e is PlaywrightException or OperationCanceledException or TimeoutException or ObjectDisposedException)
            {
                // A browser that went away or hung meanwhile: the next capture makes its own, and the refill after it retries.
                logger.LogDebug(e, "Preparing a context ahead failed");
            }
            finally
            {
                Volatile.Write(ref _refilling, 0);
            }
        });
    }

    private async Task<WarmContext> PrepareAsync(BrowserGeneration generation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(PrepareTimeout);
        var defaults = new Contracts.CaptureViewport(); // most captures keep the default viewport; others resize the page
        var viewport = new ViewportSize { Width = defaults.Width, Height = defaults.Height };
        var creating = generation.Browser.NewContextAsync(CaptureRunner.ContextOptions(viewport));
        IBrowserContext context;
        try
        {
            context = await creating.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _ = creating.ContinueWith(t => CloseQuietlyAsync(t.Result), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            throw;
        }
        try
        {
            var guard = new RequestGuard(egress);
            guard.Attach(context);
            var page = await context.NewPageAsync().WaitAsync(timeout.Token);
            return new WarmContext(generation, context, page, guard, viewport);
        }
        catch
        {
            _ = CloseQuietlyAsync(context);
            throw;
        }
    }

    private static async Task CloseQuietlyAsync(IBrowserContext context)
    {
        try
        {
            await context.CloseAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException or ObjectDisposedException)
        {
            // Its browser is gone already, and the context with it.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        List<WarmContext> left;
        lock (_gate)
        {
            left = [.. _ready];
            _ready.Clear();
        }
        await Task.WhenAll(left.Select(w => CloseQuietlyAsync(w.Context)));
    }
}
