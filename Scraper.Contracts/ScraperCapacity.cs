namespace Platform.Scraper.Contracts;

/// <summary>
/// What a Scraper replica advertises every <see cref="ScraperRegistry.Interval"/> in the instance registry
/// <see cref="ScraperRegistry.Key"/>: where it listens (callers send captures straight to it), how many pages it
/// takes now (its page pool, 0 under memory pressure) and its per-host politeness limit. A caller reserves one of those
/// pages with the Coordination semaphore <see cref="ScraperRegistry.PageResource"/> before it sends a capture.
/// </summary>
public sealed record ScraperCapacity(string Url, int Pages, int PerHostConcurrency, DateTimeOffset StartedAt);

public static class ScraperRegistry
{
    public const string Key = "platform:scrapers";

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    /// <summary>An entry older than this is a replica that is gone (readers remove it).</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(8);

    /// <summary>The semaphore of a replica's pages: one lease per capture sent to it, limit = its advertised pages.</summary>
    public static string PageResource(string scraperUrl) => $"scraper-pages:{scraperUrl}";
}
