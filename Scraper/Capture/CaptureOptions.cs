using System.ComponentModel.DataAnnotations;

namespace Platform.Scraper.Capture;

public sealed class CaptureOptions
{
    public const string SectionName = "Capture";

    /// <summary>
    /// Allow targets, redirects and subresources on loopback / private / link-local addresses. Off in production; tests that
    /// capture their local fixture site turn it on. Cloud metadata endpoints stay blocked either way.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Nothing about one capture (navigation, waiting, every output) may take longer than this.</summary>
    [Range(1_000, 600_000)]
    public int HardTimeoutMs { get; set; } = 120_000;

    /// <summary>Concurrent captures of one target host across every Scraper replica (politeness).</summary>
    [Range(1, 100)]
    public int PerHostConcurrency { get; set; } = 2;

    /// <summary>Longest a capture waits for its host's politeness slot before it gets 503.</summary>
    [Range(0, 300_000)]
    public int HostWaitTimeoutMs { get; set; } = 30_000;

    /// <summary>Largest single output (HTML, Markdown, screenshot, PDF) returned.</summary>
    [Range(1_024, 1_073_741_824)]
    public int MaxOutputBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Full-page screenshots are clipped to this height: Chromium cannot rasterise arbitrarily tall pages.</summary>
    [Range(500, 65_535)]
    public int MaxScreenshotHeight { get; set; } = 16_384;

    /// <summary>Full-page screenshots are clipped to this width (a page's horizontal overflow can be arbitrarily wide).</summary>
    [Range(200, 16_384)]
    public int MaxScreenshotWidth { get; set; } = 4_096;
}
