using System.Diagnostics.Metrics;

namespace Platform.Gateway.Proxy;

/// <summary>Meter "Platform.Gateway": the Api destinations in the rotation.</summary>
public sealed class GatewayMetrics(IMeterFactory meterFactory)
{
    public const string MeterName = "Platform.Gateway";

    private readonly Meter _meter = meterFactory.Create(MeterName);

    /// <summary>The rotation's size, read when the meter is collected (1 while routing through service discovery).</summary>
    public void ObserveApiDestinations(Func<int> count) =>
        _meter.CreateObservableGauge("platform.gateway.api_destinations", count, "{destination}",
            "Api destinations in the gateway's rotation (1 while routing through service discovery).");
}
