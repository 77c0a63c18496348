namespace Platform.Scraper.Browser;

/// <summary>The current browser's figures, as <c>GET /captures/stats</c> reports them.</summary>
public sealed record BrowserStats(
    int? Generation, int? ProcessId, int CapturesOnBrowser, int InFlight, int Draining, long Restarts, long MemoryBytes, long PeakMemoryBytes, string? Version);
