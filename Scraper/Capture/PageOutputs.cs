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
                await WriteBinaryAsync(output, await Bounded.Call(page.ScreenshotAsync(await ScreenshotOptionsAsync()), ct));
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
    /// Always clipped, never an open-ended full page: a page that grows after it was measured, or is very wide, still gives
    /// at most MaxScreenshotWidth × MaxScreenshotHeight pixels (Playwright trims a clip larger than the page), instead of a
    /// raster that can crash Chromium.
    /// </summary>
    private async Task<PageScreenshotOptions> ScreenshotOptionsAsync()
    {
        var size = await Bounded.Call(page.EvaluateAsync<double[]>(PageScripts.ScrollSize), ct);
        return new PageScreenshotOptions
        {
            Type = ScreenshotType.Png,
            FullPage = request.FullPage,
            Timeout = frames.RemainingMs,
            Clip = new Clip
            {
                X = 0,
                Y = 0,
                Width = request.FullPage ? Bound(size[0], request.Viewport.Width, options.MaxScreenshotWidth) : request.Viewport.Width,
                Height = request.FullPage ? Bound(size[1], request.Viewport.Height, options.MaxScreenshotHeight) : request.Viewport.Height,
            },
        };
    }

    /// <summary>The page's extent, at least the viewport's, at most the configured ceiling.</summary>
    private static float Bound(double measured, int viewport, int max) => (float)Math.Min(Math.Max(measured, viewport), max);

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
