using System.ComponentModel.DataAnnotations;

namespace Platform.Scraper.Pages;

public sealed class PagePoolOptions
{
    public const string Section = "PagePool";

    /// <summary>Pages open at once on this replica (each is a BrowserContext with one page).</summary>
    [Range(1, 64)]
    public int MaxPages { get; set; } = 4;

    /// <summary>
    /// Fresh contexts (each with its page) prepared ahead beside the pool's pages, so a capture does not wait for Chromium to
    /// create one (a new renderer process, about a quarter of a second here). Each is used by one capture only; 0 turns it off.
    /// </summary>
    [Range(0, 8)]
    public int WarmContexts { get; set; } = 1;

    /// <summary>Captures admitted but waiting (for a page or for the target host's politeness slot); beyond that 503.</summary>
    [Range(0, 1_000)]
    public int MaxWaiting { get; set; } = 8;

    /// <summary>Longest an admitted capture waits for a page before it gets 503.</summary>
    [Range(0, 300_000)]
    public int WaitTimeoutMs { get; set; } = 30_000;

    /// <summary>Retry-After sent with 503s from this pool.</summary>
    [Range(1, 3_600)]
    public int RetryAfterSeconds { get; set; } = 2;

    /// <summary>Refuse new captures when memory in use (cgroup limit, else the machine) reaches this share.</summary>
    [Range(0.0, 1.0)]
    public double MemoryPressureRatio { get; set; } = 0.90;
}
