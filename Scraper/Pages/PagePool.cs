using System.Diagnostics;
using Microsoft.Extensions.Options;
using Platform.Scraper.Diagnostics;

namespace Platform.Scraper.Pages;

/// <summary>
/// Bounds this replica's captures: at most <see cref="PagePoolOptions.MaxPages"/> pages open and at most
/// <see cref="PagePoolOptions.MaxWaiting"/> admitted captures waiting behind them. Admission is refused at once beyond
/// that (the caller answers 503 + Retry-After), so neither pages nor waiting requests can grow without bound.
/// Owner of the page semaphore; the admitted count is one Interlocked counter.
/// </summary>
public sealed class PagePool
{
    private readonly SemaphoreSlim _pages;
    private readonly int _maxPages;
    private readonly int _maxAdmitted;
    private readonly ScraperMetrics _metrics;
    private int _admitted;
    private int _inUse;
    private int _openPages;
    private int _peakOpenPages;

    public PagePool(IOptions<PagePoolOptions> options, ScraperMetrics metrics)
    {
        Options = options.Value;
        _maxPages = Options.MaxPages;
        _maxAdmitted = Options.MaxPages + Options.MaxWaiting;
        _pages = new SemaphoreSlim(_maxPages, _maxPages);
        _metrics = metrics;
        metrics.ObservePool(() => Volatile.Read(ref _inUse), () => Waiting, () => Volatile.Read(ref _openPages));
    }

    public PagePoolOptions Options { get; }

    public int InUse => Volatile.Read(ref _inUse);
    public int Waiting => Math.Max(0, Volatile.Read(ref _admitted) - Volatile.Read(ref _inUse));
    public int OpenPages => Volatile.Read(ref _openPages);
    public int PeakOpenPages => Volatile.Read(ref _peakOpenPages);

    /// <summary>Admits a capture into the bounded queue, or returns null when the queue is full.</summary>
    public PoolTicket? TryAdmit()
    {
        if (Interlocked.Increment(ref _admitted) > _maxAdmitted)
        {
            Interlocked.Decrement(ref _admitted);
            return null;
        }
        return new PoolTicket(this);
    }

    internal async Task<bool> WaitForPageAsync(TimeSpan timeout, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var acquired = await _pages.WaitAsync(timeout, ct);
        _metrics.PoolWaited(Stopwatch.GetElapsedTime(started), acquired);
        if (acquired)
        {
            Interlocked.Increment(ref _inUse);
        }
        return acquired;
    }

    internal void Leave(bool heldPage)
    {
        if (heldPage)
        {
            Interlocked.Decrement(ref _inUse);
            _pages.Release();
        }
        Interlocked.Decrement(ref _admitted);
    }

    /// <summary>Counts real Chromium pages (opened / closed events), independent of the slots above: what tests assert on.</summary>
    public void PageOpened()
    {
        var open = Interlocked.Increment(ref _openPages);
        int peak;
        while (open > (peak = Volatile.Read(ref _peakOpenPages)) && Interlocked.CompareExchange(ref _peakOpenPages, open, peak) != peak)
        {
        }
    }

    public void PageClosed() => Interlocked.Decrement(ref _openPages);

    public void ResetPeak() => Interlocked.Exchange(ref _peakOpenPages, OpenPages);
}

/// <summary>One admitted capture's place in the pool: waiting, then (after <see cref="WaitForPageAsync"/>) holding a page slot.</summary>
public sealed class PoolTicket(PagePool pool) : IDisposable
{
    private bool _holdsPage;
    private int _disposed;

    public async Task<bool> WaitForPageAsync(TimeSpan timeout, CancellationToken ct)
    {
        _holdsPage = await pool.WaitForPageAsync(timeout, ct);
        return _holdsPage;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            pool.Leave(_holdsPage);
        }
    }
}
