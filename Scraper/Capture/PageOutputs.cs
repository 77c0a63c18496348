using System.Text.Json;
using Microsoft.Playwright;
using Platform.Scraper.Browser;
using Platform.Scraper.Contracts;

namespace Platform.Scraper.Capture;

/// <summary>
/// Produces a loaded page's requested outputs in a fixed order and writes each as a frame. One output failing on its own
/// (too large, a screenshot or PDF Chromium cannot raster) is an error frame for that output; the others still stand.
/// </summary>
internal sealed class PageOutputs(
    IPage page, CaptureRequest request, CaptureFrames frames, PageScripts scripts, CaptureOptions options, BrowserLease lease,
    ILogger logger, CancellationToken ct)
{
    private static readonly CaptureOutput[] OutputOrder =
        [CaptureOutput.Html, CaptureOutput.Markdown, CaptureOutput.Text, CaptureOutput.Links, CaptureOutput.Metadata, CaptureOutput.Screenshot, CaptureOutput.Pdf];

    private readonly List<CaptureOutput> _wanted = OutputOrder.Where(request.Outputs.Contains).ToList();
    private JsonElement? _extracted;

    public async Task ProduceAsync()
    {
        foreach (var output in _wanted)
        {
            ct.ThrowIfCancellationRequested();
            await frames.ProgressAsync(CaptureFrame.Stages.Output, output.Name());
            try
            {
                await ProduceAsync(output);
            }
            catch (OutputTooLargeException e)
            {
                await frames.ErrorAsync(CaptureProblems.OutputTooLarge(e.Message), output.Name());
            }
            catch (PlaywrightException e) when (!ct.IsCancellationRequested && !lease.BrowserLost && output.IsBinary())
            {
                // A screenshot or PDF can fail on its own (page too large to rasterise); the other outputs still stand.
                logger.LogWarning(e, "Output {Output} of {Url} failed", output.Name(), request.Url);
                await frames.ErrorAsync(CaptureProblems.OutputFailed(output.Name(), e.Message), output.Name());
            }
        }
    }

    private async Task ProduceAsync(CaptureOutput output)
    {
        switch (output)
        {
            case CaptureOutput.Html:
                await WriteTextAsync(output, await Bounded.Call(page.ContentAsync(), ct));
                break;
            case CaptureOutput.Markdown or CaptureOutput.Text or CaptureOutput.Links or CaptureOutput.Metadata:
                var value = (await ExtractAsync()).GetProperty(output.Name());
                await (value.ValueKind == JsonValueKind.String ? WriteTextAsync(output, value.GetString()!) : WriteJsonAsync(output, value));
                break;
            case CaptureOutput.Screenshot:
                await WriteBinaryAsync(output, await Bounded.Call(page.ScreenshotAsync(ScreenshotOptions()), ct));
                break;
            case CaptureOutput.Pdf:
                await WriteBinaryAsync(output, await Bounded.Call(page.PdfAsync(new PagePdfOptions { Format = "A4", PrintBackground = true }), ct));
                break;
        }
    }

    /// <summary>The text outputs come from one run of the extraction script, asked only for what the request wants.</summary>
    private async Task<JsonElement> ExtractAsync() => _extracted ??= await Bounded.Call(page.EvaluateAsync<JsonElement>(scripts.Extract, new
    {
        markdown = _wanted.Contains(CaptureOutput.Markdown),
        text = _wanted.Contains(CaptureOutput.Text),
        links = _wanted.Contains(CaptureOutput.Links),
        metadata = _wanted.Contains(CaptureOutput.Metadata),
        maxLinks = 5_000,
        maxHeadings = 500,
    }), ct);

    /// <summary>
    /// Never an open-ended full page: a full page is clipped to MaxScreenshotWidth × MaxScreenshotHeight
    /// pixels, which Playwright trims to the page's extent as it measures it just before it captures (a page that grew
    /// after it loaded is measured then, and a page smaller than the ceiling is captured whole), so a very long or very wide
    /// page gives at most that raster instead of one that can crash Chromium; no measuring of our own first.
    /// </summary>
    private PageScreenshotOptions ScreenshotOptions() => new()
    {
        Type = ScreenshotType.Png,
        FullPage = request.FullPage,
        Timeout = frames.RemainingMs,
        Clip = request.FullPage ? new Clip { X = 0, Y = 0, Width = options.MaxScreenshotWidth, Height = options.MaxScreenshotHeight } : null,
    };

    private Task WriteTextAsync(CaptureOutput output, string text)
    {
        if (text.Length > options.MaxOutputBytes / 3 && System.Text.Encoding.UTF8.GetByteCount(text) > options.MaxOutputBytes)
        {
            throw new OutputTooLargeException($"{output.Name()} exceeds {options.MaxOutputBytes} bytes.");
        }
        return WriteJsonAsync(output, JsonSerializer.SerializeToElement(text));
    }

    private Task WriteJsonAsync(CaptureOutput output, JsonElement data) => frames.OutputAsync(new CaptureFrame
    {
        Type = CaptureFrame.Types.Output, Output = output.Name(), ContentType = output.ContentType(), Data = data,
    });

    private Task WriteBinaryAsync(CaptureOutput output, byte[] bytes)
    {
        if (bytes.Length > options.MaxOutputBytes)
        {
            throw new OutputTooLargeException($"{output.Name()} is {bytes.Length} bytes, over {options.MaxOutputBytes}.");
        }
        var header = new CaptureFrame { Type = CaptureFrame.Types.Output, Output = output.Name(), ContentType = output.ContentType() };
        return request.BinaryEncoding == BinaryEncoding.Base64
            ? frames.OutputAsync(header with { Base64 = Convert.ToBase64String(bytes) })
            : frames.BinaryOutputAsync(header, bytes);
    }

    private sealed class OutputTooLargeException(string message) : Exception(message);
}
