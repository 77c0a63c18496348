using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Platform.Api.Formats.Diagnostics;

/// <summary>Section "Diagnostics": formats that exist to exercise the engine (slow, failing) — off unless an operator turns them on.</summary>
public sealed class DiagnosticsOptions
{
    public const string Section = "Diagnostics";

    /// <summary>Registers the "diagnostic" format. Integration tests and benchmarks set Diagnostics__EnableFaultFormats=true.</summary>
    public bool EnableFaultFormats { get; set; }
}

/// <summary>
/// Waits, reports progress, and fails on request — a real format the engine runs like any other, used to observe
/// limits, leases, cancellation and retries. Reads <c>options.diagnostic</c>:
/// <c>{ "delayMs": 2000, "steps": 10, "transientFailures": 2, "retryAfterMs": 100, "permanentFailure": false }</c>.
/// </summary>
public sealed class DiagnosticFormat(IOptions<DiagnosticsOptions> options, TimeProvider time) : IFormatProcessor
{
    public FormatDescriptor Descriptor { get; } = new(
        "diagnostic", "Engine diagnostics: waits, reports progress and fails as its options say", FormatNeeds.None, IsDefault: false, "application/json");

    public bool IsEnabled => options.Value.EnableFaultFormats;

    public async Task<FormatOutput> ProcessAsync(FormatContext context, CancellationToken cancellationToken)
    {
        var settings = context.FormatOptions is { } own ? own.Deserialize<DiagnosticSettings>(JsonSerializerOptions.Web) ?? new() : new();

        // Fail before doing the work, as a flaky dependency would: attempts 1..TransientFailures fail transiently.
        if (context.Attempt <= settings.TransientFailures)
        {
            var retryAfter = settings.RetryAfterMs is > 0 ? TimeSpan.FromMilliseconds(settings.RetryAfterMs.Value) : (TimeSpan?)null;
            throw new TransientFormatException($"diagnostic: transient failure {context.Attempt} of {settings.TransientFailures}", retryAfter);
        }
        if (settings.PermanentFailure)
        {
            throw new PermanentFormatException("diagnostic: permanent failure as requested");
        }

        var steps = Math.Clamp(settings.Steps, 1, 1000);
        var stepDelay = TimeSpan.FromMilliseconds(Math.Clamp(settings.DelayMs, 0, 600_000) / (double)steps);
        for (var step = 1; step <= steps; step++)
        {
            if (stepDelay > TimeSpan.Zero)
            {
                await Task.Delay(stepDelay, cancellationToken);
            }
            context.ReportProgress((double)step / steps, $"step {step}/{steps}");
        }

        var result = new { context.JobId, context.Attempt, settings.DelayMs, steps, finishedAt = time.GetUtcNow() };
        return new FormatOutput(Descriptor.ContentType, JsonSerializer.SerializeToUtf8Bytes(result, JsonSerializerOptions.Web));
    }

    private sealed record DiagnosticSettings
    {
        public int DelayMs { get; init; }
        public int Steps { get; init; } = 10;
        public int TransientFailures { get; init; }
        public int? RetryAfterMs { get; init; }
        public bool PermanentFailure { get; init; }
    }
}
