using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Platform.Api.Formats;

namespace Platform.Integration.Tests.Model;

/// <summary>Stands in for the executor's reporter: keeps every streamed chunk in order.</summary>
public sealed class RecordingTaskReporter : ITaskReporter
{
    private readonly ConcurrentQueue<string> chunks = new();

    public IReadOnlyList<string> Chunks => [.. chunks];

    public string Text => string.Concat(chunks);

    public void ReportProgress(string format, double fraction, string? message) { }

    public ValueTask AppendOutputAsync(string format, string chunk, CancellationToken cancellationToken)
    {
        chunks.Enqueue(chunk);
        return ValueTask.CompletedTask;
    }

    public FormatContext Context(string format, string text, string optionsJson = "{}", int attempt = 1) =>
        new(Guid.NewGuid(), format, attempt, url: null, text, capture: null, JsonDocument.Parse(optionsJson).RootElement, this);
}
