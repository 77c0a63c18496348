using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;

namespace Platform.Api.Live;

/// <summary>
/// Where published events go once they leave the in-process queue: the jobs hub (<see cref="HubJobEventSink"/>).
/// SendAsync is called in queue order, one at a time; a sink that delivers asynchronously should hand the event off
/// in that order and return, rather than wait for a round trip per event.
/// </summary>
public interface IJobEventSink
{
    Task SendAsync(JobEventMessage jobEvent, CancellationToken cancellationToken);
}

/// <summary>
/// The bounded in-process path from executors to the live sink. One channel (capacity <see cref="Capacity"/>), in the
/// order events were published, so each job's events leave in seq order. Progress is coalesced: while a job's newest
/// queued event is a progress event of the same task that the consumer has not taken yet, a newer one replaces it
/// (latest wins; the replaced seq becomes a gap that clients fill from the log). Replacing only the job's newest
/// queued event keeps the order: a newer progress never overtakes an older event of its job. Progress is the only
/// kind dropped, when the channel is full; state, result and output events wait for room instead (bounded
/// backpressure on the writer), so they are never dropped here. A single consumer owns the sink, in queue order.
/// Meter "Platform.Live": platform.live.events.pushed / coalesced / dropped / failed, platform.live.queue.depth,
/// platform.live.queue.wait (time an event spent queued), platform.live.events.append_to_publish (append to hand-over).
/// </summary>
public sealed class JobEventPublisher : BackgroundService, IJobEventPublisher
{
    public const int Capacity = 4096;

    private readonly Channel<QueuedEvent> _queue = Channel.CreateBounded<QueuedEvent>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Per job, its newest event still in the queue (and the progress slot holding it, if it is one). Guarded by <see cref="_lock"/>.</summary>
    private readonly Dictionary<Guid, (long Seq, ProgressSlot? Slot)> _newestQueued = [];
    private readonly Lock _lock = new();
    private readonly IJobEventSink _sink;
    private readonly ILogger<JobEventPublisher> _logger;
    private readonly Counter<long> _pushed;
    private readonly Counter<long> _coalesced;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _appendToPublish;

    public JobEventPublisher(IJobEventSink sink, IMeterFactory meterFactory, ILogger<JobEventPublisher> logger)
    {
        _sink = sink;
        _logger = logger;
        var meter = meterFactory.Create("Platform.Live");
        _pushed = meter.CreateCounter<long>("platform.live.events.pushed", "{event}", "Job events handed to the live sink");
        _coalesced = meter.CreateCounter<long>("platform.live.events.coalesced", "{event}", "Progress events replaced by a newer one before being pushed");
        _dropped = meter.CreateCounter<long>("platform.live.events.dropped", "{event}", "Progress events dropped because the queue was full");
        _failed = meter.CreateCounter<long>("platform.live.events.failed", "{event}", "Events the sink could not deliver (clients catch up from the stored log)");
        _queueWait = meter.CreateHistogram<double>("platform.live.queue.wait", "s", "Time an event waited in the live queue before its sink took it",
            tags: null, advice: LiveMetrics.LatencyAdvice);
        _appendToPublish = meter.CreateHistogram<double>("platform.live.events.append_to_publish", "s",
            "From the event's 'at' (stamped before its INSERT) to its hand-over here, after commit", tags: null, advice: LiveMetrics.LatencyAdvice);
        meter.CreateObservableGauge("platform.live.queue.depth", () => _queue.Reader.Count, "{event}", "Events waiting for the live sink");
    }

    public async ValueTask PublishAsync(JobEventMessage jobEvent, CancellationToken cancellationToken = default)
    {
        var enqueuedAt = Stopwatch.GetTimestamp();
        _appendToPublish.Record(Math.Max(0, (DateTimeOffset.UtcNow - jobEvent.At).TotalSeconds));
        if (!jobEvent.IsCoalescible || ProgressFormat(jobEvent) is not { } format)
        {
            lock (_lock)
            {
                _newestQueued[jobEvent.JobId] = (jobEvent.Seq, null);
            }
            try
            {
                await _queue.Writer.WriteAsync(new QueuedEvent(jobEvent, null, enqueuedAt), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                lock (_lock)
                {
                    if (_newestQueued.TryGetValue(jobEvent.JobId, out var newest) && newest.Seq == jobEvent.Seq)
                    {
                        _newestQueued.Remove(jobEvent.JobId);
                    }
                }
                throw;
            }
            return;
        }

        lock (_lock)
        {
            if (_newestQueued.TryGetValue(jobEvent.JobId, out var newest) && newest.Slot is { Taken: false } slot && slot.Format == format)
            {
                slot.Event = jobEvent;
                _newestQueued[jobEvent.JobId] = (jobEvent.Seq, slot);
                _coalesced.Add(1);
                return;
            }
            var fresh = new ProgressSlot(format, jobEvent);
            if (!_queue.Writer.TryWrite(new QueuedEvent(null, fresh, enqueuedAt)))
            {
                _dropped.Add(1);
                return;
            }
            _newestQueued[jobEvent.JobId] = (jobEvent.Seq, fresh);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var item in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            JobEventMessage jobEvent;
            lock (_lock)
            {
                jobEvent = item.Event ?? item.Slot!.Event;
                if (item.Slot is { } slot)
                {
                    slot.Taken = true;
                }
                if (_newestQueued.TryGetValue(jobEvent.JobId, out var newest) && newest.Seq == jobEvent.Seq)
                {
                    _newestQueued.Remove(jobEvent.JobId);
                }
            }
            _queueWait.Record(Stopwatch.GetElapsedTime(item.EnqueuedAt).TotalSeconds);

            try
            {
                await _sink.SendAsync(jobEvent, stoppingToken);
                _pushed.Add(1);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The event is stored; subscribers fill the gap from the log (SubscribeJob with their last seq).
                _failed.Add(1);
                _logger.LogDebug(ex, "Live sink failed for job {JobId} seq {Seq}.", jobEvent.JobId, jobEvent.Seq);
            }
        }
    }

    private static string? ProgressFormat(JobEventMessage e) =>
        e.Data.TryGetProperty("format", out var format) ? format.GetString() : null;

    /// <summary>A queued progress event that a newer one of the same task may replace until the consumer takes it.</summary>
    private sealed class ProgressSlot(string format, JobEventMessage jobEvent)
    {
        public string Format { get; } = format;
        public JobEventMessage Event { get; set; } = jobEvent;
        public bool Taken { get; set; }
    }

    private readonly record struct QueuedEvent(JobEventMessage? Event, ProgressSlot? Slot, long EnqueuedAt);
}
