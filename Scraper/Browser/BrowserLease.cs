using Microsoft.Playwright;

namespace Platform.Scraper.Browser;

/// <summary>One capture's hold on a <see cref="BrowserGeneration"/>; disposing it releases the hold once.</summary>
public sealed class BrowserLease(BrowserHost host, BrowserGeneration generation) : IDisposable
{
    private int _released;

    public IBrowser Browser => generation.Browser;
    public BrowserGeneration Generation => generation;

    /// <summary>The browser crashed, was killed, or hung and was replaced under this capture.</summary>
    public bool BrowserLost => generation.IsDead || generation.WasUnresponsive || !generation.Browser.IsConnected;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            host.Release(generation);
        }
    }
}
