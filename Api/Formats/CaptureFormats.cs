namespace Platform.Api.Formats;

/// <summary>Formats produced by one browser capture of a URL (the Scraper); they apply to URL jobs only.</summary>
public static class CaptureFormats
{
    public static readonly IReadOnlyList<FormatDescriptor> All =
    [
        new("markdown", "Clean Markdown of the page's main content", FormatNeeds.Capture, IsDefault: true, "text/markdown; charset=utf-8"),
        new("text", "Plain text of the page's main content", FormatNeeds.Capture, IsDefault: false, "text/plain; charset=utf-8"),
        new("html", "The rendered HTML", FormatNeeds.Capture, IsDefault: false, "text/html; charset=utf-8"),
        new("links", "Every link on the page, resolved", FormatNeeds.Capture, IsDefault: false, "application/json"),
        new("metadata", "Title, description, language, Open Graph and other meta tags", FormatNeeds.Capture, IsDefault: true, "application/json"),
        new("screenshot", "Full-page screenshot (PNG)", FormatNeeds.Capture, IsDefault: false, "image/png"),
        new("pdf", "The page printed to PDF", FormatNeeds.Capture, IsDefault: false, "application/pdf"),
    ];
}
