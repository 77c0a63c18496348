using System.ComponentModel.DataAnnotations;

namespace Platform.Scraper.Browser;

public sealed class BrowserOptions
{
    public const string SectionName = "Browser";

    /// <summary>Debian's Chromium; Playwright cannot download its own browsers here.</summary>
    [Required]
    public string ExecutablePath { get; set; } = "/usr/bin/chromium";

    public bool Headless { get; set; } = true;

    [Range(1_000, 120_000)]
    public int LaunchTimeoutMs { get; set; } = 30_000;
}
