using System.Text.Json;

namespace Platform.Api.Formats;

/// <summary>
/// Captures a URL once for all the capture formats a job asked for (the Scraper client implements it in Api/Capture).
/// Throw <see cref="TransientFormatException"/> (503/429 with Retry-After, timeouts, connection errors) to have the
/// executor retry the capture; <see cref="PermanentFormatException"/> (target 4xx, blocked address) to fail it at once.
/// The token fires on cancel: abort the Scraper request so it closes the browser context.
/// </summary>
public interface ICaptureService
{
    Task<CaptureResult> CaptureAsync(CaptureRequest request, IProgress<CaptureProgress> progress, CancellationToken cancellationToken);
}

/// <param name="Formats">Capture format names requested (subset of the registry's capture formats); may be empty when only <paramref name="NeedsText"/>.</param>
/// <param name="NeedsText">True when text formats of the job need the page's readable text (<see cref="CaptureResult.Text"/>).</param>
/// <param name="Options">The job's options object; capture settings by convention under <c>options["capture"]</c>.</param>
/// <param name="Reservation">What the dispatcher reserved for this capture (its host's politeness slot, a Scraper page); the
/// capture honours it and the run releases it.</param>
public sealed record CaptureRequest(Guid JobId, Uri Url, IReadOnlyList<string> Formats, bool NeedsText, JsonElement Options,
    CaptureReservation? Reservation = null);

/// <param name="Fraction">0..1 of the whole capture.</param>
/// <param name="Stage">Short human label ("navigating", "rendering pdf").</param>
public sealed record CaptureProgress(double Fraction, string? Stage = null);

/// <param name="Outputs">One artifact per requested capture format that succeeded.</param>
/// <param name="Failures">Requested formats that failed on their own (format → message); they fail without retry.</param>
/// <param name="Text">Readable text of the page for text formats (required when the request NeedsText).</param>
public sealed record CaptureResult(
    Uri FinalUrl,
    IReadOnlyDictionary<string, FormatOutput> Outputs,
    IReadOnlyDictionary<string, string> Failures,
    string? Text,
    string? Title = null);
