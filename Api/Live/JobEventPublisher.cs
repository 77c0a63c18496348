using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.Channels;

namespace Platform.Api.Live;

/// <summary>Where published events go once they leave the in-process queue (today: Redis pub/sub; the hub can replace it).</summary>
public interface IJobEventSink
{
    Task SendAsync(JobEventMessage jobEvent, CancellationToken cancellationToken);
}

/// <summary>
/// The bounded in-process path from executors to the live sink. One channel (capacity <see cref="Capacity"/>) in seq
/// order per job; progress is coalesced — while a job's task has a progress event waiting, a newer one replaces it —
/// and is the only kind dropped when the channel is full. State, result and output events wait for room instead
/// (bounded backpressure on the writer), so they are never dropped here. A single consumer owns the sink.
/// Meter "Platform.Live": platform.live.events.pushed / coalesced / dropped, platform.live.queue.depth.
/// </summary>
public sealed class JobEventPublisher : BackgroundService, IJobEventPublisher
{
    public const int Capacity = 4096;

    private readonly Channel<QueuedEvent> _queue = Channel.CreateBounded<QueuedEvent>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly ConcurrentDictionary<(Guid JobId, string Format), JobEventMessage> _pendingProgress = new();
    private readonly IJobEventSink _sink;
    private readonly ILogger<JobEventPublisher> _logger;
    private readonly Counter<long> _pushed;
    private readonly Counter<long> _coalesced;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _failed;

    public JobEventPublisher(IJobEventSink sink, IMeterFactory meterFactory, ILogger<JobEventPublisher> logger)
    {
        _sink = sink;
        _logger = logger;
        var meter = meterFactory.Create("Platform.Live");
        _pushed = meter.CreateCounter<long>("platform.live.events.pushed", "{event}", "Job events handed to the live sink");
        _coalesced = meter.CreateCounter<long>("platform.live.events.coalesced", "{event}", "Progress events replaced by a newer one before being pushed");
        _dropped = meter.CreateCounter<long>("platform.live.events.dropped", "{event}", "Progress events dropped because the queue was full");
        _failed = meter.CreateCounter<long>("platform.live.events.failed", "{event}", "Events the sink could not deliver (clients catch up from the stored log)");
        meter.CreateObservableGauge("platform.live.queue.depth", () => _queue.Reader.Count, "{event}", "Events waiting for the live sink");
    }

    public async ValueTask PublishAsync(JobEventMessage jobEvent, CancellationToken cancellationToken = default)
    {
        if (!jobEvent.IsCoalescible || ProgressKey(jobEvent) is not { } key)
        {
            await _queue.Writer.WriteAsync(new QueuedEvent(jobEvent, null), cancellationToken);
            return;
        }

        // A marker for this key is already queued: replace what it will deliver.
        var isNew = true;
        _pendingProgress.AddOrUpdate(key, jobEvent, (_, previous) =>
        {
            isNew = false;
            return previous.Seq < jobEvent.Seq ? jobEvent : previous;
        });
        if (!isNew)
        {
            _coalesced.Add(1);
            return;
        }
        if (!_queue.Writer.TryWrite(new QueuedEvent(null, key)))
        {
            _pendingProgress.TryRemove(key, out _);
            _dropped.Add(1);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var item in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            var jobEvent = item.Event;
            if (item.ProgressKey is { } key && !_pendingProgress.TryRemove(key, out jobEvent))
            {
                continue;
            }
            try
            {
                await _sink.SendAsync(jobEvent!, stoppingToken);
                _pushed.Add(1);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The event is stored; subscribers fill the gap from GET /api/jobs/{id}/events?after=N.
                _failed.Add(1);
                _logger.LogDebug(ex, "Live sink failed for job {JobId} seq {Seq}.", jobEvent!.JobId, jobEvent.Seq);
            }
        }
    }

    private static (Guid, string)? ProgressKey(JobEventMessage e) =>
        e.Data.TryGetProperty("format", out var format) && format.GetString() is { } name ? (e.JobId, name) : null;

    private readonly record struct QueuedEvent(JobEventMessage? Event, (Guid JobId, string Format)? ProgressKey);
}
