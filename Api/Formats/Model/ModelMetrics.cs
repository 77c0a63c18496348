using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Platform.Api.Formats.Model;

/// <summary>
/// Meter "Platform.Formats.Model": model calls by outcome, calls in flight on this replica, call duration, time to the
/// first token and streamed characters. The wait for the shared slot is measured by "Platform.Coordination".
/// </summary>
public sealed class ModelMetrics
{
    public const string MeterName = "Platform.Formats.Model";

    private readonly Counter<long> calls;
    private readonly UpDownCounter<long> inFlight;
    private readonly Histogram<double> duration;
    private readonly Histogram<double> firstToken;
    private readonly Counter<long> streamedChars;

    public ModelMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        calls = meter.CreateCounter<long>("platform.formats.model.calls", "{call}", "Model calls by format and outcome (completed, throttled, cut, timeout, failed, cancelled).");
        inFlight = meter.CreateUpDownCounter<long>("platform.formats.model.calls_in_flight", "{call}", "Model calls running on this replica.");
        duration = meter.CreateHistogram<double>("platform.formats.model.call_duration", "s", "Model call duration, slot held.");
        firstToken = meter.CreateHistogram<double>("platform.formats.model.time_to_first_token", "s", "From request to the first streamed text.");
        streamedChars = meter.CreateCounter<long>("platform.formats.model.streamed_chars", "{char}", "Characters of streamed model output.");
    }

    public void CallStarted() => inFlight.Add(1);

    public void CallEnded(string format, string outcome, TimeSpan elapsed)
    {
        inFlight.Add(-1);
        var tags = new TagList { { "format", format }, { "outcome", outcome } };
        calls.Add(1, tags);
        duration.Record(elapsed.TotalSeconds, tags);
    }

    public void FirstToken(string format, TimeSpan elapsed) => firstToken.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("format", format));

    public void Streamed(string format, int chars) => streamedChars.Add(chars, new KeyValuePair<string, object?>("format", format));
}
