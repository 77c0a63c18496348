using System.Diagnostics;
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
/// Measured by <see cref="LiveMetrics"/>: events pushed / coalesced / dropped / failed, queue depth, time an event spent
/// queued, and append to hand-over.
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
    private readonly LiveMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<JobEventPublisher> _logger;

    public JobEventPublisher(IJobEventSink sink, LiveMetrics metrics, TimeProvider time, ILogger<JobEventPublisher> logger)
    {
        _sink = sink;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        metrics.ObserveQueueDepth(() => _queue.Reader.Count);
    }

    public async ValueTask PublishAsync(JobEventMessage jobEvent, CancellationToken cancellationToken = default)
    {
        var enqueuedAt = Stopwatch.GetTimestamp();
        _metrics.EventHandedOver(jobEvent.At, _time.GetUtcNow());
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
                _metrics.EventCoalesced();
                return;
            }
            var fresh = new ProgressSlot(format, jobEvent);
            if (!_queue.Writer.TryWrite(new QueuedEvent(null, fresh, enqueuedAt)))
            {
                _metrics.EventDropped();
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
            _metrics.EventQueued(Stopwatch.GetElapsedTime(item.EnqueuedAt));

            try
            {
                await _sink.SendAsync(jobEvent, stoppingToken);
                _metrics.EventPushed();
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The event is stored; subscribers fill the gap from the log (SubscribeJob with their last seq).
                _metrics.EventFailed();
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
