using Microsoft.Playwright;
using Platform.Scraper.Pages;

namespace Platform.Scraper.Capture;

/// <summary>Closes the capture's context exactly once, from whichever path gets there first, and accounts the page.</summary>
internal sealed class ContextSession(PagePool pool)
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
