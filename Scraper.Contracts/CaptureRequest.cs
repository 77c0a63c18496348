using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Platform.Scraper.Contracts;

/// <summary>Body of <c>POST /captures</c>.</summary>
public sealed record CaptureRequest
{
    [Required]
    public required string Url { get; init; }

    public CaptureWait Wait { get; init; } = CaptureWait.Load;

    /// <summary>CSS selector to wait for when <see cref="Wait"/> is <see cref="CaptureWait.Selector"/>.</summary>
    public string? Selector { get; init; }

    /// <summary>Budget for navigation and waiting; capped by the Scraper's hard timeout.</summary>
    [Range(500, 300_000)]
    public int TimeoutMs { get; init; } = 30_000;

    public CaptureViewport Viewport { get; init; } = new();

    /// <summary>Screenshot the whole scrollable page rather than the viewport.</summary>
    public bool FullPage { get; init; } = true;

    public IReadOnlyList<CaptureOutput> Outputs { get; init; } = [CaptureOutput.Markdown];

    /// <summary>How binary outputs travel: raw frames (default) or base64 inside JSON (kept for measurement and simple clients).</summary>
    public BinaryEncoding BinaryEncoding { get; init; } = BinaryEncoding.Frame;

    /// <summary>The target server's politeness slot, reserved by the caller; null: the Scraper waits for one itself.</summary>
    public HostReservation? HostReservation { get; init; }
}

public sealed record CaptureViewport
{
    [Range(200, 4_000)]
    public int Width { get; init; } = 1280;

    [Range(200, 4_000)]
    public int Height { get; init; } = 800;
}

[JsonConverter(typeof(JsonStringEnumConverter<CaptureWait>))]
public enum CaptureWait
{
    [JsonStringEnumMemberName("load")] Load,
    [JsonStringEnumMemberName("networkidle")] NetworkIdle,
    [JsonStringEnumMemberName("selector")] Selector,
}

[JsonConverter(typeof(JsonStringEnumConverter<CaptureOutput>))]
public enum CaptureOutput
{
    [JsonStringEnumMemberName("html")] Html,
    [JsonStringEnumMemberName("markdown")] Markdown,
    [JsonStringEnumMemberName("text")] Text,
    [JsonStringEnumMemberName("links")] Links,
    [JsonStringEnumMemberName("metadata")] Metadata,
    [JsonStringEnumMemberName("screenshot")] Screenshot,
    [JsonStringEnumMemberName("pdf")] Pdf,
}

[JsonConverter(typeof(JsonStringEnumConverter<BinaryEncoding>))]
public enum BinaryEncoding
{
    [JsonStringEnumMemberName("frame")] Frame,
    [JsonStringEnumMemberName("base64")] Base64,
}

public static class CaptureOutputs
{
    public static string Name(this CaptureOutput output) => output switch
    {
        CaptureOutput.Html => "html",
        CaptureOutput.Markdown => "markdown",
        CaptureOutput.Text => "text",
        CaptureOutput.Links => "links",
        CaptureOutput.Metadata => "metadata",
        CaptureOutput.Screenshot => "screenshot",
        CaptureOutput.Pdf => "pdf",
        _ => throw new ArgumentOutOfRangeException(nameof(output)),
    };

    public static bool TryParse(string name, out CaptureOutput output)
    {
        foreach (var candidate in Enum.GetValues<CaptureOutput>())
        {
            if (string.Equals(candidate.Name(), name, StringComparison.OrdinalIgnoreCase))
            {
                output = candidate;
                return true;
            }
        }
        output = default;
        return false;
    }

    public static string ContentType(this CaptureOutput output) => output switch
    {
        CaptureOutput.Html => "text/html; charset=utf-8",
        CaptureOutput.Markdown => "text/markdown; charset=utf-8",
        CaptureOutput.Text => "text/plain; charset=utf-8",
        CaptureOutput.Links or CaptureOutput.Metadata => "application/json",
        CaptureOutput.Screenshot => "image/png",
        CaptureOutput.Pdf => "application/pdf",
        _ => throw new ArgumentOutOfRangeException(nameof(output)),
    };

    public static bool IsBinary(this CaptureOutput output) => output is CaptureOutput.Screenshot or CaptureOutput.Pdf;
}
