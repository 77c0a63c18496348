using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Platform.Api.Formats.Text;

/// <summary>Meter "Platform.Formats.Text": how long each offline format takes and how much text it reads.</summary>
public sealed class TextFormatMetrics
{
    public const string MeterName = "Platform.Formats.Text";

    private readonly Histogram<double> duration;
    private readonly Histogram<long> inputChars;
    private readonly Counter<long> overBudget;

    public TextFormatMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        duration = meter.CreateHistogram<double>("platform.formats.text.duration", "s", "Time to compute one offline text format.");
        overBudget = meter.CreateCounter<long>("platform.formats.text.over_budget", "{task}", "Tasks stopped at their time budget.");
        inputChars = meter.CreateHistogram<long>("platform.formats.text.input_size", "{char}", "Characters of input text per task.");
    }

    /// <summary>A task stopped at its time budget (TextFormats:MaxComputeTime).</summary>
    public void OverBudget(string format) => overBudget.Add(1, new KeyValuePair<string, object?>("format", format));

    public void Record(string format, int chars, TimeSpan elapsed)
    {
        var tag = new KeyValuePair<string, object?>("format", format);
        duration.Record(elapsed.TotalSeconds, tag);
        inputChars.Record(chars, tag);
    }
}
