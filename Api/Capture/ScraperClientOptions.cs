using System.ComponentModel.DataAnnotations;

namespace Platform.Api.Capture;

public sealed class ScraperClientOptions
{
    public const string SectionName = "Scraper";

    /// <summary>Resolved by service discovery (services__scraper__http__N), as under Aspire.</summary>
    [Required]
    public Uri BaseAddress { get; set; } = new("http://scraper");

    /// <summary>Until the response starts: the Scraper's admission may wait for a page and a host slot (30 s each by default).</summary>
    [Range(1_000, 600_000)]
    public int AttemptTimeoutMs { get; set; } = 75_000;

    /// <summary>Whole capture, streaming included; the Scraper's own hard timeout is 120 s.</summary>
    [Range(1_000, 1_800_000)]
    public int CaptureTimeoutMs { get; set; } = 180_000;
}
