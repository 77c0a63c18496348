using System.Diagnostics;
using Platform.Scraper.Contracts;

namespace Platform.Scraper.Capture;

/// <summary>
/// The frames one capture writes to its caller, stamped with the time since the capture started, and the capture's clock
/// (what is left of its hard timeout). Writes end with the caller: <paramref name="requestAborted"/>.
/// </summary>
internal sealed class CaptureFrames(CaptureStreamWriter writer, long startedTimestamp, int hardTimeoutMs, CancellationToken requestAborted)
{
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(startedTimestamp);

    private long ElapsedMs => (long)Elapsed.TotalMilliseconds;

    /// <summary>Milliseconds left before the hard timeout, at least 1 (Playwright reads 0 as "no timeout").</summary>
    public float RemainingMs => (float)Math.Max(1, hardTimeoutMs - Elapsed.TotalMilliseconds);

    public Task ProgressAsync(string stage, string? output = null) =>
        writer.WriteAsync(new CaptureFrame { Type = CaptureFrame.Types.Progress, Stage = stage, Output = output, ElapsedMs = ElapsedMs }, requestAborted);

    public Task LoadedAsync(string finalUrl, int? status) => writer.WriteAsync(new CaptureFrame
    {
        Type = CaptureFrame.Types.Progress, Stage = CaptureFrame.Stages.Loaded, FinalUrl = finalUrl, Status = status, ElapsedMs = ElapsedMs,
    }, requestAborted);

    public Task ResultAsync(string finalUrl, int? status) => writer.WriteAsync(new CaptureFrame
    {
        Type = CaptureFrame.Types.Result, FinalUrl = finalUrl, Status = status, ElapsedMs = ElapsedMs,
    }, requestAborted);

    /// <summary>An error frame: of one output (the others still stand) or, with no output, of the whole capture.</summary>
    public Task ErrorAsync(CaptureProblem problem, string? output = null) =>
        writer.WriteAsync(new CaptureFrame { Type = CaptureFrame.Types.Error, Output = output, Problem = problem }, requestAborted);

    public Task OutputAsync(CaptureFrame frame) => writer.WriteAsync(frame, requestAborted);

    public Task BinaryOutputAsync(CaptureFrame header, byte[] bytes) => writer.WriteBinaryAsync(header, bytes, requestAborted);
}
