using System.ComponentModel.DataAnnotations;

namespace Platform.Scraper.Browser;

public sealed class BrowserOptions : IValidatableObject
{
    public const string Section = "Browser";

    /// <summary>Debian's Chromium; Playwright cannot download its own browsers here.</summary>
    [Required]
    public string ExecutablePath { get; set; } = "/usr/bin/chromium";

    public bool Headless { get; set; } = true;

    /// <summary>
    /// The unprivileged user Chromium runs as when the Scraper runs as root (scripts/bootstrap creates it): Chromium's
    /// sandbox needs a non-root user, and a renderer exploit must not land next to root. Ignored when not root.
    /// </summary>
    [Required]
    public string SandboxUser { get; set; } = "platform-chromium";

    [Range(1_000, 120_000)]
    public int LaunchTimeoutMs { get; set; } = 30_000;

    /// <summary>
    /// Retire the browser (drain, close, relaunch) after this many captures: a backstop for what a long-lived Chromium
    /// accretes that <see cref="MaxTreeMemoryMb"/> does not show. Not smaller: in the capture benchmark each retirement
    /// cost a 25-page round 15–20 % of its throughput (~4–5 s of CPU at 4 captures at once), ~2.5 % of all captures at one
    /// per 200; none was seen in 250 captures of one browser without it (docs/benchmarks.md, 2026-12-05).
    /// </summary>
    [Range(1, 100_000)]
    public int MaxCapturesPerBrowser { get; set; } = 1_000;

    /// <summary>
    /// Retire the browser when its process tree uses more than this many MiB, each page counted once (the tree's PSS;
    /// <see cref="ChromiumProcessTree.TreeProportionalBytes"/>). Not the resident sizes summed: they count every page
    /// Chromium's processes share once per process, ~3.5–4× what the tree uses, and retired a browser on a peak past 2048
    /// after 428 captures at 4 at once (docs/benchmarks.md, 2026-12-05 evening).
    /// </summary>
    [Range(64, 65_536)]
    public int MaxTreeMemoryMb { get; set; } = 2_048;

    /// <summary>How often the Chromium process tree's memory is read from /proc.</summary>
    [Range(100, 60_000)]
    public int MemorySampleIntervalMs { get; set; } = 2_000;

    /// <summary>How often the browser is asked a trivial CDP question (each probe may take this long to be answered).</summary>
    [Range(100, 60_000)]
    public int ProbeIntervalMs { get; set; } = 2_000;

    /// <summary>
    /// A browser that answered no probe for this long (a hung or stopped Chromium) is killed and replaced; its captures fail
    /// as transient instead of waiting for their hard timeout.
    /// </summary>
    [Range(1_000, 600_000)]
    public int UnresponsiveAfterMs { get; set; } = 30_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (UnresponsiveAfterMs < 2 * ProbeIntervalMs)
        {
            yield return new ValidationResult("Browser:UnresponsiveAfterMs must be at least two probe intervals (one late answer is not a hang).",
                [nameof(UnresponsiveAfterMs), nameof(ProbeIntervalMs)]);
        }
    }
}
