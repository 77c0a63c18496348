using Platform.Scraper.Pages;

namespace Platform.Scraper.Tests.Infrastructure;

public static class PagePoolWaits
{
    /// <summary>
    /// Open pages once the last capture's page has closed: a capture's stream ends with its last frame and the page is
    /// closed just after, so a test that reads the count right after a capture waits for the close (up to 10 s).
    /// </summary>
    public static async Task<int> OpenPagesAfterClosingAsync(this PagePool pool, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (pool.OpenPages > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, ct);
        }
        return pool.OpenPages;
    }
}
