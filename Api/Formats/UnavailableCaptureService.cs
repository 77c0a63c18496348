namespace Platform.Api.Formats;

/// <summary>Registered only when no capture implementation is: URL jobs then fail their capture tasks with a clear reason.</summary>
internal sealed class UnavailableCaptureService : ICaptureService
{
    public Task<CaptureResult> CaptureAsync(CaptureRequest request, IProgress<CaptureProgress> progress, CancellationToken cancellationToken) =>
        throw new PermanentFormatException("URL capture is not available: no capture service is configured on this Api.");
}
