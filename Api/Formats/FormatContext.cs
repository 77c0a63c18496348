using System.Text.Json;

namespace Platform.Api.Formats;

/// <summary>Where a running task reports progress and streamed partial output (the executor throttles and stores both as job events).</summary>
public interface ITaskReporter
{
    /// <summary>Latest progress wins; the executor stores at most a few per second per job.</summary>
    void ReportProgress(string format, double fraction, string? message);

    /// <summary>Appends streamed partial output; the executor batches chunks (~200 ms) into "task.output" events.</summary>
    ValueTask AppendOutputAsync(string format, string chunk, CancellationToken cancellationToken);
}

/// <summary>Everything a format processor gets for one task of one job.</summary>
public sealed class FormatContext(
    Guid jobId,
    string format,
    int attempt,
    Uri? url,
    string? text,
    CaptureResult? capture,
    JsonElement options,
    ITaskReporter reporter)
{
    public Guid JobId { get; } = jobId;
    public string Format { get; } = format;

    /// <summary>1-based try of this task within the current job attempt (retries of transient failures count up).</summary>
    public int Attempt { get; } = attempt;

    /// <summary>The URL of a URL job; null for text jobs.</summary>
    public Uri? Url { get; } = url;

    /// <summary>The pasted text, or for URL jobs the readable text the capture produced. Non-null for formats that need text.</summary>
    public string? Text { get; } = text;

    /// <summary>The capture of a URL job (null for text jobs).</summary>
    public CaptureResult? Capture { get; } = capture;

    /// <summary>The job's whole "options" object (always a JSON object, possibly empty).</summary>
    public JsonElement Options { get; } = options;

    /// <summary>By convention a format reads its own settings from <c>options["&lt;format name&gt;"]</c>.</summary>
    public JsonElement? FormatOptions =>
        Options.ValueKind == JsonValueKind.Object && Options.TryGetProperty(Format, out var own) && own.ValueKind == JsonValueKind.Object
            ? own
            : null;

    public void ReportProgress(double fraction, string? message = null) =>
        reporter.ReportProgress(Format, Math.Clamp(fraction, 0, 1), message);

    public ValueTask AppendOutputAsync(string chunk, CancellationToken cancellationToken) =>
        reporter.AppendOutputAsync(Format, chunk, cancellationToken);

    /// <summary>A context over pasted text that discards progress: for unit tests of a single format.</summary>
    public static FormatContext ForText(string format, string text, JsonElement? options = null, int attempt = 1) =>
        new(Guid.NewGuid(), format, attempt, url: null, text, capture: null,
            options ?? JsonDocument.Parse("{}").RootElement, NullTaskReporter.Instance);

    private sealed class NullTaskReporter : ITaskReporter
    {
        public static readonly NullTaskReporter Instance = new();
        public void ReportProgress(string format, double fraction, string? message) { }
        public ValueTask AppendOutputAsync(string format, string chunk, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
