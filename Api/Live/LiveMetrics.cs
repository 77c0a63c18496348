using System.Diagnostics.Metrics;

namespace Platform.Api.Live;

/// <summary>
/// Meter "Platform.Live": the publisher's queue (events pushed, coalesced, dropped, failed; queue depth and wait; append
/// to hand-over) and the hub's side (connections, subscriptions, subscribe answers, delivery to the backplane, user events).
/// </summary>
public sealed class LiveMetrics
{
    public const string MeterName = "Platform.Live";

    /// <summary>Live latencies are milliseconds to seconds: resolve the 50 ms aim and the seconds of an overload.</summary>
    public static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public static readonly InstrumentAdvice<double> LatencyAdvice = new() { HistogramBucketBoundaries = LatencyBuckets };

    private readonly Meter _meter;
    private readonly Counter<long> _pushed;
    private readonly Counter<long> _coalesced;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _appendToPublish;
    private readonly UpDownCounter<long> _connections;
    private readonly UpDownCounter<long> _jobSubscriptions;
    private readonly Counter<long> _subscribes;
    private readonly Histogram<double> _subscribeDuration;
    private readonly Histogram<double> _appendToBackplane;
    private readonly Counter<long> _backplaneFailures;
    private readonly Counter<long> _userEvents;
    private readonly Counter<long> _userEventsDropped;

    public LiveMetrics(IMeterFactory meterFactory)
    {
        var meter = _meter = meterFactory.Create(MeterName);
        _pushed = meter.CreateCounter<long>("platform.live.events.pushed", "{event}", "Job events handed to the live sink");
        _coalesced = meter.CreateCounter<long>("platform.live.events.coalesced", "{event}", "Progress events replaced by a newer one before being pushed");
        _dropped = meter.CreateCounter<long>("platform.live.events.dropped", "{event}", "Progress events dropped because the queue was full");
        _failed = meter.CreateCounter<long>("platform.live.events.failed", "{event}", "Events the sink could not deliver (clients catch up from the stored log)");
        _queueWait = meter.CreateHistogram<double>("platform.live.queue.wait", "s", "Time an event waited in the live queue before its sink took it",
            tags: null, advice: LatencyAdvice);
        _appendToPublish = meter.CreateHistogram<double>("platform.live.events.append_to_publish", "s",
            "From the event's 'at' (stamped before its INSERT) to its hand-over here, after commit", tags: null, advice: LatencyAdvice);
        _connections = meter.CreateUpDownCounter<long>("platform.live.connections", "{connection}", "SignalR connections open on this replica's jobs hub");
        _jobSubscriptions = meter.CreateUpDownCounter<long>("platform.live.job_subscriptions", "{subscription}", "Job groups joined by this replica's connections");
        _subscribes = meter.CreateCounter<long>("platform.live.subscribes", "{call}", "SubscribeJob answers, by result (events, snapshot, not_found)");
        _subscribeDuration = meter.CreateHistogram<double>("platform.live.subscribe.duration", "s", "Time to join a job's group and read its missed events",
            tags: null, advice: LatencyAdvice);
        _appendToBackplane = meter.CreateHistogram<double>("platform.live.events.append_to_backplane", "s",
            "From the event's append (its 'at') to its publish on the backplane, per event", tags: null, advice: LatencyAdvice);
        _backplaneFailures = meter.CreateCounter<long>("platform.live.backplane.failures", "{event}", "Publishes to the backplane that failed or timed out, by reason");
        _userEvents = meter.CreateCounter<long>("platform.live.user_events", "{event}", "User events sent, by type");
        _userEventsDropped = meter.CreateCounter<long>("platform.live.user_events.dropped", "{user}",
            "Users whose job-list notification was dropped because the user queue was full (the SPA refreshes on reconnect)");
    }

    /// <summary>The publisher's queue depth, read when the meter is collected.</summary>
    public void ObserveQueueDepth(Func<int> depth) =>
        _meter.CreateObservableGauge("platform.live.queue.depth", depth, "{event}", "Events waiting for the live sink");

    public void EventPushed() => _pushed.Add(1);

    public void EventCoalesced() => _coalesced.Add(1);

    public void EventDropped() => _dropped.Add(1);

    public void EventFailed() => _failed.Add(1);

    public void EventQueued(TimeSpan wait) => _queueWait.Record(wait.TotalSeconds);

    public void EventHandedOver(DateTimeOffset at, DateTimeOffset now) => _appendToPublish.Record(Math.Max(0, (now - at).TotalSeconds));

    public void ConnectionOpened() => _connections.Add(1);

    public void ConnectionClosed(int subscriptions)
    {
        _connections.Add(-1);
        _jobSubscriptions.Add(-subscriptions);
    }

    public void JobSubscribed() => _jobSubscriptions.Add(1);

    public void JobUnsubscribed() => _jobSubscriptions.Add(-1);

    public void Subscribe(string result, TimeSpan duration)
    {
        _subscribes.Add(1, new KeyValuePair<string, object?>("result", result));
        _subscribeDuration.Record(duration.TotalSeconds);
    }

    public void Published(DateTimeOffset at, DateTimeOffset now) => _appendToBackplane.Record(Math.Max(0, (now - at).TotalSeconds));

    public void BackplaneFailed(string reason) => _backplaneFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void UserEventSent(string type) => _userEvents.Add(1, new KeyValuePair<string, object?>("type", type));

    public void UserEventDropped() => _userEventsDropped.Add(1);
}
