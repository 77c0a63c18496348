using System.ComponentModel.DataAnnotations;

namespace Platform.Api.Capture;

/// <summary>
/// Section "Scraper": how the Api reaches the Scraper and how long it waits for it. The timeout model: while a capture
/// is queued (before the Scraper answers) only a guard against a Scraper that never answers applies, longer than the
/// Scraper's own admission bound (Capture:HostWaitTimeoutMs + PagePool:WaitTimeoutMs, after which it answers 503 itself);
/// once the stream has started, an idle timeout between frames and an overall deadline. The job's token cancels all.
/// </summary>
public sealed class ScraperClientOptions
{
    public const string Section = "Scraper";

    /// <summary>Resolved by service discovery (services__scraper__http__N), as under Aspire; used when no replica is reserved.</summary>
    [Required]
    public Uri BaseAddress { get; set; } = new("http://scraper");

    /// <summary>Opening a TCP connection to a Scraper replica.</summary>
    [Range(100, 60_000)]
    public int ConnectTimeoutMs { get; set; } = 5_000;

    /// <summary>
    /// Guard for a Scraper that accepted a capture and never answers: must exceed the Scraper's own admission bound (60 s by
    /// default), so it never fires while a capture is legitimately queued there. Not retried: the Scraper may still be working.
    /// </summary>
    [Range(1_000, 1_800_000)]
    public int ResponseStartTimeoutMs { get; set; } = 150_000;

    /// <summary>Longest silence between two frames of a running capture; while the page loads, the job's own load budget (timeoutMs) is added.</summary>
    [Range(100, 600_000)]
    public int FrameIdleTimeoutMs { get; set; } = 30_000;

    /// <summary>A whole capture from its first frame to its result; the Scraper's own hard timeout (Capture:HardTimeoutMs, 120 s) ends it first.</summary>
    [Range(1_000, 3_600_000)]
    public int CaptureDeadlineMs { get; set; } = 180_000;

    /// <summary>How often the dispatcher re-reads the Scraper registry ("platform:scrapers").</summary>
    [Range(100, 60_000)]
    public int RegistryRefreshMs { get; set; } = 1_000;

    /// <summary>Politeness limit per target server when no Scraper has advertised its own (Capture:PerHostConcurrency).</summary>
    [Range(1, 100)]
    public int PerHostConcurrency { get; set; } = 2;

    /// <summary>
    /// Which Scraper replica a capture's page is reserved on: <see cref="ScraperPlacement.Pack"/> fills the busiest replica
    /// that still has a free page, <see cref="ScraperPlacement.Spread"/> the one with the most free pages.
    /// </summary>
    public ScraperPlacement Placement { get; set; } = ScraperPlacement.Pack;
}

/// <summary>How the dispatcher chooses among Scraper replicas with a free page.</summary>
public enum ScraperPlacement
{
    /// <summary>
    /// The busiest replica with a free page first, ties in a fixed order: at light load one browser does the work. Two
    /// Chromiums sharing the machine's cores spend 1.2–1.5× the CPU per page of one doing the same pages (docs/benchmarks.md,
    /// "two browsers"); a second replica still takes captures once the first is full, and all of them if it is lost.
    /// </summary>
    Pack,

    /// <summary>The replica with the most free pages first, ties in turn: every replica's browser shares the load.</summary>
    Spread,
}
