using System.Diagnostics.Metrics;

namespace Platform.Api.Jobs;

/// <summary>Meter "Platform.Jobs": the job engine's numbers (DESIGN "Observability").</summary>
public sealed class JobMetrics
{
    public const string MeterName = "Platform.Jobs";

    private readonly Counter<long> _submitted;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _started;
    private readonly Counter<long> _finished;
    private readonly Counter<long> _taskRetries;
    private readonly Counter<long> _leaseRenewals;
    private readonly Counter<long> _leaseExpiries;
    private readonly Counter<long> _fencingRejections;
    private readonly Counter<long> _queueExpiries;
    private readonly Counter<long> _requeued;
    private readonly Histogram<double> _submitToStart;
    private readonly Histogram<double> _jobDuration;
    private readonly Histogram<double> _taskDuration;
    private readonly UpDownCounter<long> _reservationsHeld;
    private readonly Counter<long> _reservationsRefused;
    private long _queueDepth;
    private int _slotsInUse;
    private volatile IReadOnlyDictionary<string, long> _waiting = new Dictionary<string, long>();

    public JobMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _submitted = meter.CreateCounter<long>("platform.jobs.submitted", "{job}", "Jobs accepted by admission");
        _refused = meter.CreateCounter<long>("platform.jobs.refused", "{job}", "Submissions refused with 429 by the per-user limits");
        _started = meter.CreateCounter<long>("platform.jobs.started", "{job}", "Jobs claimed by an executor (each attempt)");
        _finished = meter.CreateCounter<long>("platform.jobs.finished", "{job}", "Jobs that reached a final state, by outcome");
        _taskRetries = meter.CreateCounter<long>("platform.jobs.task.retries", "{retry}", "Task retries after transient failures");
        _leaseRenewals = meter.CreateCounter<long>("platform.jobs.lease.renewals", "{renewal}", "Job lease renewals");
        _leaseExpiries = meter.CreateCounter<long>("platform.jobs.lease.expiries", "{lease}", "Expired job leases handled by the rescuer");
        _fencingRejections = meter.CreateCounter<long>("platform.jobs.fencing.rejections", "{write}", "Executor writes rejected because the lease epoch moved on");
        _queueExpiries = meter.CreateCounter<long>("platform.jobs.queue.expired", "{job}", "Queued jobs that waited longer than the maximum queue wait");
        _requeued = meter.CreateCounter<long>("platform.jobs.requeued", "{job}",
            "Running jobs handed back to the queue with their attempt unspent, by reason (shutdown, capture-reservation-lost)");
        _submitToStart = meter.CreateHistogram<double>("platform.jobs.submit_to_start", "s", "Time from (re-)queueing to a claim");
        _jobDuration = meter.CreateHistogram<double>("platform.jobs.duration", "s", "Job run time from claim to final state, by outcome");
        _taskDuration = meter.CreateHistogram<double>("platform.jobs.task.duration", "s", "Task run time, by format and outcome");
        meter.CreateObservableGauge("platform.jobs.queue.depth", () => Volatile.Read(ref _queueDepth), "{job}", "Queued jobs across all users (sampled)");
        _reservationsHeld = meter.CreateUpDownCounter<long>("platform.jobs.capacity.reservations", "{lease}",
            "Capture reservations this replica holds, by kind (host politeness slot, Scraper page)");
        _reservationsRefused = meter.CreateCounter<long>("platform.jobs.capacity.refused", "{reservation}",
            "Capture reservations refused at claim time (the job stays queued), by reason");
        meter.CreateObservableGauge("platform.jobs.queue.waiting", () => _waiting.Select(w => new Measurement<long>(w.Value, new KeyValuePair<string, object?>("reason", w.Key))),
            "{job}", "Queued jobs by what they wait for: user-limit, host, scraper, coordination, ready (sampled)");
        meter.CreateObservableGauge("platform.jobs.executor.slots_in_use", () => Volatile.Read(ref _slotsInUse), "{slot}", "Executor slots in use on this replica");
    }

    public void Submitted(string sourceKind) => _submitted.Add(1, new KeyValuePair<string, object?>("source", sourceKind));
    public void Refused() => _refused.Add(1);
    public void Started(TimeSpan waited, string sourceKind)
    {
        var tag = new KeyValuePair<string, object?>("source", sourceKind);
        _started.Add(1, tag);
        _submitToStart.Record(waited.TotalSeconds, tag);
    }
    public void Finished(JobState outcome, TimeSpan ranFor)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome.ToWire());
        _finished.Add(1, tag);
        _jobDuration.Record(ranFor.TotalSeconds, tag);
    }
    public void FinishedWithoutRun(JobState outcome) => _finished.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToWire()));
    public void TaskFinished(string format, TaskState outcome, TimeSpan duration) =>
        _taskDuration.Record(duration.TotalSeconds, new("format", format), new("outcome", outcome.ToWire()));
    public void TaskRetried(string format) => _taskRetries.Add(1, new KeyValuePair<string, object?>("format", format));
    public void LeaseRenewed(int count) => _leaseRenewals.Add(count);
    public void LeaseExpired() => _leaseExpiries.Add(1);
    public void FencingRejected(string write) => _fencingRejections.Add(1, new KeyValuePair<string, object?>("write", write));
    public void QueueExpired() => _queueExpiries.Add(1);
    public void Requeued(string reason) => _requeued.Add(1, new KeyValuePair<string, object?>("reason", reason));
    public void SetQueueDepth(long depth) => Volatile.Write(ref _queueDepth, depth);
    public void SetSlotsInUse(int slots) => Volatile.Write(ref _slotsInUse, slots);
    public void SetWaiting(IReadOnlyDictionary<string, long> byReason) => _waiting = byReason;
    public void CaptureReservationHeld(string kind, int delta) => _reservationsHeld.Add(delta, new KeyValuePair<string, object?>("kind", kind));
    public void CaptureReservationRefused(string reason) => _reservationsRefused.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
