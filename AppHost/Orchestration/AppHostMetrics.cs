using System.Diagnostics.Metrics;

namespace Platform.AppHost.Orchestration;

/// <summary>Meter "Platform.AppHost", exported by the gateway's /metrics like every Platform.* meter.</summary>
internal static class AppHostMetrics
{
    private static readonly Meter Meter = new("Platform.AppHost");

    public static readonly Counter<long> Restarts = Meter.CreateCounter<long>(
        "platform.apphost.restarts", unit: "{restart}", description: "Supervised processes that exited unexpectedly and were started again, by resource.");

    public static readonly Histogram<double> StartupDuration = Meter.CreateHistogram<double>(
        "platform.apphost.startup.duration", unit: "s", description: "Time from StartAsync to every resource healthy.");
}
