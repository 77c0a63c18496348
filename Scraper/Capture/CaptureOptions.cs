using System.ComponentModel.DataAnnotations;
using System.Net;
using Platform.Scraper.Contracts;

namespace Platform.Scraper.Capture;

public sealed class CaptureOptions : IValidatableObject
{
    public const string Section = "Capture";

    /// <summary>
    /// Allow targets, redirects and subresources on loopback / private / link-local addresses. Off in production; tests that
    /// capture their local fixture site turn it on. Cloud metadata endpoints stay blocked either way.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Ports besides 80 and 443 that targets, redirects, subresources and CONNECT tunnels may use.</summary>
    public int[] AdditionalPorts { get; set; } = [];

    /// <summary>Non-public networks (CIDR) an operator lets captures reach, e.g. an intranet; metadata addresses never.</summary>
    public string[] AllowedNetworks { get; set; } = [];

    /// <summary>Answer names from this DNS server ("127.0.0.1:5353") instead of the system resolver; null = the system's.</summary>
    public string? DnsServer { get; set; }

    public TargetRules ToRules() => new(AllowPrivateNetworks, AdditionalPorts, TargetRules.ParseNetworks(AllowedNetworks));

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

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var error in TargetRules.Validate(AllowedNetworks, AdditionalPorts))
        {
            yield return error;
        }
        if (DnsServer is not null && !IPEndPoint.TryParse(DnsServer, out _))
        {
            yield return new ValidationResult($"'{DnsServer}' is not an address:port.", [nameof(DnsServer)]);
        }
    }
}
