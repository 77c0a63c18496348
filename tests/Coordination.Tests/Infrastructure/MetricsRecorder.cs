using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Coordination.Tests.Infrastructure;

/// <summary>Records what one node publishes on the "Platform.Coordination" meter (its own IMeterFactory scope only).</summary>
public sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();

    public MetricsRecorder(CoordinationNode node)
    {
        var factory = node.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Platform.Coordination" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Add(i.Name, value, tags));
        _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Add(i.Name, value, tags));
        _listener.Start();
    }

    public ConcurrentQueue<Measurement> Measurements { get; } = new();

    public IEnumerable<Measurement> Of(string instrument) => Measurements.Where(m => m.Instrument == instrument);

    public double Sum(string instrument, string? tag = null, string? value = null) =>
        Of(instrument).Where(m => tag is null || Equals(m.Tags.GetValueOrDefault(tag), value)).Sum(m => m.Value);

    private void Add(string instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }
        Measurements.Enqueue(new Measurement(instrument, value, copy));
    }

    public void Dispose() => _listener.Dispose();

    public sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);
}
