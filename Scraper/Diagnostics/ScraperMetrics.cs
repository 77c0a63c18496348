using System.Diagnostics.Metrics;

namespace Platform.Scraper.Diagnostics;

/// <summary>The "Platform.Scraper" meter: page pool, captures, browser hygiene and politeness waits.</summary>
public sealed class ScraperMetrics
{
    public const string MeterName = "Platform.Scraper";

    private readonly Meter _meter;
    private readonly Histogram<double> _poolWait;
    private readonly Counter<long> _admissionRefused;
    private readonly Histogram<double> _captureDuration;
    private readonly Counter<long> _browserRestarts;
    private readonly Histogram<double> _hostWait;
    private readonly Counter<long> _egressBlocked;
    private readonly Counter<long> _warmContexts;

    public ScraperMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _poolWait = _meter.CreateHistogram<double>("platform.scraper.pool.wait_time", "s", "Time an admitted capture waited for a page.");
        _admissionRefused = _meter.CreateCounter<long>("platform.scraper.admission.refused", "{capture}", "Captures refused with 503, by reason.");
        _captureDuration = _meter.CreateHistogram<double>("platform.scraper.capture.duration", "s", "Capture duration from page open to close, by outcome.");
        _browserRestarts = _meter.CreateCounter<long>("platform.scraper.browser.restarts", "{restart}", "Chromium relaunches, by reason (crash, captures, memory).");
        _egressBlocked = _meter.CreateCounter<long>("platform.scraper.egress.blocked", "{connection}", "Connections the egress proxy refused (non-public or metadata addresses).");
        _warmContexts = _meter.CreateCounter<long>("platform.scraper.warm_contexts", "{capture}",
            "Captures that started on a context prepared ahead (hit) or had to create one (miss).");
        _hostWait = _meter.CreateHistogram<double>("platform.scraper.host_semaphore.wait_time", "s", "Wait for the cluster-wide per-host politeness slot, by outcome.");
    }

    /// <summary>The page pool's gauges, read when the meter is collected.</summary>
    public void ObservePool(Func<int> inUse, Func<int> waiting, Func<int> openPages)
    {
        _meter.CreateObservableGauge("platform.scraper.pool.in_use", inUse, "{page}", "Page slots held by captures.");
        _meter.CreateObservableGauge("platform.scraper.pool.waiting", waiting, "{capture}", "Admitted captures waiting for a page or a host slot.");
        _meter.CreateObservableGauge("platform.scraper.pages.open", openPages, "{page}", "Chromium pages open right now.");
    }

    /// <summary>The browser's gauges, read when the meter is collected.</summary>
    public void ObserveBrowser(Func<long> memoryBytes, Func<int> generation)
    {
        _meter.CreateObservableGauge("platform.scraper.browser.memory", memoryBytes, "By",
            "Resident memory of the Chromium process trees (current and draining).");
        _meter.CreateObservableGauge("platform.scraper.browser.generation", generation, "{generation}",
            "Chromium launches since start.");
    }

    public void PoolWaited(TimeSpan wait, bool acquired) =>
        _poolWait.Record(wait.TotalSeconds, new KeyValuePair<string, object?>("outcome", acquired ? "acquired" : "timeout"));

    public void AdmissionRefused(string reason) => _admissionRefused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void CaptureFinished(TimeSpan duration, string outcome) =>
        _captureDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));

    public void BrowserRestarted(string reason) => _browserRestarts.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void EgressBlocked() => _egressBlocked.Add(1);

    public void WarmContextTaken(bool hit) => _warmContexts.Add(1, new KeyValuePair<string, object?>("outcome", hit ? "hit" : "miss"));

    public void HostWaited(TimeSpan wait, string outcome) =>
        _hostWait.Record(wait.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
}
