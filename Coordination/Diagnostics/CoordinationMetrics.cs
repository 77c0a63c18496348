using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Platform.Coordination;

/// <summary>
/// Meter "Platform.Coordination" (exported by ServiceDefaults with every "Platform.*" meter). Tags are bounded: the
/// primitive, the resource kind (the part of the name before ':'), and a fixed outcome or reason — never an id.
/// </summary>
internal sealed class CoordinationMetrics
{
    public const string MeterName = "Platform.Coordination";

    private static readonly double[] WaitBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
    private static readonly double[] HoldBuckets = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

    private readonly Histogram<double> _acquireWait;
    private readonly Counter<long> _acquireRefused;
    private readonly Histogram<double> _holdDuration;
    private readonly Counter<long> _renewals;
    private readonly Counter<long> _lost;
    private readonly Counter<long> _reclaimed;
    private readonly Counter<long> _forgotten;
    private readonly UpDownCounter<long> _held;
    private readonly UpDownCounter<long> _waiting;

    public CoordinationMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _acquireWait = meter.CreateHistogram("platform.coordination.acquire.wait", "s",
            "Time from an acquire call to its outcome (acquired, refused, cancelled, unavailable, error).",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = WaitBuckets });
        _acquireRefused = meter.CreateCounter<long>("platform.coordination.acquire.refused", "{acquisition}",
            "Acquisitions that returned no lease: at the limit (TryAcquire) or still at the limit when maxWait ran out.");
        _holdDuration = meter.CreateHistogram("platform.coordination.hold.duration", "s",
            "How long a lease was held, from grant to release or loss.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = HoldBuckets });
        _renewals = meter.CreateCounter<long>("platform.coordination.lease.renewals", "{renewal}",
            "Background lease renewals by outcome (renewed, failed).");
        _lost = meter.CreateCounter<long>("platform.coordination.lease.lost", "{lease}",
            "Held leases lost before release: missing on renewal (key deleted, Redis restarted empty) or expired while renewals failed.");
        _reclaimed = meter.CreateCounter<long>("platform.coordination.lease.reclaimed", "{lease}",
            "Expired leases of vanished holders removed by an acquire.");
        _forgotten = meter.CreateCounter<long>("platform.coordination.epochs.forgotten", "{epoch}",
            "Times this process found that Redis had forgotten every lease (restarted empty, flushed): grants pause for a lease duration.");
        _held = meter.CreateUpDownCounter<long>("platform.coordination.leases.held", "{lease}",
            "Leases this process holds now.");
        _waiting = meter.CreateUpDownCounter<long>("platform.coordination.acquire.waiting", "{waiter}",
            "Acquire calls in this process waiting for a slot now.");
    }

    public void AcquireWait(LeaseTarget target, TimeSpan elapsed, string outcome) =>
        _acquireWait.Record(elapsed.TotalSeconds, Tags(target, "outcome", outcome));

    public void AcquireRefused(LeaseTarget target) => _acquireRefused.Add(1, Tags(target));

    public void Held(LeaseTarget target, int delta) => _held.Add(delta, Tags(target));

    public void Waiting(LeaseTarget target, int delta) => _waiting.Add(delta, Tags(target));

    public void HoldDuration(LeaseTarget target, TimeSpan held, string outcome) =>
        _holdDuration.Record(held.TotalSeconds, Tags(target, "outcome", outcome));

    public void Renewal(LeaseTarget target, string outcome) => _renewals.Add(1, Tags(target, "outcome", outcome));

    public void Lost(LeaseTarget target, string reason) => _lost.Add(1, Tags(target, "reason", reason));

    public void Forgotten() => _forgotten.Add(1);

    public void Reclaimed(LeaseTarget target, long count) => _reclaimed.Add(count, Tags(target));

    private static TagList Tags(LeaseTarget target) => new()
    {
        { "primitive", target.Primitive },
        { "resource.kind", target.Kind },
    };

    private static TagList Tags(LeaseTarget target, string key, string value) => new()
    {
        { "primitive", target.Primitive },
        { "resource.kind", target.Kind },
        { key, value },
    };
}
